// Procedure 1 (and the integrity half of 4): logical backup and validated restore, step by step.
//
// Backup: pin a snapshot -> read the facts (row counts, schema, samples) in it -> pg_dump -Fc of that same
// snapshot inside the Postgres container -> sha256 -> manifest -> upload dump + manifest to the target.
// Restore: download -> verify size and sha256 against the manifest -> pg_restore --list -> restore into a
// scratch database -> validate (row counts, foreign keys, schema version/fingerprint, row checksums) -> only
// then swap it in under the live name. A backup or a restore that fails a check never touches the live database.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { Clock } from '../../scenarios/ports.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { manifestKeyFor, type BackupTarget } from './backup-target.ts';
import {
  compareFacts,
  findForeignKeyViolations,
  MANIFEST_FORMAT,
  parseManifest,
  readDatabaseFacts,
  sha256File,
  type BackupManifest,
  type DatabaseFacts,
  type FactsOptions,
} from './backup-manifest.ts';
import { CONTAINER_WORK_DIR, type StartedPostgres } from './postgres.container.ts';
import { BackupIntegrityError, RestoreValidationError } from './postgres.errors.ts';
import { StepRecorder, type ProcedureResult } from './step-recorder.ts';

export interface StepTimeouts {
  readonly backupMs: number;
  readonly transferMs: number;
  readonly restoreMs: number;
  readonly validateMs: number;
}
export const DEFAULT_TIMEOUTS: StepTimeouts = { backupMs: 30 * 60_000, transferMs: 30 * 60_000, restoreMs: 60 * 60_000, validateMs: 30 * 60_000 };

export interface ProcedureOptions {
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly timeouts?: Partial<StepTimeouts>;
}

export interface LogicalBackupOptions extends ProcedureOptions, FactsOptions {
  readonly target: BackupTarget;
  /** Object key; default logical/<db>-<UTC timestamp>.dump */
  readonly key?: string;
  /** pg_dump compression level 0..9 (default 6, as the DR document's gzip -6). */
  readonly compression?: number;
}

export interface LogicalBackupResult {
  readonly key: string;
  readonly manifest: BackupManifest;
  /** Host path of the dump as pg_dump wrote it (inside the source's work dir). */
  readonly localPath: string;
}

function timeouts(options: ProcedureOptions): StepTimeouts {
  return { ...DEFAULT_TIMEOUTS, ...options.timeouts };
}

