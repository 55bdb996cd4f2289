// Procedure 3: the DR document's scheduled jobs, runnable on demand.
//  - the daily backup job (02:00 UTC): logical backup + sha256 + manifest to the target, then retention
//    (30 days): backups whose manifest is older are deleted with their manifest;
//  - the weekly restore test (Sundays 03:00 UTC): take the latest backup in the target, verify it, restore it
//    into an ephemeral instance, validate (row counts, foreign keys, schema, row checksums, index integrity),
//    write a report next to the backups, throw the instance away.
import pg from 'pg';
import type { Evidence, StepRecord } from '../../scenarios/journal.ts';
import type { Labels } from '../../scenarios/ports.ts';
import { systemClock } from '../../scenarios/clock.ts';
import type { BackupTarget } from './backup-target.ts';
import { parseManifest, type BackupManifest } from './backup-manifest.ts';
import { logicalBackup, restoreLogical, type LogicalBackupOptions, type LogicalBackupResult, type ProcedureOptions } from './backup.procedure.ts';
import { PostgresContainer, type StartedPostgres } from './postgres.container.ts';
import { BackupIntegrityError, RestoreValidationError } from './postgres.errors.ts';
import { StepRecorder, type ProcedureResult } from './step-recorder.ts';

const DAY_MS = 86_400_000;

export interface ScheduledBackupOptions extends LogicalBackupOptions {
  /** Backups older than this are deleted after a successful backup (DR document: 30). */
  readonly retentionDays?: number;
  readonly prefix?: string;
}

export interface ScheduledBackupResult extends LogicalBackupResult {
  readonly pruned: readonly string[];
  /** A row was added to the app's backup_runs table (Gravl's backup freshness metric). */
  readonly recordedRun: boolean;
}

/** Lists the manifests of logical backups under a prefix, newest first; unreadable manifests are reported, not fatal. */
export async function listBackups(target: BackupTarget, options: { prefix?: string; signal?: AbortSignal } = {}): Promise<{ manifests: BackupManifest[]; unreadable: string[] }> {
  const prefix = options.prefix ?? 'logical/';
  const objects = await target.list(prefix, { signal: options.signal });
  const manifests: BackupManifest[] = [];
  const unreadable: string[] = [];
  for (const o of objects) {
    if (!o.key.endsWith('.manifest.json')) continue;
    try {
      manifests.push(parseManifest(o.key, await target.getText(o.key, { signal: options.signal })));
    } catch {
      unreadable.push(o.key);
    }
  }
  manifests.sort((a, b) => b.createdAtMs - a.createdAtMs);
  return { manifests, unreadable };
}

