// Procedure 2: point-in-time recovery. A base backup (pg_basebackup, tar + gzip) of a primary that archives
// its WAL continuously, then a recovery into a fresh instance up to a target (a time just before an
// accidental DELETE, a transaction id, a named restore point), promoted when it gets there.
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Labels } from '../../scenarios/ports.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { manifestKeyFor, type BackupTarget } from './backup-target.ts';
import { MANIFEST_FORMAT, parseManifest, sha256File, type BackupManifest } from './backup-manifest.ts';
import { DEFAULT_TIMEOUTS, type ProcedureOptions } from './backup.procedure.ts';
import { CONTAINER_WORK_DIR, PostgresContainer, type RecoveryTarget, type StartedPostgres } from './postgres.container.ts';
import { BackupIntegrityError } from './postgres.errors.ts';
import { StepRecorder, type ProcedureResult } from './step-recorder.ts';

export interface BaseBackupOptions extends ProcedureOptions {
  /** Also upload base.tar.gz + manifest here (the DR document's S3 bucket). */
  readonly target?: BackupTarget;
  readonly key?: string;
}

export interface BaseBackupResult {
  /** Host folder holding base.tar.gz (and pg's backup_manifest). */
  readonly dir: string;
  readonly manifest: BackupManifest;
  readonly key: string | null;
}

/** Parses `pg_basebackup -v` output: "write-ahead log start point: 0/2000028 on timeline 1". */
export function parseWalRange(output: string): { startLsn: string; endLsn: string } | null {
  const start = /write-ahead log start point: ([0-9A-F]+\/[0-9A-F]+)/i.exec(output);
  const end = /write-ahead log end point: ([0-9A-F]+\/[0-9A-F]+)/i.exec(output);
  if (!start || !end) return null;
  return { startLsn: start[1]!, endLsn: end[1]! };
}

/** PostgreSQL's own backup_manifest (written beside base.tar.gz) names the WAL range the backup needs. */
export async function walRangeFromBackupManifest(path: string): Promise<{ startLsn: string; endLsn: string } | null> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as { 'WAL-Ranges'?: { 'Start-LSN': string; 'End-LSN': string }[] };
    const ranges = json['WAL-Ranges'] ?? [];
    if (ranges.length === 0) return null;
    return { startLsn: ranges[0]!['Start-LSN'], endLsn: ranges.at(-1)!['End-LSN'] };
  } catch {
    return null;
  }
}

