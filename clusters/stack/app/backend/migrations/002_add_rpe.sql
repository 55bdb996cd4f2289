-- v2: rate of perceived exertion per log. Additive and nullable, so v1 still runs on a v2 schema (rollback).
ALTER TABLE workout_logs ADD COLUMN rpe smallint CHECK (rpe BETWEEN 1 AND 10);
CREATE INDEX workout_logs_created_at_idx ON workout_logs (created_at);
