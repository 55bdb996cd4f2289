-- v3 (the release that fails in the drills, ROLLBACK.md § Scenario 2): weights as integer grams. Not additive:
-- it drops weight_kg, so v2 can no longer write or read logs once it is applied (a rollback needs the database
-- restored, not just the image).
ALTER TABLE workout_logs ADD COLUMN weight_g integer;
UPDATE workout_logs SET weight_g = round(weight_kg * 1000);
ALTER TABLE workout_logs ALTER COLUMN weight_g SET NOT NULL;
ALTER TABLE workout_logs DROP COLUMN weight_kg;