export async function scheduledBackupJob(source: StartedPostgres, options: ScheduledBackupOptions): Promise<ProcedureResult<ScheduledBackupResult>> {
  const clock = options.clock ?? systemClock;
  const backup = await logicalBackup(source, options);
  if (!backup.ok) return backup;
  const rec = new StepRecorder(clock, options.signal);
  const pruned = await rec.procedure(async () =>
    rec.step(`retention: delete backups older than ${options.retentionDays ?? 30} days`, 10 * 60_000, async (ctx) => {
      const cutoff = clock.wallNow() - (options.retentionDays ?? 30) * DAY_MS;
      const { manifests, unreadable } = await listBackups(options.target, { prefix: options.prefix, signal: ctx.signal });
      const deleted: string[] = [];
      for (const m of manifests) {
        if (m.createdAtMs >= cutoff || m.key === backup.value.key) continue;
        await options.target.delete(m.key, { signal: ctx.signal });
        await options.target.delete(`${m.key}.manifest.json`, { signal: ctx.signal });
        deleted.push(m.key);
      }
      ctx.evidence('json', 'retention', { cutoff: new Date(cutoff).toISOString(), kept: manifests.length - deleted.length, deleted, unreadableManifests: unreadable });
      return deleted;
    }),
  );
  // Gravl reads its newest ok row of backup_runs into gravl_backup_last_success_timestamp_seconds, and the newest
  // ok full row's size_bytes into gravl_backup_last_size_bytes (BackupSizeDeviation). upload_seconds stays NULL
  // (unknown here: gravl_backup_last_upload_duration_seconds is then absent, not 0).
  const recRun = new StepRecorder(clock, options.signal);
  const recorded = await recRun.procedure(async () =>
    recRun.step('record the run in backup_runs (if the app has that table)', 60_000, async (ctx) => {
      const exists = await source.query<{ reg: string | null; sized: boolean }>(
        "SELECT to_regclass('public.backup_runs')::text AS reg, EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('public.backup_runs') AND attname = 'size_bytes' AND NOT attisdropped) AS sized",
      );
      if (!exists.rows[0]?.reg) {
        ctx.evidence('text', 'backup_runs', 'no backup_runs table: nothing recorded');
        return false;
      }
      const location = `${options.target.description}${backup.value.key}`;
      if (exists.rows[0].sized) {
        const sizeBytes = backup.value.manifest.sizeBytes;
        await source.query("INSERT INTO backup_runs (kind, location, ok, size_bytes) VALUES ('full', $1, true, $2)", [location, sizeBytes]);
        ctx.evidence('json', 'backup_runs', { kind: 'full', location, ok: true, size_bytes: sizeBytes });
      } else {
        // a backup_runs from before the size_bytes column
        await source.query("INSERT INTO backup_runs (kind, location, ok) VALUES ('full', $1, true)", [location]);
        ctx.evidence('json', 'backup_runs', { kind: 'full', location, ok: true, size_bytes: 'no such column' });
      }
      return true;
    }),
  );
  const steps = [...backup.steps, ...pruned.steps, ...recorded.steps];
  if (!pruned.ok) return { ok: false, error: pruned.error, steps };
  if (!recorded.ok) return { ok: false, error: recorded.error, steps };
  return { ok: true, value: { ...backup.value, pruned: pruned.value, recordedRun: recorded.value }, steps };
}

export interface RestoreTestOptions extends ProcedureOptions {
  readonly target: BackupTarget;
  readonly image: string;
  readonly labels?: Labels;
  readonly prefix?: string;
  /** Test this backup instead of the latest. */
  readonly key?: string;
  /** Where the report goes in the target (default reports/restore-test-<stamp>.json). Set null to skip. */
  readonly reportKey?: string | null;
}

export interface RestoreTestReport {
  readonly backupKey: string;
  readonly backupCreatedAt: string;
  readonly testedAt: string;
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly rows: number;
  readonly tables: number;
  readonly indexesChecked: number;
  readonly durationMs: number;
  readonly steps: readonly Pick<StepRecord, 'name' | 'status' | 'startMs' | 'endMs'>[];
}

