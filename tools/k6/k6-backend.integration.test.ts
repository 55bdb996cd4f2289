// Real k6 against the reference backend in Docker (drillbook/gravl-backend v2 + drillbook/postgres 15, built by
// tools/images, port published on 127.0.0.1): a healthy backend passes the sign-off thresholds; a slow or
// failing backend fails exactly the right thresholds as a verdict; stopping its database mid-run shows up in the
// journal's series, and the runner gets the RTO users saw from it. Asserted: outcomes, order of events and causal
// bounds; the sign-off latencies and throughput (`npm run bench -- k6`) and how close the outage's edges sit to the
// database stop and start (`BENCH_BACKEND=reference npm run bench -- k6-outage`) are timings, printed by benches.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../scenarios/clock.ts';
import { defineScenario } from '../../scenarios/define.ts';
import { findOutages } from '../../scenarios/load-recovery.ts';
import type { FaultInjector, InjectedFault, LoadProfile, Thresholds } from '../../scenarios/ports.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { runScenario } from '../../scenarios/runner.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { K6LoadGenerator } from './k6.driver.ts';
import { ensureK6 } from './k6.installer.ts';
import { startGravlBackend, type StartedGravlBackend } from './testing/gravl-backend.testkit.ts';
import { expectThresholdsFollowNumbers } from './testing/judged-thresholds.ts';

const SIGN_OFF: Thresholds = { p95Ms: 200, p99Ms: 500, errorRate: 0.001, minRps: 100 };
const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'k6-backend-it', [LABELS.scenario]: 'k6-backend' };
let stack: StartedGravlBackend;
let load: K6LoadGenerator;
let outDir: string;