function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replaceAll(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export async function logicalBackup(source: StartedPostgres, options: LogicalBackupOptions): Promise<ProcedureResult<LogicalBackupResult>> {
  const clock = options.clock ?? systemClock;
  const t = timeouts(options);
  const rec = new StepRecorder(clock, options.signal);
  return rec.procedure(async () => {
    const createdAtMs = clock.wallNow();
    const key = options.key ?? `logical/${source.database}-${utcStamp(createdAtMs)}-${randomBytes(2).toString('hex')}.dump`;
    const fileName = `${randomBytes(6).toString('hex')}.dump`;
    const localPath = join(source.workDir, fileName);
    const snapshotClient = await source.connect();
    let facts: DatabaseFacts;
    let dumpMs = 0;
    try {
      const snapshot = await rec.step('pin snapshot and read database facts', t.validateMs, async (ctx) => {
        await snapshotClient.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const s = await snapshotClient.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
        facts = await readDatabaseFacts(snapshotClient, options);
        ctx.evidence('json', 'facts', { tables: facts.tables.length, rows: facts.tables.reduce((n, x) => n + x.rows, 0), schemaVersion: facts.schemaVersion });
        return s.rows[0]!.id;
      });
      await rec.step('pg_dump custom format', t.backupMs, async (ctx) => {
        const cmd = ['pg_dump', '--format=custom', `--compress=${options.compression ?? 6}`, `--snapshot=${snapshot}`, '--no-owner', '-d', source.database, '-f', `${CONTAINER_WORK_DIR}/${fileName}`];
        ctx.evidence('command', 'pg_dump', cmd.join(' '));
        const r = await source.exec(cmd, { signal: ctx.signal });
        dumpMs = r.durationMs;
        ctx.evidence('metric', 'pg_dump ms', r.durationMs);
      });
    } finally {
      await snapshotClient.query('COMMIT').catch(() => undefined);
      await snapshotClient.end().catch(() => undefined);
    }
    const manifest = await rec.step('checksum and manifest', t.validateMs, async (ctx) => {
      const sizeBytes = (await stat(localPath)).size;
      const sha256 = await sha256File(localPath, ctx.signal);
      ctx.evidence('metric', 'size bytes', sizeBytes);
      ctx.evidence('text', 'sha256', sha256);
      const m: BackupManifest = {
        format: MANIFEST_FORMAT,
        kind: 'logical',
        key,
        database: source.database,
        createdAt: new Date(createdAtMs).toISOString(),
        createdAtMs,
        durationMs: dumpMs,
        sizeBytes,
        sha256,
        tool: `pg_dump ${facts!.serverVersion}`,
        facts: facts!,
      };
      ctx.evidence('manifest', 'manifest', { ...m, facts: { ...m.facts, tables: `${m.facts?.tables.length} tables` } });
      return m;
    });
    await rec.step(`upload to ${options.target.description}`, t.transferMs, async (ctx) => {
      const stored = await options.target.put(key, localPath, { signal: ctx.signal });
      await options.target.putText(manifestKeyFor(key), JSON.stringify(manifest, null, 2), { signal: ctx.signal });
      ctx.evidence('json', 'stored', { key, sizeBytes: stored.sizeBytes, manifestKey: manifestKeyFor(key) });
    });
    return { key, manifest, localPath };
  });
}

export interface RestoreOptions extends ProcedureOptions {
  readonly source: BackupTarget;
  readonly key: string;
  /** Database name the restored data must end up under (default: the manifest's database). */
  readonly into?: string;
  /**
   * When `into` already exists on the target instance: 'keep' renames the old one to <into>__pre_restore_<id>
   * (the default, reversible); 'drop' drops it after the swap.
   */
  readonly previous?: 'keep' | 'drop';
  /** pg_restore --jobs (default 2: the machine has 2 cores). */
  readonly jobs?: number;
  /** Skip the post-restore validation (only the bench's bare baseline does this). */
  readonly skipValidation?: boolean;
}

export interface RestoreResult {
  readonly manifest: BackupManifest;
  readonly database: string;
  /** Name the previous live database was kept under, if there was one and previous = 'keep'. */
  readonly previousKeptAs: string | null;
  readonly restoredFacts: DatabaseFacts | null;
}

async function terminateConnections(client: pg.Client, db: string): Promise<void> {
  await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db]);
}

