// Real k6 (built by ensureK6, cached) against a real loopback HTTP server in its own process, with switches for
// latency and errors. Proves: healthy passes, slow fails p95 as a verdict, errors mid-run show up in the
// per-second series where they happened, a broken script is a harness error, stop() ends a run early.
// Asserted are events, their order and counts, never how fast this shared 2-core machine was: how far the outage's
// edges sit from the fault and the repair, and the healthy run's latencies, are printed by `npm run bench -- k6-outage`
// and `npm run bench -- k6`.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../scenarios/clock.ts';
import { ToolFailedError } from '../../scenarios/errors.ts';
import { findOutages, findRecoveredAt } from '../../scenarios/load-recovery.ts';
import { LABELS, MANAGED_BY, type LoadProfile, type Thresholds } from '../../scenarios/ports.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { K6LoadGenerator } from './k6.driver.ts';
import { ensureK6, k6Version } from './k6.installer.ts';
import { expectThresholdsFollowNumbers } from './testing/judged-thresholds.ts';
import { startStubBackend, type StartedStubBackend } from './testing/stub-backend.ts';

const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'k6-it', [LABELS.scenario]: 'k6-driver' };
const thresholds: Thresholds = { p95Ms: 200, p99Ms: 500, errorRate: 0.001 };
/** Seconds judged by errors alone: a slow second on this shared machine is not the fault these tests inject. */
const errorsOnly = { ...thresholds, p95Ms: Number.POSITIVE_INFINITY };
let stub: StartedStubBackend;
let load: K6LoadGenerator;
let outDir: string;

beforeAll(async () => {
  // Builds k6 on a fresh machine (minutes, then cached); fails loudly if Go or the module proxy is missing.
  const k6 = await ensureK6({ log: (line) => console.log(`[k6] ${line}`) });
  expect(await k6Version(k6.path)).toMatch(/^k6 v1\.8\.1/);
  outDir = await mkdtemp(join(tmpdir(), 'drillbook-k6-it-'));
  load = new K6LoadGenerator().withK6(k6.path, k6.version).withOutputDir(outDir);
  stub = await startStubBackend();
});

