import { describe, expect, it } from 'vitest';
import { defineScenario, type ScenarioDefinition } from './define.ts';
import { InvalidInputError, UnsafeTargetError } from './errors.ts';
import { exitCodeFor, findStep, type Journal } from './journal.ts';
import type { DataProbeReport, LoadResult } from './ports.ts';
import { runScenario } from './runner.ts';
import { FakeClock } from './testing/fake-clock.ts';
import { FakeDataProbe, FakeFaultInjector, FakeLoad, FakeSystem, fakePorts, takes, type FakeEnv } from './testing/fake-system.ts';

function scenario(over: Partial<ScenarioDefinition<FakeEnv>> = {}) {
  return defineScenario<FakeEnv>({
    id: 'service-outage',
    title: 'The service goes down and the runbook brings it back',
    destructive: true,
    objectives: { rtoSeconds: 900 },
    steadyState: [{ name: 'service healthy', tolerance: { equals: true }, measure: async (ctx) => ctx.env.system.healthy }],
    inject: () => [{ kind: 'break-service' }],
    detect: {
      name: 'service unhealthy',
      timeoutMs: 30_000,
      intervalMs: 500,
      check: async (ctx) => ({ detected: !ctx.env.system.healthy, value: ctx.env.system.healthy }),
    },
    recover: [
      { name: 'scale down', timeoutMs: 60_000, run: takes(20_000, (ctx) => ctx.env.system.log.push('scaled down')) },
      {
        name: 'set previous image and scale up',
        timeoutMs: 300_000,
        run: takes(100_000, (ctx) => {
          ctx.env.system.healthy = true;
          ctx.env.system.log.push('rolled back');
        }),
      },
    ],
    ...over,
  });
}

function setup(behaviour = {}) {
  const clock = new FakeClock();
  const system = new FakeSystem();
  const injector = new FakeFaultInjector(system, clock, behaviour);
  return { clock, system, injector, env: { system }, ports: fakePorts(clock, injector) };
}

const phaseNames = (j: Journal) => j.phases.map((p) => p.name);

