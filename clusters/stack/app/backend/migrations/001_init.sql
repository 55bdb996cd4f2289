-- v1 schema: exercise catalogue, workout logs keyed by (client_id, seq) so a data probe can count lost writes,
-- and backup_runs, written by the backup job, read by /metrics (gravl_backup_last_success_timestamp_seconds, and the
-- last full backup's size and upload duration).
CREATE TABLE exercises (
  id           serial PRIMARY KEY,
  name         text NOT NULL UNIQUE,
  muscle_group text NOT NULL
);

INSERT INTO exercises (name, muscle_group) VALUES
  ('Back squat', 'legs'),
  ('Bench press', 'chest'),
  ('Deadlift', 'back'),
  ('Overhead press', 'shoulders'),
  ('Pull-up', 'back'),
  ('Barbell row', 'back');

CREATE TABLE workout_logs (
  id          bigserial PRIMARY KEY,
  client_id   text NOT NULL,
  seq         bigint NOT NULL,
  exercise_id integer NOT NULL REFERENCES exercises (id),
  reps        integer NOT NULL CHECK (reps > 0),
  weight_kg   numeric(6, 2) NOT NULL CHECK (weight_kg >= 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (client_id, seq)
);

CREATE TABLE backup_runs (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL DEFAULT 'full',
  location    text,
  ok          boolean NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  -- written by the backup job, read by /metrics (gravl_backup_last_size_bytes, ..._upload_duration_seconds): the
  -- dump's bytes, and the seconds the job took to write the dump to the backup volume (the stack's stand-in for
  -- the runbook's S3 upload: there is no S3 here). NULL when the writer does not know them.
  size_bytes     bigint,
  upload_seconds double precision
);
