// The data probe through the real Gravl backend (POST /api/logs, acknowledged after commit) on real
// PostgreSQL 15: the primary is lost, the last logical backup is restored into a fresh instance, a new backend
// serves it; the probe measures RPO and RTO as users of the API saw them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDataRto, computeRpo, dataRtoObjective, rpoObjective } from '../../scenarios/data-loss.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { ensureImage } from '../images/images.ts';
import { logicalBackup, restoreLogical } from './backup.procedure.ts';
import { DirectoryTarget } from './directory.target.ts';
import { HttpProbeTransport } from './http.probe.ts';
import { PostgresContainer } from './postgres.container.ts';
import { postgresImage } from './postgres.image.ts';
import { SteadyWriteProbe } from './sql.probe.ts';
import { unwrap } from './step-recorder.ts';
import { startGravlBackend } from './testing/gravl-backend.container.ts';
import { testLabels } from './testing/fixtures.ts';

const labels = testLabels('backup-restore-http-probe');
const MIN = 60_000;
let pgImage: string;
let backendImage: string;
let storeDir: string;
const disposables: AsyncDisposable[] = [];

beforeAll(async () => {
  pgImage = await postgresImage();
  backendImage = await ensureImage('gravl-backend-v2');
  storeDir = await mkdtemp(join(tmpdir(), 'drillbook-http-probe-'));
});

afterAll(async () => {
  for (const d of disposables.reverse()) await d[Symbol.asyncDispose]();
  await rm(storeDir, { recursive: true, force: true });
});

describe('HTTP data probe through the Gravl backend', () => {
  it('refuses a non-loopback backend address', () => {
    expect(() => new HttpProbeTransport('http://10.0.0.5:3000')).toThrow(InvalidInputError);
  });

  it('measures RPO and RTO of "restore the last backup after losing the primary" through POST /api/logs', async () => {
    const primary = await new PostgresContainer(pgImage).withLabels(labels).start();
    disposables.push(primary);
    const backend = await startGravlBackend(backendImage, primary, { labels });
    disposables.push(backend);
    const transport = new HttpProbeTransport(backend.baseUrl);
    const probe = await new SteadyWriteProbe(transport, { intervalMs: 25 }).start({ labels });
    disposables.push(probe); // stops the write loop even if an assertion fails first
    await waitFor(systemClock, condition('40 acknowledged API writes', async () => ({ ok: probe.acknowledged >= 40, value: probe.acknowledged })), { timeoutMs: MIN, intervalMs: 50 });

    const target = new DirectoryTarget(storeDir);
    const backup = unwrap(await logicalBackup(primary, { target }));
    expect(backup.manifest.facts?.schemaVersion).toBe('2'); // the backend's own schema_migrations
    expect(backup.manifest.facts?.tables.map((t) => t.table)).toContain('workout_logs');
    const atBackup = probe.acknowledged;
    await waitFor(systemClock, condition('40 more API writes after the backup', async () => ({ ok: probe.acknowledged >= atBackup + 40, value: probe.acknowledged })), { timeoutMs: MIN, intervalMs: 50 });

    const faultAtMs = systemClock.now();
    await primary.stop();
    await waitFor(systemClock, condition('API writes fail', async () => ({ ok: probe.failing, value: probe.failing })), { timeoutMs: MIN, intervalMs: 50 });

    const replacement = await new PostgresContainer(pgImage).withLabels(labels).withDatabase('postgres').start();
    disposables.push(replacement);
    unwrap(await restoreLogical(replacement, { source: target, key: backup.key }));
    const backend2 = await startGravlBackend(backendImage, replacement, { labels, database: 'gravl', migrate: false });
    disposables.push(backend2);
    transport.retarget(backend2.baseUrl);
    await waitFor(systemClock, condition('API writes succeed on the restored stack', async () => ({ ok: !probe.failing, value: probe.failing })), { timeoutMs: MIN, intervalMs: 50 });
    const report = await probe.stop();

    const rpo = computeRpo(report);
    const rto = computeDataRto(report, faultAtMs);
    console.log(`[http probe drill] RPO ${rpo.valueMs} ms (${rpo.lostWrites}/${rpo.acknowledgedWrites} API writes lost), RTO ${rto} ms, outages ${JSON.stringify(report.outages.map((o) => Math.round(o.toMs - o.fromMs)))} ms`);
    expect(rpo.lostWrites).toBeGreaterThanOrEqual(40);
    expect(report.writes.filter((w) => w.seq <= 40).every((w) => w.survived)).toBe(true);
    expect(report.writes.filter((w) => w.ackAtMs > faultAtMs && w.survived).length).toBeGreaterThan(0); // writes on the restored stack
    expect(rto).not.toBeNull();
    expect(rpoObjective(rpo, 5 * 60_000).met).toBe(true);
    expect(dataRtoObjective(rto, 15 * 60_000).met).toBe(true);
    const tight = dataRtoObjective(rto, 100);
    expect(tight.met).toBe(false);
    expect(tight.reason).toMatch(/succeeded again only \d+ ms after the fault/);
  });
});