describe('runScenario', () => {
  it('runs the phases in order and measures RTO and detection on the clock', async () => {
    const { system, env, ports } = setup();
    const j = await runScenario(scenario(), { ports, env, runId: 'r1' });
    expect(phaseNames(j)).toEqual(['steady-state-before', 'inject', 'detect', 'recover', 'verify', 'revert']);
    expect(j.status).toBe('completed');
    expect(j.deviated).toBe(false);
    expect(j.verdict).toBe('met');
    expect(exitCodeFor([j])).toBe(0);
    // detection: first poll after injection sees it at once
    expect(j.measurements.detectionMs).toBe(0);
    // recovery took 20 s + 100 s of runbook time; verify passes on its first attempt
    expect(j.measurements.rto).toEqual({ valueMs: 120_000, source: 'verify' });
    expect(j.objectives).toEqual([expect.objectContaining({ name: 'rto', met: true, limit: 900_000, measured: 120_000 })]);
    const recover = j.phases.find((p) => p.name === 'recover')!;
    expect(recover.steps.map((s) => [s.name, s.endMs - s.startMs])).toEqual([
      ['scale down', 20_000],
      ['set previous image and scale up', 100_000],
    ]);
    expect(system.log).toEqual(['inject fault-1', 'scaled down', 'rolled back', 'revert fault-1']);
    expect(j.faults).toEqual([expect.objectContaining({ id: 'fault-1', injectedAtMs: expect.any(Number), revertedAtMs: expect.any(Number) })]);
    for (const p of j.phases) expect(p.endMs).toBeGreaterThanOrEqual(p.startMs);
  });

  it('fails the RTO objective for the right reason when it is too tight', async () => {
    const { env, ports } = setup();
    const j = await runScenario(scenario({ objectives: { rtoSeconds: 60 } }), { ports, env });
    expect(j.status).toBe('completed');
    expect(j.verdict).toBe('not-met');
    expect(j.objectives[0]).toMatchObject({ name: 'rto', met: false, measured: 120_000, limit: 60_000 });
    expect(j.objectives[0]!.reason).toContain('120.000 s ≥ 60 s');
    expect(exitCodeFor([j])).toBe(1);
  });

  it('does not inject anything when the steady state does not hold before', async () => {
    const { system, injector, env, ports } = setup();
    system.healthy = false;
    const j = await runScenario(scenario(), { ports, env });
    expect(phaseNames(j)).toEqual(['steady-state-before']);
    expect(injector.injected).toHaveLength(0);
    expect(j.status).toBe('aborted');
    expect(j.deviated).toBe(true);
    expect(j.verdict).toBe('not-met');
    expect(exitCodeFor([j])).toBe(1);
  });

  it('runs the setup steps after the steady state and before the fault, timed in the steady-state phase', async () => {
    const { system, env, ports } = setup();
    const j = await runScenario(
      scenario({ setup: [{ name: 'pre-deploy backup', timeoutMs: 60_000, run: takes(5_000, (ctx) => ctx.env.system.log.push('backup taken')) }] }),
      { ports, env },
    );
    expect(j.status).toBe('completed');
    expect(system.log.slice(0, 2)).toEqual(['backup taken', 'inject fault-1']);
    const before = j.phases.find((p) => p.name === 'steady-state-before')!;
    expect(before.steps.map((s) => [s.name, s.status, s.endMs - s.startMs])).toEqual([
      ['service healthy', 'passed', 0],
      ['setup: pre-deploy backup', 'passed', 5_000],
    ]);
  });

  it('injects nothing when a setup step fails', async () => {
    const { injector, env, ports } = setup();
    const j = await runScenario(
      scenario({ setup: [{ name: 'pre-deploy backup', timeoutMs: 60_000, run: async () => { throw new Error('backup job failed'); } }] }),
      { ports, env },
    );
    expect(phaseNames(j)).toEqual(['steady-state-before']);
    expect(injector.injected).toHaveLength(0);
    expect(j.status).toBe('aborted');
    expect(j.phases[0]!.steps[1]).toMatchObject({ name: 'setup: pre-deploy backup', status: 'errored', error: expect.objectContaining({ message: 'backup job failed' }) });
  });

  it('treats a probe that throws as a deviation, not a harness error', async () => {
    const { env, ports, injector } = setup();
    const s = scenario({
      steadyState: [{ name: 'health endpoint', tolerance: { equals: 200 }, measure: async () => { throw new Error('ECONNREFUSED'); } }],
    });
    const j = await runScenario(s, { ports, env });
    expect(j.status).toBe('aborted');
    expect(injector.injected).toHaveLength(0);
    expect(JSON.stringify(j.phases[0]!.steps[0]!.evidence)).toContain('ECONNREFUSED');
  });

  it('reverts when a recovery step throws, skips the rest, and says not met', async () => {
    const { system, env, ports } = setup();
    const s = scenario({
      recover: [
        { name: 'restore backup', timeoutMs: 60_000, run: async () => { throw new Error('pg_restore: archive is truncated'); } },
        { name: 'scale up', timeoutMs: 60_000, run: takes(1_000) },
      ],
    });
    const j = await runScenario(s, { ports, env });
    const recover = j.phases.find((p) => p.name === 'recover')!;
    expect(recover.status).toBe('errored');
    expect(recover.steps.map((x) => x.status)).toEqual(['errored', 'skipped']);
    expect(recover.steps[0]!.error?.message).toContain('truncated');
    expect(phaseNames(j)).toContain('revert');
    expect(system.healthy).toBe(true); // the safety-net revert repaired it
    expect(j.status).toBe('completed');
    expect(j.verdict).toBe('not-met');
  });

  it('fails a runbook step that exceeds its timeout and still reverts', async () => {
    const { system, env, ports } = setup();
    const s = scenario({
      recover: [{ name: 'rollout status', timeoutMs: 30_000, run: takes(600_000, (ctx) => { ctx.env.system.healthy = true; }) }],
    });
    const j = await runScenario(s, { ports, env });
    const step = j.phases.find((p) => p.name === 'recover')!.steps[0]!;
    expect(step.status).toBe('failed');
    expect(step.endMs - step.startMs).toBe(30_000);
    expect(step.error?.message).toContain('exceeded its 30000 ms timeout');
    expect(system.log.at(-1)).toBe('revert fault-1');
    expect(j.verdict).toBe('not-met');
  });

  it('still recovers and reverts when the fault is never detected', async () => {
    const { system, env, ports } = setup();
    const s = scenario({ detect: { name: 'never', timeoutMs: 5_000, check: async () => ({ detected: false, value: 'all quiet' }) } });
    const j = await runScenario(s, { ports, env });
    const detect = j.phases.find((p) => p.name === 'detect')!;
    expect(detect.status).toBe('failed');
    expect(detect.endMs - detect.startMs).toBe(5_000);
    expect(j.measurements.detectionMs).toBeNull();
    expect(system.log).toContain('rolled back');
    expect(system.log.at(-1)).toBe('revert fault-1');
    expect(j.verdict).toBe('not-met');
  });

  it('reverts the faults already injected when a later injection fails, and reports a harness error', async () => {
    const { system, env, ports } = setup({ failInjectKind: 'noop' });
    const s = scenario({ inject: () => [{ kind: 'break-service' }, { kind: 'noop' }] });
    const j = await runScenario(s, { ports, env });
    expect(system.log).toContain('revert fault-1');
    expect(system.healthy).toBe(true);
    expect(j.status).toBe('failed');
    expect(j.error?.message).toContain('target refused');
    expect(exitCodeFor([j])).toBe(2);
  });

  it('on interruption mid-detection, recovers and reverts, skips verify, and reports interrupted', async () => {
    const { clock, system, env, ports } = setup();
    const ac = new AbortController();
    const s = scenario({
      detect: {
        name: 'waits forever',
        timeoutMs: 3_600_000,
        check: async () => {
          if (clock.now() > 10_000) ac.abort(new Error('SIGINT'));
          return { detected: false, value: null };
        },
      },
    });
    const j = await runScenario(s, { ports, env, signal: ac.signal });
    expect(phaseNames(j)).toEqual(['steady-state-before', 'inject', 'detect', 'recover', 'revert']);
    expect(j.phases.find((p) => p.name === 'detect')!.status).toBe('interrupted');
    expect(system.log).toEqual(['inject fault-1', 'scaled down', 'rolled back', 'revert fault-1']);
    expect(j.status).toBe('interrupted');
    expect(j.verdict).toBe('inconclusive');
    expect(exitCodeFor([j])).toBe(130);
  });

  it('an interruption is noticed even when the step swallows the abort error', async () => {
    const { system, env, ports } = setup();
    const ac = new AbortController();
    const s = scenario({
      detect: {
        name: 'probe that treats any error as "down"',
        timeoutMs: 60_000,
        check: async () => {
          ac.abort(new Error('SIGINT'));
          return { detected: true, value: 'AbortError read as an outage' };
        },
      },
    });
    const j = await runScenario(s, { ports, env, signal: ac.signal });
    expect(j.phases.find((p) => p.name === 'detect')!.status).toBe('interrupted');
    expect(j.measurements.detectionMs).toBeNull();
    expect(j.status).toBe('interrupted');
    expect(system.log.at(-1)).toBe('revert fault-1');
  });

  it('a second interruption cuts recovery short but the revert still runs', async () => {
    const { clock, system, env, ports } = setup();
    const first = new AbortController();
    const second = new AbortController();
    const s = scenario({
      detect: {
        name: 'interrupted',
        timeoutMs: 60_000,
        check: async () => {
          first.abort();
          return { detected: false, value: null };
        },
      },
      recover: [
        { name: 'slow restore', timeoutMs: 600_000, run: async (ctx) => { second.abort(); await clock.sleep(500_000, ctx.signal); } },
        { name: 'scale up', timeoutMs: 1_000, run: takes(10) },
      ],
    });
    const j = await runScenario(s, { ports, env, signal: first.signal, cleanupSignal: second.signal });
    const recover = j.phases.find((p) => p.name === 'recover')!;
    expect(recover.steps.map((x) => x.status)).toEqual(['interrupted', 'skipped']);
    expect(system.log.at(-1)).toBe('revert fault-1');
    expect(system.healthy).toBe(true);
    expect(j.status).toBe('interrupted');
  });

  it('reports a failed revert as a harness error that points at gc', async () => {
    const { env, ports } = setup({ failRevert: true });
    const j = await runScenario(scenario(), { ports, env });
    expect(j.status).toBe('failed');
    expect(j.faults[0]!.revertError?.message).toContain('revert refused');
    expect(j.error?.hint).toContain('drillbook gc');
    expect(exitCodeFor([j])).toBe(2);
  });

  it('polls verification until the system settles', async () => {
    const { clock, env, ports } = setup();
    let settleAt = 0;
    const s = scenario({
      recover: [{ name: 'restart', timeoutMs: 10_000, run: async () => { settleAt = clock.now() + 7_000; } }],
      verify: [{ name: 'healthy again', tolerance: { min: 1 }, measure: async () => (clock.now() >= settleAt ? 1 : 0) }],
    });
    const j = await runScenario(s, { ports, env });
    const verify = j.phases.find((p) => p.name === 'verify')!;
    expect(verify.status).toBe('passed');
    expect(verify.steps.length).toBe(1);
    expect(verify.steps[0]!.name).toMatch(/^\[attempt \d+\] healthy again$/);
    // readers find the probe by its own name whichever attempt settled, and a missing one says what is there
    expect(findStep(j, 'verify', 'healthy again')).toBe(verify.steps[0]);
    expect(() => findStep(j, 'verify', 'healthy')).toThrow(/no step "healthy" in phase verify \(its steps: "\[attempt \d+\] healthy again"\)/);
    expect(j.measurements.rto!.valueMs).toBeGreaterThanOrEqual(7_000);
    expect(j.measurements.rto!.valueMs).toBeLessThan(9_000);
  });

  it('records a baseline before the fault and an observation window after recovery', async () => {
    const { env, ports } = setup();
    const j = await runScenario(scenario({ baselineSeconds: 30, observeSeconds: 45 }), { ports, env });
    const before = j.phases.find((p) => p.name === 'steady-state-before')!;
    const baseline = before.steps.at(-1)!;
    expect(baseline.name).toBe('baseline: 30 s of steady state before the fault');
    expect(baseline.endMs - baseline.startMs).toBe(30_000);
    const verify = j.phases.find((p) => p.name === 'verify')!;
    const observe = verify.steps.at(-1)!;
    expect(observe.name).toBe('observe: 45 s after recovery');
    expect(observe.endMs - observe.startMs).toBe(45_000);
    // RTO stops at verification, not at the end of the observation window
    expect(j.measurements.rto).toEqual({ valueMs: 120_000, source: 'verify' });
    expect(j.verdict).toBe('met');
  });

  it('marks the run deviated when verification never passes', async () => {
    const { env, ports } = setup();
    const s = scenario({
      recover: [{ name: 'does nothing', timeoutMs: 1_000, run: takes(10) }],
      verify: [{ name: 'healthy', tolerance: { equals: true }, measure: async () => false }],
      verifyTimeoutMs: 5_000,
    });
    const j = await runScenario(s, { ports, env });
    expect(j.deviated).toBe(true);
    expect(j.status).toBe('completed');
    expect(j.verdict).toBe('not-met');
  });

  it('measures RPO from the data probe and prefers its RTO', async () => {
    const { clock, env, injector } = setup();
    // writes every second from t=0..60 s; those acknowledged between 25 s and 40 s are lost
    const report = (): DataProbeReport => ({
      writesAttempted: 80,
      writes: Array.from({ length: 61 }, (_, i) => ({ seq: i, ackAtMs: i * 1000, survived: i < 25 || i > 40 })),
      outages: [{ fromMs: 41_000, toMs: 70_000 }],
      recoveredAtMs: 75_000,
    });
    const data = new FakeDataProbe(report);
    const ports = fakePorts(clock, injector, { data });
    const s = scenario({ dataProbe: true, objectives: { rtoSeconds: 900, rpoSeconds: 5 } });
    const j = await runScenario(s, { ports, env });
    expect(data.started).toBe(1);
    // recovery point = last survivor (24 s) -> last lost ack (40 s)
    expect(j.measurements.rpo).toEqual({ valueMs: 16_000, lostWrites: 16, acknowledgedWrites: 61 });
    expect(j.measurements.rto?.source).toBe('data-probe');
    expect(j.measurements.rtoCandidates.verify).toBe(120_000);
    const rpo = j.objectives.find((o) => o.name === 'rpo')!;
    expect(rpo.met).toBe(false);
    expect(rpo.reason).toContain('16 of 61 acknowledged writes lost');
    expect(j.verdict).toBe('not-met');
  });

  it('computes the users-eye RTO from the load series and judges load thresholds when asked', async () => {
    const { clock, env, injector } = setup();
    const series = Array.from({ length: 200 }, (_, i) => {
      const bad = i >= 1 && i < 100; // errors from 1 s to 100 s
      return { atMs: i * 1000, requests: 50, errors: bad ? 25 : 0, p95Ms: bad ? 900 : 40 };
    });
    const result: LoadResult = {
      profile: 'background', requests: 10_000, errorRate: 0.25, rps: 50, p50Ms: 20, p95Ms: 850, p99Ms: 950, passed: false,
      thresholds: [{ name: 'p95<200ms', limit: 200, actual: 850, ok: false }], series,
    };
    const ports = fakePorts(clock, injector, { load: new FakeLoad(() => result) });
    const s = scenario({
      load: () => ({ name: 'background', target: 'http://127.0.0.1:8080', vus: 2, durationSeconds: 300, thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001 } }),
      objectives: { rtoSeconds: 900, rtoSource: 'load', loadThresholdsHold: true },
    });
    const j = await runScenario(s, { ports, env, recoveryWindowSeconds: 10 });
    expect(j.measurements.rto).toEqual({ valueMs: 100_000, source: 'load' });
    expect(j.objectives.find((o) => o.name === 'load')).toMatchObject({ met: false, reason: 'failed: p95<200ms' });
    expect(j.load?.series).toHaveLength(200);
  });

  it("turns the load generator's warnings into the journal's findings (an operator that stalled and was worked around)", async () => {
    const { clock, env, injector } = setup();
    const result: LoadResult = {
      profile: 'background', requests: 100, errorRate: 0, rps: 10, p50Ms: 5, p95Ms: 9, p99Ms: 12, passed: true, thresholds: [], series: [],
      warnings: ['k6-operator left TestRun ns/x at stage "created" for 31 s; drillbook started them'],
    };
    const ports = fakePorts(clock, injector, { load: new FakeLoad(() => result) });
    const s = scenario({ load: () => ({ name: 'background', target: 'http://127.0.0.1:8080', vus: 2, durationSeconds: 60, thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001 } }) });
    const j = await runScenario(s, { ports, env });
    expect(j.findings).toContainEqual({ severity: 'warning', title: 'load generator: background', detail: result.warnings![0] });
  });

  it('never lets a registered secret reach the journal', async () => {
    const { env, ports } = setup();
    const canary = 'canary-Sup3rS3cret-value-42';
    const s = scenario({
      recover: [{ name: 'restore secret', timeoutMs: 1_000, run: async (ctx) => {
        ctx.env.system.healthy = true;
        ctx.secret(canary);
        ctx.evidence('secret applied', { password: canary, b64: Buffer.from(canary).toString('base64') }, 'json');
      } }],
    });
    const j = await runScenario(s, { ports, env });
    const text = JSON.stringify(j);
    expect(text).not.toContain(canary);
    expect(text).not.toContain(Buffer.from(canary).toString('base64'));
    expect(text).toContain('[REDACTED]');
  });
});

