// Procedure 1 and 4 on real PostgreSQL 15: logical backup to a directory, restore into a fresh instance with
// validation, RPO/RTO measured by the data probe across a lost primary, and integrity failures that must
// never touch the live database.
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDataRto, computeRpo, dataRtoObjective, rpoObjective } from '../../scenarios/data-loss.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { manifestKeyFor } from './backup-target.ts';
import { logicalBackup, restoreLogical } from './backup.procedure.ts';
import { DirectoryTarget } from './directory.target.ts';
import { PostgresContainer, type StartedPostgres } from './postgres.container.ts';
import { BackupIntegrityError, RestoreValidationError } from './postgres.errors.ts';
import { postgresImage } from './postgres.image.ts';
import { SqlProbeTransport, SteadyWriteProbe } from './sql.probe.ts';
import { unwrap } from './step-recorder.ts';
import { countRows, seedGravl, tableChecksum, testLabels } from './testing/fixtures.ts';

const labels = testLabels('backup-restore');
const MIN = 60_000;
let image: string;
let storeDir: string;
let target: DirectoryTarget;
const started: StartedPostgres[] = [];
const probes: AsyncDisposable[] = [];

/** `database`: the one created at start; 'postgres' leaves the instance empty (a fresh restore target). */
async function startPg(database = 'gravl'): Promise<StartedPostgres> {
  const pg = await new PostgresContainer(image).withLabels(labels).withDatabase(database).start();
  started.push(pg);
  return pg;
}

async function scratchDatabases(pg: StartedPostgres): Promise<string[]> {
  const r = await pg.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE '%\\_\\_restore\\_%'", [], 'postgres');
  return r.rows.map((x) => x.datname);
}

beforeAll(async () => {
  image = await postgresImage();
  storeDir = await mkdtemp(join(tmpdir(), 'drillbook-backups-'));
  target = new DirectoryTarget(storeDir);
});

afterAll(async () => {
  for (const p of probes) await p[Symbol.asyncDispose]();
  for (const pg of started.reverse()) await pg[Symbol.asyncDispose]();
  await rm(storeDir, { recursive: true, force: true });
});