beforeAll(async () => {
  const k6 = await ensureK6({ log: (line) => console.log(`[k6] ${line}`) });
  outDir = await mkdtemp(join(tmpdir(), 'drillbook-k6-backend-it-'));
  load = new K6LoadGenerator().withK6(k6.path, k6.version).withOutputDir(outDir);
  // builds the images on a fresh machine (cached by tag afterwards)
  stack = await startGravlBackend({ variant: 'v2', log: (line) => console.log(`[images] ${line}`) });
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const profile = (over: Partial<LoadProfile>): LoadProfile => ({ name: 'smoke', target: stack.url, vus: 2, durationSeconds: 5, thresholds: SIGN_OFF, ...over });

describe('k6 against the reference backend', () => {
  it('a healthy backend serves the sign-off profile without errors, its thresholds judged on their numbers', async () => {
    await stack.setFault({});
    // the sign-off profile, shortened from 5 minutes: duration is a parameter
    await using running = await load.start(profile({ name: 'signoff', vus: 10, durationSeconds: 10 }), { labels });
    const result = await running.finished();
    console.log(
      `[signoff 10 VUs 10 s] ${result.requests} requests, ${result.rps.toFixed(1)} req/s, p50/p95/p99 ${result.p50Ms?.toFixed(1)}/${result.p95Ms?.toFixed(1)}/${result.p99Ms?.toFixed(1)} ms, errors ${(result.errorRate * 100).toFixed(3)} %`,
    );
    // p95/p99 and req/s on a shared 2-core machine are timings: judged against their numbers, not expected to pass
    expect(result.thresholds.map((t) => t.name)).toEqual(['p95<200ms', 'p99<500ms', 'errorRate<0.1%', 'rps>100']);
    expectThresholdsFollowNumbers(result);
    expect(result.thresholds.find((t) => t.name === 'errorRate<0.1%')!.ok).toBe(true);
    expect(result.errorRate).toBe(0);
    expect(result.series.reduce((n, s) => n + s.requests, 0)).toBe(result.requests);
    // the writes really reached PostgreSQL
    const written = await stack.postgres.exec(['psql', '-U', 'gravl_user', '-d', 'gravl', '-tAc', "select count(*) from workout_logs where client_id like 'k6-%'"]);
    expect(Number(written.output.trim())).toBeGreaterThan(result.requests / 4);
  });

  it('a slow backend (latency fault) fails p95 only, as a verdict', async () => {
    await stack.setFault({ latencyMs: 300 });
    try {
      // p99 limit raised for this suite (thresholds are per-suite overridable): on a shared 2-core machine a
      // 300 ms backend sometimes crosses 500 ms at p99, and this test is about p95
      await using running = await load.start(profile({ thresholds: { p95Ms: 200, p99Ms: 2_000, errorRate: 0.001 } }), { labels });
      const result = await running.finished();
      expect(result.k6.exitCode).toBe(99);
      expect(result.passed).toBe(false);
      expect(result.thresholds.filter((t) => !t.ok).map((t) => t.name)).toEqual(['p95<200ms']);
      expect(result.errorRate).toBe(0);
      expect(result.p95Ms!).toBeGreaterThanOrEqual(300);
    } finally {
      await stack.setFault({});
    }
  });

  it('a failing backend (error fault) fails the error-rate threshold only, as a verdict', async () => {
    await stack.setFault({ errorRate: 0.2 });
    try {
      await using running = await load.start(profile({ thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001 } }), { labels });
      const result = await running.finished();
      expect(result.k6.exitCode).toBe(99);
      expect(result.thresholds.filter((t) => !t.ok).map((t) => t.name)).toEqual(['errorRate<0.1%']);
      // smoke hits health (never faulted) and list-exercises (faulted): about half of 20 %
      expect(result.errorRate).toBeGreaterThan(0.03);
      expect(result.errorRate).toBeLessThan(0.2);
    } finally {
      await stack.setFault({});
    }
  });

  it('a container address is refused unless the run allow-lists the container it created', async () => {
    const ip = stack.backend.getIpAddress(stack.backend.getNetworkNames()[0]!);
    const direct = profile({ target: `http://${ip}:3000`, durationSeconds: 2 });
    await expect(load.start(direct, { labels })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(/neither loopback/) });
    const allowed = new K6LoadGenerator().withK6((await ensureK6()).path).withOutputDir(outDir).withAllowedHosts([ip]);
    await using running = await allowed.start(direct, { labels });
    const result = await running.finished();
    expect(result.requests).toBeGreaterThan(0);
    expect(result.errorRate).toBe(0);
  });

  it("stopping the database: the journal's series shows when errors started and stopped, and the load RTO", async () => {
    await stack.waitReady();
    let n = 0;
    const stopDatabase: FaultInjector = {
      name: 'docker-stop-postgres',
      validate: (spec) => (spec.kind === 'stop-database' ? [] : [`unsupported kind ${spec.kind}`]),
      async inject(spec, options): Promise<InjectedFault> {
        await stack.stopDatabase(options);
        return {
          id: `stop-database-${++n}`,
          spec,
          evidence: [{ kind: 'command', label: 'docker stop', value: stack.postgres.getName() }],
          async revert(opts) {
            await stack.startDatabase(opts);
            return [];
          },
        };
      },
    };
    const exercisesStatus = async (signal: AbortSignal) => (await fetch(`${stack.url}/api/exercises`, { signal })).status;
    const loadSeconds = (seconds: number) =>
      condition(`background load ran ${seconds} more seconds`, async () => {
        const now = systemClock.now();
        return { ok: now >= until, value: Math.round(until - now) };
      });
    let until = 0;
    const scenario = defineScenario({
      id: 'postgres-stopped',
      title: 'PostgreSQL stops under load; the runbook starts it again',
      destructive: false,
      objectives: { rtoSeconds: 120, rtoSource: 'load' },
      steadyState: [{ name: 'list-exercises answers 200', tolerance: { equals: 200 }, measure: (ctx) => exercisesStatus(ctx.signal) }],
      // healthy load before the fault, and load kept running after verification for the recovery window
      baselineSeconds: 2,
      observeSeconds: 6,
      inject: () => [{ kind: 'stop-database' }],
      detect: {
        name: 'list-exercises fails',
        timeoutMs: 20_000,
        intervalMs: 200,
        check: async (ctx) => {
          const status = await exercisesStatus(ctx.signal);
          return { detected: status !== 200, value: status };
        },
      },
      recover: [
        {
          name: 'outage lasts 3 s',
          timeoutMs: 10_000,
          run: async (ctx) => {
            until = systemClock.now() + 3_000;
            await waitFor(systemClock, loadSeconds(3), { timeoutMs: 5_000, intervalMs: 100, signal: ctx.signal });
          },
        },
        { name: 'start PostgreSQL again (docker start)', timeoutMs: 60_000, run: (ctx) => stack.startDatabase({ signal: ctx.signal }) },
      ],
      load: () => ({ name: 'background', target: stack.url, vus: 5, durationSeconds: 120, thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001 } }),
    });
    const background = new K6LoadGenerator().withK6((await ensureK6()).path).withOutputDir(outDir).withEnv({ RATE: '30', REQUEST_TIMEOUT_MS: '2000' });

    const journal = await runScenario(scenario, { ports: { clock: systemClock, faults: stopDatabase, load: background }, env: {}, recoveryWindowSeconds: 3 });

    expect(journal.error).toBeUndefined();
    expect(journal.status).toBe('completed');
    const series = journal.load!.series;
    const outages = findOutages(series, { p95Ms: 200, errorRate: 0.001 });
    console.log(`[db stop] series ${JSON.stringify(series)}`);
    console.log(`[db stop] outages ${JSON.stringify(outages)}; rto candidates ${JSON.stringify(journal.measurements.rtoCandidates)}`);
    const injectStep = journal.phases.find((p) => p.name === 'inject')!.steps[0]!;
    const startStep = journal.phases.find((p) => p.name === 'recover')!.steps[1]!;
    const faultAt = journal.phases.find((p) => p.name === 'inject')!.startMs;
    // when errors started and stopped, from the journal's per-second series (journal-relative ms)
    const errorSeconds = series.filter((s) => s.errors > 0);
    expect(errorSeconds.reduce((e, s) => e + s.errors, 0)).toBeGreaterThan(30);
    const errorsFrom = errorSeconds[0]!.atMs;
    const errorsTo = errorSeconds.at(-1)!.atMs + 1_000;
    expect(errorsFrom).toBeGreaterThanOrEqual(injectStep.startMs - 1_000); // not before `docker stop`...
    expect(errorsFrom).toBeLessThan(startStep.startMs); // ...and before the runbook starts PostgreSQL again
    expect(errorsTo).toBeGreaterThanOrEqual(startStep.startMs); // errors last until the runbook starts PostgreSQL
    expect(series.some((s) => s.atMs < errorsFrom && s.requests > 0)).toBe(true); // load before the fault...
    expect(series.filter((s) => s.atMs >= errorsTo && s.requests > 0 && s.errors === 0).length).toBeGreaterThanOrEqual(3); // ...and healthy load after
    // the RTO users saw: from the fault to the first 3 healthy seconds; not before the errors stopped
    const rto = journal.measurements.rtoCandidates.load;
    expect(rto).toBeDefined();
    expect(Number.isFinite(rto)).toBe(true);
    expect(rto!).toBeGreaterThanOrEqual(errorsTo - 1_000 - faultAt);
    expect(journal.load!.passed).toBe(false);
    expect(journal.load!.thresholds.find((t) => t.name === 'errorRate<0.1%')!.ok).toBe(false);
  });
});