describe('runScenario: an interruption anywhere after detection still ends interrupted (never met)', () => {
  // Recovery, verify and revert run under the cleanup signal; a first Ctrl-C or SIGTERM landing there used to
  // end the run `completed` with verdict `met`, and the suite then exited 0 (GO) with the rest not run.
  it('a first interruption during recovery: recovery finishes, verify is skipped, revert runs, status interrupted', async () => {
    const { system, env, ports } = setup();
    const ac = new AbortController();
    const s = scenario({
      recover: [
        { name: 'scale down', timeoutMs: 60_000, run: takes(20_000, (ctx) => { ctx.env.system.log.push('scaled down'); ac.abort(new Error('SIGTERM')); }) },
        { name: 'scale up', timeoutMs: 60_000, run: takes(10_000, (ctx) => { ctx.env.system.healthy = true; ctx.env.system.log.push('rolled back'); }) },
      ],
    });
    const j = await runScenario(s, { ports, env, signal: ac.signal });
    expect(j.status).toBe('interrupted');
    expect(j.verdict).toBe('inconclusive');
    expect(exitCodeFor([j])).toBe(130);
    // the runbook is not abandoned half-way on the first signal: it runs to its end, then the fault is reverted
    expect(j.phases.find((p) => p.name === 'recover')!.steps.map((x) => x.status)).toEqual(['passed', 'passed']);
    expect(phaseNames(j)).toEqual(['steady-state-before', 'inject', 'detect', 'recover', 'revert']);
    expect(system.log).toEqual(['inject fault-1', 'scaled down', 'rolled back', 'revert fault-1']);
    expect(j.error?.name).toBe('Interrupted');
  });

  it('a first interruption during verify ends interrupted', async () => {
    const { env, ports } = setup();
    const ac = new AbortController();
    const s = scenario({
      verify: [{ name: 'healthy again', tolerance: { equals: true }, measure: async (ctx) => { ac.abort(new Error('SIGINT')); return ctx.env.system.healthy; } }],
    });
    const j = await runScenario(s, { ports, env, signal: ac.signal });
    expect(j.status).toBe('interrupted');
    expect(j.verdict).toBe('inconclusive');
    expect(exitCodeFor([j])).toBe(130);
    expect(j.faults[0]!.revertedAtMs).toEqual(expect.any(Number));
  });

  it('a first interruption while verify is still polling stops verify at once (no waiting out its timeout)', async () => {
    const { clock, env, ports } = setup();
    const ac = new AbortController();
    let verifyStartedAt = -1;
    const s = scenario({
      verifyTimeoutMs: 600_000,
      verify: [{ name: 'never healthy', tolerance: { equals: true }, measure: async () => {
        if (verifyStartedAt < 0) verifyStartedAt = clock.now();
        else if (clock.now() - verifyStartedAt >= 5_000) ac.abort(new Error('SIGINT'));
        return false;
      } }],
    });
    const j = await runScenario(s, { ports, env, signal: ac.signal });
    const verify = j.phases.find((p) => p.name === 'verify')!;
    expect(verify.status).toBe('interrupted');
    expect(verify.endMs - verify.startMs).toBeLessThan(60_000); // fake clock: it stopped, not waited 600 s
    expect(j.status).toBe('interrupted');
    expect(j.deviated).toBe(false); // cut short is not evidence of deviation
    expect(j.faults[0]!.revertedAtMs).toEqual(expect.any(Number));
  });

  it('a first interruption during revert ends interrupted and the revert still completes', async () => {
    const { clock, system, env } = setup();
    const ac = new AbortController();
    const injector = new FakeFaultInjector(system, clock);
    const inject = injector.inject.bind(injector);
    injector.inject = async (spec, options) => {
      const fault = await inject(spec, options);
      return { ...fault, revert: async (o) => { ac.abort(new Error('SIGINT')); return fault.revert(o); } };
    };
    const j = await runScenario(scenario(), { ports: fakePorts(clock, injector), env, signal: ac.signal });
    expect(j.status).toBe('interrupted');
    expect(exitCodeFor([j])).toBe(130);
    expect(system.log.at(-1)).toBe('revert fault-1');
    expect(j.faults[0]!.revertedAtMs).toEqual(expect.any(Number));
  });
});

