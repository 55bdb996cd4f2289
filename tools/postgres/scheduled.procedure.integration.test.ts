// Procedure 3 on real PostgreSQL 15: the daily backup job (with 30-day retention) and the weekly restore
// test from the DR document, run on demand against a directory target.
import { mkdtemp, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../scenarios/clock.ts';
import { LABELS, type Clock } from '../../scenarios/ports.ts';
import { run } from '../lib/exec.ts';
import { manifestKeyFor } from './backup-target.ts';
import { DirectoryTarget } from './directory.target.ts';
import { PostgresContainer, type StartedPostgres } from './postgres.container.ts';
import { RestoreValidationError } from './postgres.errors.ts';
import { postgresImage } from './postgres.image.ts';
import { listBackups, scheduledBackupJob, weeklyRestoreTest, type RestoreTestReport } from './scheduled.procedure.ts';
import { unwrap } from './step-recorder.ts';
import { seedGravl, testLabels } from './testing/fixtures.ts';

const labels = testLabels('scheduled-backup');
const DAY = 86_400_000;
let image: string;
let storeDir: string;
let source: StartedPostgres;

/** The real monotonic clock, with the calendar moved by `offsetMs` (to age backups without waiting). */
function calendarShifted(offsetMs: number): Clock {
  return { ...systemClock, wallNow: () => Date.now() + offsetMs };
}

beforeAll(async () => {
  image = await postgresImage();
  storeDir = await mkdtemp(join(tmpdir(), 'drillbook-scheduled-'));
  source = await new PostgresContainer(image).withLabels(labels).start();
  await seedGravl(source, { users: 100, logs: 2_000 });
});

afterAll(async () => {
  await source?.[Symbol.asyncDispose]();
  await rm(storeDir, { recursive: true, force: true });
});

describe('scheduled backup job and weekly restore test (on demand)', () => {
  const target = () => new DirectoryTarget(storeDir);

  it('the daily job keeps 30 days of backups: a 35-day-old backup is deleted, the new one and a 10-day-old one stay', async () => {
    const old = unwrap(await scheduledBackupJob(source, { target: target(), clock: calendarShifted(-35 * DAY) }));
    const recent = unwrap(await scheduledBackupJob(source, { target: target(), clock: calendarShifted(-10 * DAY) }));
    expect(recent.pruned).toEqual([]);
    const today = await scheduledBackupJob(source, { target: target() });
    const value = unwrap(today);
    expect(value.pruned).toEqual([old.key]);
    expect(value.recordedRun).toBe(true);
    const runs = await source.query<{ location: string; ok: boolean; size: number | null }>('SELECT location, ok, size_bytes::float8 AS size FROM backup_runs ORDER BY id');
    expect(runs.rows.at(-1)).toEqual({ location: `${target().description}${value.key}`, ok: true, size: value.manifest.sizeBytes });
    expect(today.steps.find((s) => s.name.startsWith('retention'))).toMatchObject({ name: 'retention: delete backups older than 30 days', status: 'passed' });
    const { manifests } = await listBackups(target());
    expect(manifests.map((m) => m.key)).toEqual([value.key, recent.key]);
  });

  it('the weekly restore test restores the latest backup into an ephemeral instance, validates it and writes a report', async () => {
    const before = (await listBackups(target())).manifests[0]!;
    const result = await weeklyRestoreTest({ target: target(), image, labels });
    const report = unwrap(result);
    expect(report.backupKey).toBe(before.key);
    expect(report.passed).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.rows).toBe(100 + 2_000 + 2 + 2); // users, logs, migrations, and the backup_runs rows of the two earlier jobs
    expect(report.indexesChecked).toBeGreaterThanOrEqual(5);
    const indexStep = result.steps.find((s) => s.name === 'index integrity')!;
    expect(indexStep.evidence.map((e) => e.value)).toContain('amcheck bt_index_check(heapallindexed) on every btree index');
    expect(result.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(['pick the backup to test', 'start an ephemeral instance', 'validate: row counts, foreign keys, schema version, row checksums', 'index integrity']),
    );
    const reports = await target().list('reports/');
    expect(reports).toHaveLength(1);
    const stored = JSON.parse(await readFile(join(storeDir, ...reports[0]!.key.split('/')), 'utf8')) as RestoreTestReport;
    expect(stored.passed).toBe(true);
    // the ephemeral instance is gone
    const { stdout } = await run('docker', ['ps', '-a', '-q', '--filter', `label=${LABELS.runId}=${labels[LABELS.runId]}`, '--filter', 'name=drillbook-restoretest']);
    expect(stdout.trim()).toBe('');
  });

  it('the weekly restore test fails with a clear reason when the latest backup is truncated, and says so in its report', async () => {
    const latest = (await listBackups(target())).manifests[0]!;
    const file = join(storeDir, ...latest.key.split('/'));
    await truncate(file, 1_000);
    const result = await weeklyRestoreTest({ target: target(), image, labels, reportKey: 'reports/failed-test.json' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(RestoreValidationError);
    expect(result.error.message).toMatch(/truncated: 1000 of \d+ bytes/);
    const stored = JSON.parse(await readFile(join(storeDir, 'reports', 'failed-test.json'), 'utf8')) as RestoreTestReport;
    expect(stored.passed).toBe(false);
    expect(stored.problems.join('\n')).toMatch(/truncated/);
    expect(await readFile(join(storeDir, ...manifestKeyFor(latest.key).split('/')), 'utf8')).toContain(latest.sha256);
  });
});