describe('logical backup and validated restore (directory target)', () => {
  let source: StartedPostgres;
  let key: string;

  it('backs up with a manifest (size, sha256, row counts, schema version) and restores into a fresh instance that validates', async () => {
    source = await startPg();
    await seedGravl(source, { users: 300, logs: 4_000 });
    const backup = await logicalBackup(source, { target });
    const value = unwrap(backup);
    key = value.key;
    expect(backup.steps.map((s) => s.status)).toEqual(backup.steps.map(() => 'passed'));
    expect(value.manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(value.manifest.sizeBytes).toBeGreaterThan(10_000);
    expect(value.manifest.facts?.schemaVersion).toBe('2');
    expect(value.manifest.facts?.tables.find((t) => t.table === 'logs')?.rows).toBe(4_000);
    expect(value.manifest.facts?.foreignKeys).toBe(1);
    expect((await target.list('logical/')).map((o) => o.key)).toEqual([key, manifestKeyFor(key)]);

    const fresh = await startPg('postgres');
    const restored = await restoreLogical(fresh, { source: target, key });
    const r = unwrap(restored);
    expect(r.database).toBe('gravl');
    expect(r.previousKeptAs).toBeNull();
    expect(restored.steps.map((s) => s.name)).toEqual([
      'fetch manifest',
      `download from ${target.description}`,
      'verify size and sha256 against the manifest',
      'pg_restore --list (archive readable)',
      expect.stringMatching(/^pg_restore into scratch database gravl__restore_/),
      'validate: row counts, foreign keys, schema version, row checksums',
      expect.stringMatching(/^swap gravl__restore_\w+ in as gravl$/),
    ]);
    for (const s of restored.steps) expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
    expect(await countRows(fresh, 'logs', 'gravl')).toBe(4_000);
    expect(await tableChecksum(fresh, 'users', 'gravl')).toBe(await tableChecksum(source, 'users'));
  });

  it('a truncated backup is detected before restore and the live database is not touched', async () => {
    const live = await startPg();
    await seedGravl(live, { users: 50, logs: 100 });
    const before = await tableChecksum(live, 'logs');
    const copyKey = key.replace('.dump', '-truncated.dump');
    const original = join(storeDir, ...key.split('/'));
    const copy = join(storeDir, ...copyKey.split('/'));
    await writeFile(copy, await readFile(original));
    await writeFile(join(storeDir, ...manifestKeyFor(copyKey).split('/')), await readFile(join(storeDir, ...manifestKeyFor(key).split('/'))));
    await truncate(copy, Math.floor((await readFile(original)).length / 2));

    const result = await restoreLogical(live, { source: target, key: copyKey });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(BackupIntegrityError);
    expect(result.error.message).toMatch(/truncated: \d+ of \d+ bytes/);
    expect(result.steps.at(-1)).toMatchObject({ name: 'verify size and sha256 against the manifest', status: 'failed' });
    expect(result.steps.some((s) => s.name.startsWith('pg_restore into'))).toBe(false);
    expect(await tableChecksum(live, 'logs')).toBe(before);
    expect(await countRows(live, 'logs')).toBe(100);
    expect(await scratchDatabases(live)).toEqual([]);
  });

  it('a corrupted backup (same size, flipped bytes) fails the checksum before restore', async () => {
    const live = started.at(-1)!;
    const before = await tableChecksum(live, 'logs');
    const copyKey = key.replace('.dump', '-corrupt.dump');
    const bytes = await readFile(join(storeDir, ...key.split('/')));
    const mid = Math.floor(bytes.length / 2);
    for (let i = mid; i < mid + 64; i++) bytes[i] = bytes[i]! ^ 0xff;
    await writeFile(join(storeDir, ...copyKey.split('/')), bytes);
    await writeFile(join(storeDir, ...manifestKeyFor(copyKey).split('/')), await readFile(join(storeDir, ...manifestKeyFor(key).split('/'))));
    const result = await restoreLogical(live, { source: target, key: copyKey });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(BackupIntegrityError);
    expect(result.error.message).toContain('does not match the manifest');
    expect(await tableChecksum(live, 'logs')).toBe(before);
  });

  it('a restore that fails validation is thrown away and leaves the live database as it was', async () => {
    const live = started.at(-1)!;
    const before = await tableChecksum(live, 'logs');
    const lyingKey = key.replace('.dump', '-lying.dump');
    await writeFile(join(storeDir, ...lyingKey.split('/')), await readFile(join(storeDir, ...key.split('/'))));
    const manifest = JSON.parse(await readFile(join(storeDir, ...manifestKeyFor(key).split('/')), 'utf8'));
    manifest.facts.tables.find((t: { table: string }) => t.table === 'users').rows += 1;
    await writeFile(join(storeDir, ...manifestKeyFor(lyingKey).split('/')), JSON.stringify(manifest));

    const result = await restoreLogical(live, { source: target, key: lyingKey });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(RestoreValidationError);
    expect(result.error.message).toContain('table public.users: 300 rows, manifest says 301');
    expect(result.steps.at(-1)).toMatchObject({ status: 'failed' });
    expect(result.steps.some((s) => s.name.startsWith('swap'))).toBe(false);
    expect(await tableChecksum(live, 'logs')).toBe(before);
    expect(await countRows(live, 'users')).toBe(50);
    expect(await scratchDatabases(live)).toEqual([]);
  });

  it('a valid restore over a live database swaps it in and keeps the previous one', async () => {
    const live = started.at(-1)!;
    const result = unwrap(await restoreLogical(live, { source: target, key }));
    expect(result.previousKeptAs).toMatch(/^gravl__pre_restore_/);
    expect(await countRows(live, 'users')).toBe(300);
    expect(await countRows(live, 'users', result.previousKeptAs!)).toBe(50);
  });
});

describe('data probe across a lost primary restored from the last logical backup', () => {
  it('measures RPO (writes after the backup) and RTO (fault -> writes and reads succeed) against the DR objectives', async () => {
    const primary = await startPg();
    await seedGravl(primary, { users: 100, logs: 1_000 });
    const transport = new SqlProbeTransport(primary.connectionConfig());
    const probe = await new SteadyWriteProbe(transport, { intervalMs: 25 }).start({ labels });
    probes.push(probe); // stops the write loop even if an assertion fails first
    await waitFor(systemClock, condition('probe has 40 acknowledged writes', async () => ({ ok: probe.acknowledged >= 40, value: probe.acknowledged })), { timeoutMs: MIN, intervalMs: 50 });

    const backup = unwrap(await logicalBackup(primary, { target }));
    const ackedAtBackupEnd = probe.acknowledged;
    await waitFor(systemClock, condition('40 more writes after the backup', async () => ({ ok: probe.acknowledged >= ackedAtBackupEnd + 40, value: probe.acknowledged })), { timeoutMs: MIN, intervalMs: 50 });

    // the fault: the primary is lost
    const faultAtMs = systemClock.now();
    await primary.stop();
    await waitFor(systemClock, condition('probe sees the outage', async () => ({ ok: probe.failing, value: probe.failing })), { timeoutMs: MIN, intervalMs: 50 });

    // the runbook: restore the latest backup into a fresh instance, point the app (the probe) at it
    const replacement = await startPg('postgres');
    const restored = await restoreLogical(replacement, { source: target, key: backup.key });
    expect(restored.ok).toBe(true);
    transport.retarget(replacement.connectionConfig('gravl'));
    await waitFor(systemClock, condition('probe writes succeed on the replacement', async () => ({ ok: !probe.failing, value: probe.failing })), { timeoutMs: MIN, intervalMs: 50 });
    const report = await probe.stop();

    const rpo = computeRpo(report);
    const rto = computeDataRto(report, faultAtMs);
    // writes between the backup snapshot and the fault were acknowledged and are gone
    expect(rpo.lostWrites).toBeGreaterThanOrEqual(40);
    expect(rpo.valueMs).toBeGreaterThan(0);
    expect(report.writes.filter((w) => w.seq <= 40).every((w) => w.survived)).toBe(true);
    expect(rto).not.toBeNull();
    expect(rto!).toBeGreaterThan(0);
    expect(report.outages.length).toBeGreaterThanOrEqual(1);
    console.log(`[backup-restore drill] RPO ${rpo.valueMs} ms (${rpo.lostWrites}/${rpo.acknowledgedWrites} writes lost), RTO ${rto} ms`);

    // DR objectives (DISASTER_RECOVERY_COMPLETION.md): RPO < 1 h, RTO < 4 h -> met
    expect(rpoObjective(rpo, 3_600_000).met).toBe(true);
    expect(dataRtoObjective(rto, 4 * 3_600_000).met).toBe(true);
    // a deliberately too tight objective fails, for the right reason
    const tight = rpoObjective(rpo, 100);
    expect(tight.met).toBe(false);
    expect(tight.reason).toContain(`${rpo.lostWrites} of ${rpo.acknowledgedWrites} acknowledged writes lost`);
    const tightRto = dataRtoObjective(rto, 10);
    expect(tightRto.met).toBe(false);
    expect(tightRto.reason).toContain('the objective allows less than 10 ms');
  });
});