describe('preflight: bad input stops the run before anything is injected', () => {
  it('rejects an unknown fault kind with the injector’s own words', async () => {
    const { injector, env, ports } = setup();
    const s = scenario({ inject: () => [{ kind: 'pod-kil' }] });
    const err = await runScenario(s, { ports, env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain("inject[0] (pod-kil): unknown fault kind 'pod-kil'");
    expect(injector.injected).toHaveLength(0);
  });

  it('refuses a destructive scenario against a context that is not allow-listed', async () => {
    const { injector, env, clock } = setup();
    const ports = fakePorts(clock, injector, { cluster: { name: 'prod', context: 'gke_prod', provider: 'existing', createdByDrillbook: false } });
    const err = await runScenario(scenario(), { ports, env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeTargetError);
    expect((err as Error).message).toContain("context 'gke_prod'");
    expect(injector.injected).toHaveLength(0);
  });

  it('asks for a load generator when the scenario wants load and none is configured', async () => {
    const { env, ports } = setup();
    const s = scenario({ load: () => ({ name: 'bg', target: 'http://127.0.0.1:1', vus: 1, durationSeconds: 10, thresholds: { p95Ms: 1, p99Ms: 1, errorRate: 0 } }) });
    await expect(runScenario(s, { ports, env })).rejects.toThrow(/no load generator is configured/);
  });

  it('passes the load generator’s guardrail objections through', async () => {
    const { env, clock, injector } = setup();
    const ports = fakePorts(clock, injector, { load: new FakeLoad(() => { throw new Error('unused'); }) });
    const s = scenario({ load: () => ({ name: 'bg', target: 'http://10.0.0.8', vus: 1, durationSeconds: 10, thresholds: { p95Ms: 1, p99Ms: 1, errorRate: 0 } }) });
    await expect(runScenario(s, { ports, env })).rejects.toThrow(/not loopback/);
  });
});
