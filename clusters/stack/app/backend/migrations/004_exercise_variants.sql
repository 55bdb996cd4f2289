-- v3: seed the exercise variants. It re-inserts an exercise that 001 already has, so it fails with
-- "duplicate key value violates unique constraint exercises_name_key" - after 003 has been committed: the
-- failure ROLLBACK.md § Scenario 2 describes, half a release applied.
INSERT INTO exercises (name, muscle_group) VALUES
  ('Front squat', 'legs'),
  ('Deadlift', 'back');
