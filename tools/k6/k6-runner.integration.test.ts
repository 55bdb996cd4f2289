// The k6 driver as the scenario runner's LoadGenerator: a real k6 background load against a real loopback
// server that a fault makes answer 503 for a few seconds. The journal's load series must show when the errors
// started and stopped, and the runner must get a load-based RTO from it. Asserted: the order of events and causal
// bounds (errors not before the injection, not gone before the heal; recovery not before the heal); how close the
// edges sit to the injection and the heal is a timing on this shared machine, printed by `npm run bench -- k6-outage`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../scenarios/clock.ts';
import { defineScenario } from '../../scenarios/define.ts';
import { findOutages } from '../../scenarios/load-recovery.ts';
import type { Thresholds } from '../../scenarios/ports.ts';
import { runScenario } from '../../scenarios/runner.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { K6LoadGenerator } from './k6.driver.ts';
import { ensureK6 } from './k6.installer.ts';
import { backendFaultInjector } from '../faults/backend-fault.fault.ts';
import { startStubBackend, type StartedStubBackend } from './testing/stub-backend.ts';

const thresholds: Thresholds = { p95Ms: 200, p99Ms: 500, errorRate: 0.001 };
/** Seconds judged by errors alone: a slow second on this shared machine is not the fault this test injects. */
const errorsOnly = { ...thresholds, p95Ms: Number.POSITIVE_INFINITY };
let stub: StartedStubBackend;
let k6Path: string;
let outDir: string;

beforeAll(async () => {
  k6Path = (await ensureK6({ log: (line) => console.log(`[k6] ${line}`) })).path;
  stub = await startStubBackend();
  outDir = await mkdtemp(join(tmpdir(), 'drillbook-k6-runner-it-'));
});
afterAll(async () => {
  await stub?.[Symbol.asyncDispose]();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const servedAtLeast = (n: number) =>
  condition(`stub served >= ${n} requests`, async (signal) => {
    const served = await stub.served({ signal });
    return { ok: served >= n, value: served };
  });

describe('k6 background load inside a scenario run', () => {
  it("the journal's series shows when errors started and stopped, and yields the load RTO", async () => {
    await stub.setFault({});
    const health = async (signal: AbortSignal) => (await fetch(`${stub.url}/api/health`, { signal })).status;
    const scenario = defineScenario({
      id: 'backend-errors',
      title: 'backend answers 500 for a few seconds',
      destructive: false,
      objectives: { rtoSeconds: 60, rtoSource: 'load' },
      steadyState: [
        { name: 'health answers 200', tolerance: { equals: 200 }, measure: (ctx) => health(ctx.signal) },
      ],
      // healthy load before the fault, and load kept running after verification for the recovery window
      baselineSeconds: 2,
      observeSeconds: 4,
      inject: () => [{ kind: 'backend-fault', errorRate: 1 }],
      detect: {
        name: 'list-exercises fails',
        timeoutMs: 10_000,
        intervalMs: 100,
        check: async (ctx) => {
          const status = (await fetch(`${stub.url}/api/exercises`, { signal: ctx.signal })).status;
          return { detected: status !== 200, value: status };
        },
      },
      recover: [
        {
          name: 'let the outage last ~3 s of load, then heal the backend',
          timeoutMs: 20_000,
          run: async (ctx) => {
            const start = await stub.served({ signal: ctx.signal });
            await waitFor(systemClock, servedAtLeast(start + 120), { timeoutMs: 15_000, intervalMs: 100, signal: ctx.signal });
            await stub.setFault({}, { signal: ctx.signal });
          },
        },
      ],
      load: () => ({ name: 'background', target: stub.url, vus: 4, durationSeconds: 90, thresholds }),
    });
    const load = new K6LoadGenerator().withK6(k6Path).withOutputDir(outDir).withEnv({ RATE: '40', REQUEST_TIMEOUT_MS: '1000' });

    const journal = await runScenario(scenario, { ports: { clock: systemClock, faults: backendFaultInjector(() => stub.url), load }, env: {}, recoveryWindowSeconds: 3 });

    expect(journal.error).toBeUndefined();
    expect(journal.status).toBe('completed');
    const series = journal.load!.series;
    const injectedAt = journal.faults[0]!.injectedAtMs;
    const healStep = journal.phases.find((p) => p.name === 'recover')!.steps[0]!;
    const outages = findOutages(series, errorsOnly);
    expect(outages).toHaveLength(1);
    // errors start no earlier than the second of the injection and before the heal, and last until the heal
    // (journal-relative ms)
    expect(outages[0]!.fromMs).toBeGreaterThanOrEqual(injectedAt - 1_000);
    expect(outages[0]!.fromMs).toBeLessThan(healStep.startMs);
    expect(outages[0]!.toMs).toBeGreaterThanOrEqual(healStep.endMs);
    // healthy seconds on both sides of the outage
    expect(series.some((s) => s.atMs < outages[0]!.fromMs && s.requests > 0 && s.errors === 0)).toBe(true);
    expect(series.some((s) => s.atMs >= outages[0]!.toMs && s.requests > 0 && s.errors === 0)).toBe(true);
    // the runner derived the users' RTO from the series: from the fault to no earlier than the heal's second
    const faultToHeal = healStep.endMs - journal.phases.find((p) => p.name === 'inject')!.startMs;
    expect(journal.measurements.rtoCandidates.load).toBeDefined();
    expect(Number.isFinite(journal.measurements.rtoCandidates.load)).toBe(true);
    expect(journal.measurements.rtoCandidates.load!).toBeGreaterThanOrEqual(faultToHeal - 1_500);
    expect(journal.measurements.rto?.source).toBe('load');
    expect(journal.measurements.rto?.valueMs).toBe(journal.measurements.rtoCandidates.load);
    // the background load's own verdict: the outage broke the error-rate threshold (a verdict, not a crash)
    expect(journal.load!.passed).toBe(false);
    expect(journal.load!.thresholds.filter((t) => !t.ok).map((t) => t.name)).toContain('errorRate<0.1%');
  });
});
