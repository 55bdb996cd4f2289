// Procedure 2 on real PostgreSQL 15: base backup + continuous WAL archiving, an accidental DELETE, a
// point-in-time recovery to just before it; the data probe proves what was kept and what was lost.
import { mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDataRto, computeRpo, dataRtoObjective, lostRanges, rpoObjective } from '../../scenarios/data-loss.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { DirectoryTarget } from './directory.target.ts';
import { archiveCurrentWal, archivedWalCount, baseBackup, restorePointInTime } from './pitr.procedure.ts';
import { PostgresContainer, type StartedPostgres } from './postgres.container.ts';
import { BackupIntegrityError } from './postgres.errors.ts';
import { postgresImage } from './postgres.image.ts';
import { SqlProbeTransport, SteadyWriteProbe } from './sql.probe.ts';
import { unwrap } from './step-recorder.ts';
import { countRows, seedGravl, testLabels } from './testing/fixtures.ts';

const labels = testLabels('pitr-accidental-delete');
const MIN = 60_000;
let image: string;
let archiveDir: string;
let storeDir: string;
const disposables: AsyncDisposable[] = [];

beforeAll(async () => {
  image = await postgresImage();
  archiveDir = await mkdtemp(join(tmpdir(), 'drillbook-wal-'));
  storeDir = await mkdtemp(join(tmpdir(), 'drillbook-base-'));
});

afterAll(async () => {
  for (const d of disposables.reverse()) await d[Symbol.asyncDispose]();
  await rm(archiveDir, { recursive: true, force: true });
  await rm(storeDir, { recursive: true, force: true });
});

describe('point-in-time recovery after an accidental DELETE', () => {
  let primary: StartedPostgres;
  let baseKey: string;

  it('recovers to just before the DELETE: the deleted rows are back, the probe shows exactly which writes were lost', async () => {
    primary = await new PostgresContainer(image).withLabels(labels).withWalArchive(archiveDir, { archiveTimeoutSeconds: 1 }).start();
    disposables.push(primary);
    await seedGravl(primary, { users: 200, logs: 3_000 });
    const target = new DirectoryTarget(storeDir);
    const base = await baseBackup(primary, { target });
    const b = unwrap(base);
    baseKey = b.key!;
    expect(b.manifest.kind).toBe('base');
    expect(b.manifest.wal?.startLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(base.steps.every((s) => s.status === 'passed')).toBe(true);

    const transport = new SqlProbeTransport(primary.connectionConfig());
    const probe = await new SteadyWriteProbe(transport, { intervalMs: 25 }).start({ labels });
    disposables.push(probe); // stops the write loop even if an assertion fails first
    await waitFor(systemClock, condition('probe has 60 acknowledged writes', async () => ({ ok: probe.acknowledged >= 60, value: probe.acknowledged })), { timeoutMs: MIN, intervalMs: 50 });
    await primary.query('INSERT INTO logs (user_id, level, message) SELECT 1, $1, $2 FROM generate_series(1, 500)', ['info', 'after base backup']);

    // the accident. The operator's recovery target is a moment just before it (server clock).
    // (writes acknowledged before the target time was read committed before it, so they must survive)
    const ackedBeforeDelete = probe.acknowledged;
    const beforeDelete = await primary.query<{ t: string }>("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS t");
    const faultAtMs = systemClock.now();
    const deleted = await primary.query('DELETE FROM logs');
    expect(deleted.rowCount).toBe(3_500);
    await waitFor(systemClock, condition('30 more probe writes after the DELETE', async () => ({ ok: probe.acknowledged >= ackedBeforeDelete + 30, value: { acked: probe.acknowledged, failing: probe.failing } })), { timeoutMs: MIN, intervalMs: 50 });

    // runbook: archive the current WAL, fence the primary (stop writes), recover to before the DELETE
    await archiveCurrentWal(primary);
    await primary.stop();
    await waitFor(systemClock, condition('probe sees the fenced primary', async () => ({ ok: probe.failing, value: probe.failing })), { timeoutMs: MIN, intervalMs: 50 });
    const recovery = await restorePointInTime({
      image,
      base: { source: target, key: baseKey },
      walArchiveDir: archiveDir,
      target: { time: beforeDelete.rows[0]!.t, inclusive: false },
      password: primary.password,
      labels,
    });
    const { instance, recoveryLog } = unwrap(recovery);
    disposables.push(instance);
    expect(recovery.steps.map((s) => s.status)).toEqual(recovery.steps.map(() => 'passed'));
    expect(recoveryLog.join('\n')).toMatch(/recovery stopping before commit of transaction/);

    transport.retarget(instance.connectionConfig());
    await waitFor(systemClock, condition('probe writes succeed on the recovered instance', async () => ({ ok: !probe.failing, value: probe.failing })), { timeoutMs: MIN, intervalMs: 50 });
    const report = await probe.stop();

    // what was kept: every log row, including those written after the base backup (replayed from WAL)
    expect(await countRows(instance, 'logs')).toBe(3_500);
    // what was lost: the probe writes acknowledged after the recovery target, and nothing before it
    const rpo = computeRpo(report);
    const lost = report.writes.filter((w) => !w.survived);
    expect(lost.length).toBe(rpo.lostWrites);
    expect(rpo.lostWrites).toBeGreaterThanOrEqual(30);
    expect(report.writes.filter((w) => w.seq <= ackedBeforeDelete).every((w) => w.survived)).toBe(true);
    expect(Math.min(...lost.map((w) => w.seq))).toBeGreaterThan(ackedBeforeDelete);
    expect(lostRanges(report).length).toBe(1);
    const rto = computeDataRto(report, faultAtMs);
    expect(rto).not.toBeNull();
    console.log(`[pitr drill] RPO ${rpo.valueMs} ms (${rpo.lostWrites}/${rpo.acknowledgedWrites} writes lost, seq ${JSON.stringify(lostRanges(report))}), RTO ${rto} ms, WAL files archived: ${await archivedWalCount(archiveDir)}`);

    // rollback objectives (ROLLBACK.md): RPO < 5 min, RTO < 15 min
    expect(rpoObjective(rpo, 5 * 60_000).met).toBe(true);
    expect(dataRtoObjective(rto, 15 * 60_000).met).toBe(true);
    // deliberately too tight: 1 ms of RPO cannot hold when acknowledged writes were lost
    const tight = rpoObjective(rpo, 1);
    expect(tight.met).toBe(false);
    expect(tight.reason).toMatch(/acknowledged writes lost/);
  });

  it('refuses a truncated base backup before starting any recovery', async () => {
    const target = new DirectoryTarget(storeDir);
    const file = join(storeDir, ...baseKey.split('/'));
    await truncate(file, Math.floor((await stat(file)).size / 3));
    const result = await restorePointInTime({ image, base: { source: target, key: baseKey }, walArchiveDir: archiveDir, target: { immediate: true }, password: primary.password, labels });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(BackupIntegrityError);
    expect(result.error.message).toMatch(/truncated/);
    expect(result.steps.some((s) => s.name === 'recover to the target and promote')).toBe(false);
  });
});