/** Makes sure every WAL segment up to now is in the archive (pg_switch_wal, then wait for the file). */
export async function archiveCurrentWal(primary: StartedPostgres, options: { signal?: AbortSignal; timeoutMs?: number; clock?: ProcedureOptions['clock'] } = {}): Promise<string> {
  if (!primary.walArchiveDir) throw new BackupIntegrityError(primary.name, ['this instance does not archive its WAL (start it withWalArchive)']);
  const r = await primary.query<{ walfile: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS walfile', [], 'postgres');
  const walfile = r.rows[0]!.walfile;
  const path = join(primary.walArchiveDir, walfile);
  await waitFor(
    options.clock ?? systemClock,
    condition(`WAL segment ${walfile} archived`, async () => {
      const ok = await access(path).then(() => true, () => false);
      return { ok, value: ok ? 'archived' : 'not yet' };
    }),
    { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 100, signal: options.signal, hint: 'check archive_command in the container log (docker logs)' },
  );
  return walfile;
}

export async function baseBackup(primary: StartedPostgres, options: BaseBackupOptions = {}): Promise<ProcedureResult<BaseBackupResult>> {
  const clock = options.clock ?? systemClock;
  const t = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const rec = new StepRecorder(clock, options.signal);
  return rec.procedure(async () => {
    const id = randomBytes(4).toString('hex');
    const folder = `base-${id}`;
    const dir = join(primary.workDir, folder);
    const createdAtMs = clock.wallNow();
    let durationMs = 0;
    const wal = await rec.step('pg_basebackup (tar, gzip, WAL from the archive)', t.backupMs, async (ctx) => {
      const cmd = ['pg_basebackup', '-D', `${CONTAINER_WORK_DIR}/${folder}`, '-Ft', '-z', '-X', 'none', '-c', 'fast', '-v', '--label', `drillbook-${id}`];
      ctx.evidence('command', 'pg_basebackup', cmd.join(' '));
      const r = await primary.exec(cmd, { signal: ctx.signal });
      durationMs = r.durationMs;
      const range = parseWalRange(`${r.stderr}\n${r.stdout}`) ?? (await walRangeFromBackupManifest(join(dir, 'backup_manifest')));
      if (!range) throw new BackupIntegrityError(folder, ['pg_basebackup reported no WAL start and end points (neither in its output nor in backup_manifest)']);
      ctx.evidence('json', 'wal range', range);
      return range;
    });
    await rec.step('archive the WAL the base backup needs', t.transferMs, async (ctx) => {
      const walfile = await archiveCurrentWal(primary, { signal: ctx.signal, clock });
      ctx.evidence('text', 'archived through', walfile);
    });
    const manifest = await rec.step('checksum and manifest', t.validateMs, async (ctx) => {
      const tar = join(dir, 'base.tar.gz');
      const sizeBytes = (await stat(tar)).size;
      const sha256 = await sha256File(tar, ctx.signal);
      ctx.evidence('metric', 'size bytes', sizeBytes);
      ctx.evidence('text', 'sha256', sha256);
      const version = await primary.query<{ v: string }>('SHOW server_version', [], 'postgres');
      return {
        format: MANIFEST_FORMAT,
        kind: 'base',
        key: options.key ?? `base/${primary.database}-${id}/base.tar.gz`,
        database: primary.database,
        createdAt: new Date(createdAtMs).toISOString(),
        createdAtMs,
        durationMs,
        sizeBytes,
        sha256,
        tool: `pg_basebackup ${version.rows[0]?.v ?? ''}`.trim(),
        facts: null,
        wal,
      } satisfies BackupManifest;
    });
    let key: string | null = null;
    const target = options.target;
    if (target) {
      key = manifest.key;
      await rec.step(`upload to ${target.description}`, t.transferMs, async (ctx) => {
        await target.put(manifest.key, join(dir, 'base.tar.gz'), { signal: ctx.signal });
        await target.putText(manifestKeyFor(manifest.key), JSON.stringify(manifest, null, 2), { signal: ctx.signal });
        ctx.evidence('json', 'stored', { key: manifest.key });
      });
    }
    return { dir, manifest, key };
  });
}

export interface PitrOptions extends ProcedureOptions {
  readonly image: string;
  /** The base backup: a local folder with its manifest, or a key in a backup target. */
  readonly base: { readonly dir: string; readonly manifest: BackupManifest } | { readonly source: BackupTarget; readonly key: string };
  readonly walArchiveDir: string;
  readonly target: RecoveryTarget;
  /** Password of the primary the base backup came from (its roles come along). */
  readonly password: string;
  readonly labels?: Labels;
  readonly database?: string;
}

export interface PitrResult {
  /** The recovered, promoted instance. The caller disposes it. */
  readonly instance: StartedPostgres;
  /** Recovery lines from the server log (where it stopped, last transaction replayed). */
  readonly recoveryLog: readonly string[];
}

/** Recovers a base backup plus archived WAL into a fresh instance, up to the target, and promotes it. */
export async function restorePointInTime(options: PitrOptions): Promise<ProcedureResult<PitrResult>> {
  const clock = options.clock ?? systemClock;
  const t = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const rec = new StepRecorder(clock, options.signal);
  const staging = await mkdtemp(join(tmpdir(), 'drillbook-pitr-'));
  let instance: StartedPostgres | undefined;
  const result = await rec.procedure(async () => {
    let dir: string;
    let manifest: BackupManifest;
    const base = options.base;
    if ('source' in base) {
      manifest = await rec.step(`fetch base backup from ${base.source.description}`, t.transferMs, async (ctx) => {
        const m = parseManifest(base.key, await base.source.getText(manifestKeyFor(base.key), { signal: ctx.signal }));
        if (m.kind !== 'base') throw new BackupIntegrityError(base.key, [`manifest kind is ${m.kind}, expected base`]);
        await mkdir(staging, { recursive: true });
        await base.source.get(base.key, join(staging, 'base.tar.gz'), { signal: ctx.signal });
        ctx.evidence('json', 'manifest', { key: m.key, sizeBytes: m.sizeBytes, sha256: m.sha256, wal: m.wal });
        return m;
      });
      dir = staging;
    } else {
      dir = base.dir;
      manifest = base.manifest;
    }
    await rec.step('verify base backup and WAL archive before recovery', t.validateMs, async (ctx) => {
      const tar = join(dir, 'base.tar.gz');
      const problems: string[] = [];
      const size = await stat(tar).then((s) => s.size, () => -1);
      if (size < 0) problems.push(`base.tar.gz is missing in ${dir}`);
      else if (size !== manifest.sizeBytes) problems.push(size < manifest.sizeBytes ? `truncated: ${size} of ${manifest.sizeBytes} bytes` : `size ${size} bytes, manifest says ${manifest.sizeBytes}`);
      if (size >= 0) {
        const sha = await sha256File(tar, ctx.signal);
        if (sha !== manifest.sha256) problems.push(`sha256 ${sha} does not match the manifest's ${manifest.sha256}`);
      }
      const archived = await stat(options.walArchiveDir).then(() => true, () => false);
      if (!archived) problems.push(`WAL archive ${options.walArchiveDir} does not exist`);
      if (problems.length > 0) throw new BackupIntegrityError(manifest.key, problems);
      ctx.evidence('json', 'verified', { sizeBytes: size, sha256: manifest.sha256, wal: manifest.wal, target: options.target });
    });
    instance = await rec.step('recover to the target and promote', t.restoreMs, async (ctx) => {
      const c = new PostgresContainer(options.image)
        .withNamePrefix('drillbook-pitr')
        .withLabels(options.labels ?? {})
        .withDatabase(options.database ?? manifest.database)
        .withPassword(options.password)
        .withPointInTimeRecovery({ baseBackupDir: dir, walArchiveDir: options.walArchiveDir, target: options.target })
        .withClock(clock)
        .withStartTimeout(t.restoreMs);
      ctx.evidence('json', 'recovery target', options.target);
      return c.start({ signal: ctx.signal });
    });
    const started = instance;
    const recoveryLog = await rec.step('collect recovery evidence', 30_000, async (ctx) => {
      const logs = await started.logs({ tail: 400, signal: ctx.signal });
      const lines = logs.split('\n').filter((l) => /recovery stopping|last completed transaction|redo done|selected new timeline|archive recovery complete|starting point-in-time recovery|consistent recovery state/.test(l));
      ctx.evidence('log', 'recovery', lines);
      return lines;
    });
    return { instance: started, recoveryLog };
  });
  if (!result.ok && instance) await instance[Symbol.asyncDispose]();
  await rm(staging, { recursive: true, force: true });
  return result;
}

/** The WAL segment files present in an archive folder (evidence). */
export async function archivedWalCount(dir: string): Promise<number> {
  return (await readdir(dir)).filter((f) => /^[0-9A-F]{24}$/.test(f)).length;
}