/** Checks every btree index with amcheck (contrib); falls back to REINDEX, as the DR document does. */
async function checkIndexes(instance: StartedPostgres, database: string, evidence: (kind: Evidence['kind'], label: string, value: unknown) => void): Promise<number> {
  const client = await instance.connect(database);
  try {
    const amcheck = await client.query('CREATE EXTENSION IF NOT EXISTS amcheck').then(() => true, () => false);
    if (amcheck) {
      const r = await client.query<{ n: number }>(`
        SELECT count(bt_index_check(c.oid, true))::int AS n
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE am.amname = 'btree' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`);
      evidence('text', 'index check', 'amcheck bt_index_check(heapallindexed) on every btree index');
      return r.rows[0]?.n ?? 0;
    }
    await client.query(`REINDEX DATABASE ${pg.escapeIdentifier(database)}`);
    const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`);
    evidence('text', 'index check', 'amcheck unavailable: REINDEX DATABASE');
    return r.rows[0]?.n ?? 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function weeklyRestoreTest(options: RestoreTestOptions): Promise<ProcedureResult<RestoreTestReport>> {
  const clock = options.clock ?? systemClock;
  const rec = new StepRecorder(clock, options.signal);
  const started = clock.now();
  let instance: StartedPostgres | undefined;
  const steps: StepRecord[] = [];
  const result = await rec.procedure(async () => {
    const chosen = await rec.step('pick the backup to test', 5 * 60_000, async (ctx) => {
      const { manifests, unreadable } = await listBackups(options.target, { prefix: options.prefix, signal: ctx.signal });
      const m = options.key ? manifests.find((x) => x.key === options.key) : manifests[0];
      ctx.evidence('json', 'candidates', { found: manifests.length, unreadableManifests: unreadable, chosen: m?.key ?? null });
      if (!m) throw new BackupIntegrityError(options.key ?? `${options.target.description}${options.prefix ?? 'logical/'}`, ['no backup with a readable manifest found']);
      return m;
    });
    instance = await rec.step('start an ephemeral instance', 5 * 60_000, async (ctx) =>
      new PostgresContainer(options.image).withNamePrefix('drillbook-restoretest').withLabels(options.labels ?? {}).withDatabase('postgres').withClock(clock).start({ signal: ctx.signal }),
    );
    steps.push(...rec.steps);
    const restored = await restoreLogical(instance, { source: options.target, key: chosen.key, clock, signal: options.signal, timeouts: options.timeouts });
    const inner = new StepRecorder(clock, options.signal);
    let problems: string[] = [];
    let indexesChecked = 0;
    if (restored.ok) {
      const db = restored.value.database;
      const ix = await inner.procedure(() => inner.step('index integrity', 30 * 60_000, async (ctx) => checkIndexes(instance!, db, ctx.evidence)));
      if (ix.ok) indexesChecked = ix.value;
      else problems.push(`index integrity: ${ix.error.message}`);
    } else {
      problems = restored.error instanceof RestoreValidationError || restored.error instanceof BackupIntegrityError ? [...restored.error.problems] : [restored.error.message];
    }
    steps.push(...restored.steps, ...inner.steps);
    const facts = restored.ok ? restored.value.restoredFacts : null;
    const report: RestoreTestReport = {
      backupKey: chosen.key,
      backupCreatedAt: chosen.createdAt,
      testedAt: new Date(clock.wallNow()).toISOString(),
      passed: restored.ok && problems.length === 0,
      problems,
      rows: facts ? facts.tables.reduce((n, x) => n + x.rows, 0) : 0,
      tables: facts?.tables.length ?? 0,
      indexesChecked,
      durationMs: Math.round(clock.now() - started),
      steps: steps.map((s) => ({ name: s.name, status: s.status, startMs: s.startMs, endMs: s.endMs })),
    };
    const reportKey = options.reportKey === undefined ? `reports/restore-test-${report.testedAt.replaceAll(/[-:.]/g, '')}.json` : options.reportKey;
    const after = new StepRecorder(clock, options.signal);
    if (reportKey !== null) {
      const up = await after.procedure(() => after.step(`write the report to ${options.target.description}`, 5 * 60_000, async (ctx) => {
        await options.target.putText(reportKey, JSON.stringify(report, null, 2), { signal: ctx.signal });
        ctx.evidence('json', 'report', { key: reportKey, passed: report.passed });
      }));
      steps.push(...up.steps);
    }
    if (!report.passed) {
      throw new RestoreValidationError(`weekly restore test of ${chosen.key}`, problems.length > 0 ? problems : ['restore failed'], { cause: restored.ok ? undefined : restored.error });
    }
    return report;
  });
  if (instance) await instance[Symbol.asyncDispose]();
  // rec.steps holds the outer steps; nested procedures' steps were collected into `steps`
  const all = [...steps, ...rec.steps.filter((s) => !steps.includes(s))].sort((a, b) => a.startMs - b.startMs);
  return result.ok ? { ok: true, value: result.value, steps: all } : { ok: false, error: result.error, steps: all };
}
