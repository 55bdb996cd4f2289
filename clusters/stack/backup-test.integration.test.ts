// The restore test of the backup drill (clusters/stack/manifests/backup-test.manifest.ts) on real PostgreSQL 15 in
// Docker: the script the Kubernetes Job runs restores the newest custom-format dump into a throwaway instance in
// its own container and reports the row counts; a truncated dump fails it loudly.
import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { waitForHealthy } from '../../tools/lib/docker-health.ts';
import { ensureImage } from '../../tools/images/images.ts';
import { run, tryRun } from '../../tools/lib/exec.ts';
import { parseRestoreReport, restoreTestScript, type RestoreTestOptions } from './manifests/backup-test.manifest.ts';

const labels = [`${LABELS.managedBy}=${MANAGED_BY}`, `${LABELS.scenario}=backup-restore-test`].flatMap((l) => ['--label', l]);
const name = `dbk-restore-test-${process.pid}`;
let image: string;
let backups: string;

// recording: the live database is the container's, reached on its loopback (the Job reaches the Service `postgres`)
const liveDb = ['--network', `container:${name}`, '-e', 'PGHOST=127.0.0.1', '-e', 'PGUSER=gravl_user', '-e', 'PGPASSWORD=pw', '-e', 'PGDATABASE=gravl'];
const restore = (options: RestoreTestOptions = {}) =>
  tryRun('docker', ['run', '--rm', ...labels, ...(options.record ? liveDb : []), '-v', `${backups}:/backups:ro`, '--entrypoint', '/bin/sh', image, '-c', restoreTestScript('/backups/*.dump', options)], { timeoutMs: 120_000 });
const restoreRuns = async () =>
  (await run('docker', ['exec', '-e', 'PGPASSWORD=pw', name, 'psql', '-h', '127.0.0.1', '-U', 'gravl_user', '-d', 'gravl', '-tA', '-F', ' ', '-c', "SELECT location, ok FROM backup_runs WHERE kind = 'restore-test' ORDER BY id"])).stdout
    .trim()
    .split('\n')
    .filter(Boolean);

beforeAll(async () => {
  image = await ensureImage('postgres');
  backups = mkdtempSync(join(tmpdir(), 'drillbook-backups-'));
  chmodSync(backups, 0o777); // as a local-path PVC: the postgres user in the containers writes and reads it
  await run('docker', ['run', '-d', '--name', name, ...labels, '-v', `${backups}:/backups`, '-e', 'POSTGRES_PASSWORD=pw', '-e', 'POSTGRES_USER=gravl_user', '-e', 'POSTGRES_DB=gravl', image]);
  await waitForHealthy(name, { timeoutMs: 90_000 });
  const sql = [
    'CREATE TABLE exercises (id serial PRIMARY KEY, name text NOT NULL)',
    "INSERT INTO exercises (name) VALUES ('squat'), ('bench'), ('deadlift')",
    'CREATE TABLE workout_logs (id serial PRIMARY KEY, exercise_id int REFERENCES exercises(id), reps int)',
    'INSERT INTO workout_logs (exercise_id, reps) VALUES (1, 5), (2, 8)',
    "CREATE TABLE backup_runs (id bigserial PRIMARY KEY, kind text NOT NULL DEFAULT 'full', location text, ok boolean NOT NULL, finished_at timestamptz NOT NULL DEFAULT now())",
  ].join('; ');
  await run('docker', ['exec', '-e', 'PGPASSWORD=pw', name, 'psql', '-h', '127.0.0.1', '-U', 'gravl_user', '-d', 'gravl', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  // what the CronJob's script does: pg_dump -Fc to the backup volume
  await run('docker', ['exec', '-e', 'PGPASSWORD=pw', name, 'pg_dump', '-h', '127.0.0.1', '-U', 'gravl_user', '-d', 'gravl', '-Fc', '-f', '/backups/gravl-20261201T020000Z.dump']);
});

afterAll(async () => {
  await tryRun('docker', ['rm', '-f', '-v', name]);
});

describe('backup restore test (the Job script) on real PostgreSQL', () => {
  it('restores the newest dump into a scratch instance and reports every table’s rows', async () => {
    const result = await restore();
    expect(result instanceof Error ? result.message : 'ok').toBe('ok');
    const report = parseRestoreReport((result as { stdout: string }).stdout);
    expect(report).toEqual({ dump: 'gravl-20261201T020000Z.dump', rows: { exercises: 3, workout_logs: 2 } });
  });

  it('records its outcome in backup_runs; on a damaged copy it succeeds as a Job, reports restore=failed and records the failure', async () => {
    const good = await restore({ record: {} });
    expect(good instanceof Error ? good.message : 'ok').toBe('ok');
    const damaged = await restore({ record: { location: "drillbook-fault:x'y" }, damaged: true });
    expect(damaged instanceof Error ? damaged.message : 'ok').toBe('ok');
    expect((damaged as { stdout: string }).stdout).toMatch(/^dump=gravl-20261201T020000Z\.dump restore=failed /);
    // the quote is dropped from the location rather than breaking the statement
    expect(await restoreRuns()).toEqual(['gravl-20261201T020000Z.dump t', 'drillbook-fault:xy f']);
  });

  it('fails, naming pg_restore, when the newest dump is truncated', async () => {
    const good = readdirSync(backups).find((f) => f.endsWith('.dump'))!;
    const bytes = readFileSync(join(backups, good));
    writeFileSync(join(backups, 'gravl-20261201T030000Z.dump'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const result = await restore();
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/pg_restore/);
  });
});