export async function restoreLogical(target: StartedPostgres, options: RestoreOptions): Promise<ProcedureResult<RestoreResult>> {
  const clock = options.clock ?? systemClock;
  const t = timeouts(options);
  const rec = new StepRecorder(clock, options.signal);
  return rec.procedure(async () => {
    const id = randomBytes(4).toString('hex');
    const fileName = `restore-${id}.dump`;
    const stagedPath = join(target.workDir, fileName);
    const manifest = await rec.step('fetch manifest', t.transferMs, async (ctx) => {
      const text = await options.source.getText(manifestKeyFor(options.key), { signal: ctx.signal });
      const m = parseManifest(options.key, text);
      if (m.kind !== 'logical') throw new BackupIntegrityError(options.key, [`manifest kind is ${m.kind}, expected logical`]);
      ctx.evidence('json', 'manifest', { key: m.key, sizeBytes: m.sizeBytes, sha256: m.sha256, createdAt: m.createdAt, schemaVersion: m.facts?.schemaVersion ?? null });
      return m;
    });
    const into = options.into ?? manifest.database;
    const scratch = `${into}__restore_${id}`;
    try {
      await rec.step(`download from ${options.source.description}`, t.transferMs, async (ctx) => {
        await mkdir(target.workDir, { recursive: true });
        const got = await options.source.get(options.key, stagedPath, { signal: ctx.signal });
        ctx.evidence('metric', 'downloaded bytes', got.sizeBytes);
      });
      await rec.step('verify size and sha256 against the manifest', t.validateMs, async (ctx) => {
        const size = (await stat(stagedPath)).size;
        const problems: string[] = [];
        if (size !== manifest.sizeBytes) problems.push(size < manifest.sizeBytes ? `truncated: ${size} of ${manifest.sizeBytes} bytes` : `size ${size} bytes, manifest says ${manifest.sizeBytes}`);
        const sha = await sha256File(stagedPath, ctx.signal);
        ctx.evidence('text', 'sha256', sha);
        if (sha !== manifest.sha256) problems.push(`sha256 ${sha} does not match the manifest's ${manifest.sha256}`);
        if (problems.length > 0) throw new BackupIntegrityError(options.key, problems);
      });
      await rec.step('pg_restore --list (archive readable)', t.validateMs, async (ctx) => {
        const r = await target.exec(['pg_restore', '--list', `${CONTAINER_WORK_DIR}/${fileName}`], { signal: ctx.signal }).catch((cause: unknown) => {
          throw new BackupIntegrityError(options.key, [`pg_restore cannot read the archive: ${(cause as Error).message.split('\n').slice(-2).join(' ')}`], { cause });
        });
        ctx.evidence('metric', 'toc entries', r.stdout.split('\n').filter((l) => l && !l.startsWith(';')).length);
      });
      await rec.step(`pg_restore into scratch database ${scratch}`, t.restoreMs, async (ctx) => {
        await target.query(`CREATE DATABASE ${pg.escapeIdentifier(scratch)}`, [], 'postgres');
        const cmd = ['pg_restore', '--exit-on-error', '--no-owner', `--jobs=${options.jobs ?? 2}`, '-d', scratch, `${CONTAINER_WORK_DIR}/${fileName}`];
        ctx.evidence('command', 'pg_restore', cmd.join(' '));
        const r = await target.exec(cmd, { signal: ctx.signal });
        ctx.evidence('metric', 'pg_restore ms', r.durationMs);
      });
      let restoredFacts: DatabaseFacts | null = null;
      if (!options.skipValidation) {
        restoredFacts = await rec.step('validate: row counts, foreign keys, schema version, row checksums', t.validateMs, async (ctx) => {
          const client = await target.connect(scratch);
          try {
            await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
            const facts = await readDatabaseFacts(client, {});
            const fkProblems = await findForeignKeyViolations(client);
            await client.query('COMMIT');
            const problems = [...(manifest.facts ? compareFacts(manifest.facts, facts) : ['the manifest carries no database facts to validate against']), ...fkProblems];
            ctx.evidence('json', 'validation', {
              tables: facts.tables.length,
              rows: facts.tables.reduce((n, x) => n + x.rows, 0),
              foreignKeys: facts.foreignKeys,
              schemaVersion: facts.schemaVersion,
              sampledTables: facts.tables.filter((x) => x.sample).length,
              problems,
            });
            if (problems.length > 0) throw new RestoreValidationError(`restore of ${options.key} (scratch database ${scratch})`, problems);
            return facts;
          } finally {
            await client.end().catch(() => undefined);
          }
        });
      }
      const previousKeptAs = await rec.step(`swap ${scratch} in as ${into}`, t.validateMs, async (ctx) => {
        const admin = await target.connect('postgres');
        try {
          const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [into])).rowCount! > 0;
          let kept: string | null = null;
          if (exists) {
            kept = `${into}__pre_restore_${id}`;
            await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(into)} WITH ALLOW_CONNECTIONS false`);
            await terminateConnections(admin, into);
            await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(into)} RENAME TO ${pg.escapeIdentifier(kept)}`);
            await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(kept)} WITH ALLOW_CONNECTIONS true`);
          }
          await terminateConnections(admin, scratch);
          await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(scratch)} RENAME TO ${pg.escapeIdentifier(into)}`);
          if (kept && options.previous === 'drop') {
            await admin.query(`DROP DATABASE ${pg.escapeIdentifier(kept)} WITH (FORCE)`);
            kept = null;
          }
          ctx.evidence('json', 'swap', { into, previousKeptAs: kept });
          return kept;
        } finally {
          await admin.end().catch(() => undefined);
        }
      });
      return { manifest, database: into, previousKeptAs, restoredFacts };
    } catch (error) {
      // never leave a half-restored scratch database behind; the live database was not touched
      await target.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(scratch)} WITH (FORCE)`, [], 'postgres').catch(() => undefined);
      throw error;
    } finally {
      await rm(stagedPath, { force: true });
    }
  });
}