afterAll(async () => {
  await stub?.[Symbol.asyncDispose]();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const profile = (over: Partial<LoadProfile>): LoadProfile => ({ name: 'smoke', target: stub.url, vus: 2, durationSeconds: 4, thresholds, ...over });

describe('k6 driver against a real loopback server', () => {
  it('a healthy server: no errors, every threshold judged on its numbers, with a per-second series', async () => {
    await stub.setFault({});
    await using running = await load.start(profile({ thresholds: { ...thresholds, minRps: 20 } }), { labels });
    const result = await running.finished();
    expect(result.thresholds.map((t) => t.name)).toEqual(['p95<200ms', 'p99<500ms', 'errorRate<0.1%', 'rps>20']);
    // latency and throughput on a shared machine are timings: judged against their numbers, not expected to pass
    expectThresholdsFollowNumbers(result);
    expect(result.thresholds.find((t) => t.name === 'errorRate<0.1%')!.ok).toBe(true);
    expect(result.requests).toBeGreaterThan(50);
    expect(result.errorRate).toBe(0);
    expect(result.p95Ms).not.toBeNull();
    expect(result.p50Ms!).toBeLessThanOrEqual(result.p95Ms!);
    expect(result.p95Ms!).toBeLessThanOrEqual(result.p99Ms!);
    // the series adds up to the summary and sits inside the run on the monotonic clock
    expect(result.series.reduce((n, s) => n + s.requests, 0)).toBe(result.requests);
    expect(result.series.length).toBeGreaterThanOrEqual(4);
    expect(result.series[0]!.atMs).toBeGreaterThanOrEqual(running.startedAtMs);
    expect(result.series.at(-1)!.atMs).toBeLessThanOrEqual(running.endedAtMs!);
    expect(findOutages(result.series, errorsOnly)).toEqual([]); // no error second
  });

  it('a slow server fails p95 (exit 99) as a verdict naming the threshold, not as a crash', async () => {
    await stub.setFault({ latencyMs: 260 });
    try {
      await using running = await load.start(profile({ vus: 3, durationSeconds: 3 }), { labels });
      const result = await running.finished();
      expect(result.k6.exitCode).toBe(99);
      expect(result.passed).toBe(false);
      expect(result.thresholds.filter((t) => !t.ok).map((t) => t.name)).toEqual(['p95<200ms']);
      expect(result.p95Ms!).toBeGreaterThan(250);
      expect(result.errorRate).toBe(0);
    } finally {
      await stub.setFault({});
    }
  });

  it('errors injected mid-run show in the series where they started and stopped; recovery is found', async () => {
    await stub.setFault({});
    const background = new K6LoadGenerator()
      .withK6((await ensureK6()).path)
      .withEnv({ RATE: '40', REQUEST_TIMEOUT_MS: '1000' })
      .withOutputDir(outDir);
    await using running = await background.start(profile({ name: 'background', vus: 4, durationSeconds: 14 }), { labels });
    const served = (atLeast: number) =>
      condition(`stub served >= ${atLeast} requests`, async (signal) => {
        const n = await stub.served({ signal });
        return { ok: n >= atLeast, value: n };
      });
    const before = await stub.served();
    await waitFor(systemClock, served(before + 120), { timeoutMs: 30_000, intervalMs: 100 });
    const faultAtMs = systemClock.now();
    await stub.setFault({ errorRate: 1 });
    await waitFor(systemClock, served(before + 240), { timeoutMs: 30_000, intervalMs: 100 });
    const repairedAtMs = systemClock.now();
    await stub.setFault({});
    const result = await running.finished();

    expect(result.passed).toBe(false);
    expect(result.thresholds.find((t) => t.name.startsWith('errorRate'))!.ok).toBe(false);
    const outages = findOutages(result.series, errorsOnly);
    expect(outages).toHaveLength(1);
    const outage = outages[0]!;
    // the stretch of failing seconds is where the fault was: it starts no earlier than the second the fault was set
    // in (k6 stamps a request when it ends), before the repair, and lasts until the repair
    expect(outage.fromMs).toBeGreaterThanOrEqual(faultAtMs - 1_000);
    expect(outage.fromMs).toBeLessThan(repairedAtMs);
    expect(outage.toMs).toBeGreaterThanOrEqual(repairedAtMs);
    expect(outage.errors).toBeGreaterThan(60);
    // healthy seconds on both sides of it
    expect(result.series.some((s) => s.atMs + 1_000 <= outage.fromMs && s.requests > 0 && s.errors === 0)).toBe(true);
    expect(result.series.some((s) => s.atMs >= outage.toMs && s.requests > 0 && s.errors === 0)).toBe(true);
    // recovery is found after the repair and after the last failing second, never before
    const recoveredAt = findRecoveredAt(result.series, { afterMs: faultAtMs, windowSeconds: 3, thresholds: errorsOnly });
    expect(recoveredAt).not.toBeNull();
    expect(recoveredAt!).toBeGreaterThanOrEqual(repairedAtMs - 1_000);
    expect(recoveredAt!).toBeGreaterThanOrEqual(outage.toMs);
  });

  it('stop() ends a long run early and still returns a parsed result', async () => {
    await stub.setFault({});
    const before = await stub.served();
    await using running = await load.start(profile({ durationSeconds: 120 }), { labels });
    // start() returned only once k6 had completed requests against the target
    expect(await stub.served()).toBeGreaterThan(before);
    await waitFor(
      systemClock,
      condition('k6 load reached the server', async (signal) => {
        const n = await stub.served({ signal });
        return { ok: n >= before + 50, value: n };
      }),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const result = await running.stop();
    expect(result.k6.stoppedEarly).toBe(true);
    expect(result.k6.durationMs).toBeLessThan(120_000); // ended before the profile's own 120 s
    expect(result.requests).toBeGreaterThan(0);
    expect(result.series.length).toBeGreaterThan(0);
    expect(running.running).toBe(false);
    // dispose after stop is harmless
    await running[Symbol.asyncDispose]();
  });

  it('a target that refuses every connection is a verdict (errors 100 %), and k6 does not log each failure', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as AddressInfo).port;
        server.close(() => resolve(port));
      });
    });
    const refused = new K6LoadGenerator().withK6((await ensureK6()).path).withOutputDir(outDir).withEnv({ RATE: '200' });
    await using running = await refused.start(profile({ name: 'background', target: `http://127.0.0.1:${closedPort}`, durationSeconds: 3 }), { labels });
    const result = await running.finished();
    expect(result.passed).toBe(false);
    expect(result.errorRate).toBe(1);
    expect(result.requests).toBeGreaterThan(300);
    expect(findOutages(result.series, errorsOnly).reduce((n, o) => n + o.errors, 0)).toBe(result.requests);
    // one warning line per failed request would be ~150 B x requests; errors-only logging keeps it small
    expect((await stat(result.k6.artifacts.logPath)).size).toBeLessThan(20_000);
  });

  it('a broken script is a harness error (ToolFailedError), not a failed verdict', async () => {
    const dir = await mkdtemp(join(outDir, 'broken-script-'));
    const script = join(dir, 'broken.k6.ts');
    await writeFile(script, "export const options = { vus: 1, duration: '2s' };\nthrow new Error('broken on purpose');\nexport default function () {}\n");
    const broken = new K6LoadGenerator().withK6((await ensureK6()).path).withOutputDir(outDir).withScript('broken', script);
    // start() waits for the first request, so a script that cannot start fails start() itself
    const error = await broken.start(profile({ name: 'broken' }), { labels }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolFailedError);
    expect((error as ToolFailedError).exitCode).toBe(107);
    expect((error as ToolFailedError).message).toMatch(/broken on purpose/);
  });
});
