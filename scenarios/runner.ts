// The scenario runner: steady state -> inject -> detect -> recover -> verify -> revert, every phase and step
// timed on the monotonic clock, and a journal at the end whatever happened.
//
// Guarantees:
// - Input problems (scenario, fault specs, load profile, unsafe target) throw before anything is touched.
// - Once a fault is injected, recovery and revert ALWAYS run: on success, failed assertion, thrown error, step
//   timeout and interruption. A first interruption (`signal`) cuts the current phase short and jumps to recovery;
//   recovery and revert then run under `cleanupSignal` (a second Ctrl-C), which may cut recovery short but revert
//   is still attempted.
// - `status` says whether the run worked; `verdict` whether the system met its objectives.
import { computeDataRto, computeRpo } from './data-loss.ts';
import { defineScenario, withinTolerance, type Probe, type Scenario, type ScenarioContext } from './define.ts';
import { DrillbookError, InterruptedError, InvalidInputError, UnsafeTargetError, describe } from './errors.ts';
import {
  attemptPrefix,
  JOURNAL_SCHEMA_VERSION,
  redact,
  type ErrorRecord,
  type Evidence,
  type FaultRecord,
  type Finding,
  type Journal,
  type Measurements,
  type PhaseName,
  type PhaseRecord,
  type RtoSource,
  type RunStatus,
  type StepRecord,
  type StepStatus,
} from './journal.ts';
import { findRecoveredAt } from './load-recovery.ts';
import { chooseRto, evaluateObjectives, verdictOf } from './objectives.ts';
import {
  LABELS,
  MANAGED_BY,
  type DataProbeReport,
  type FaultSpec,
  type InjectedFault,
  type LoadProfile,
  type LoadResult,
  type Ports,
  type RunningDataProbe,
  type RunningLoad,
} from './ports.ts';
import { condition, waitFor } from './wait.ts';

export type RunEvent =
  | { type: 'phase-start'; phase: PhaseName; atMs: number }
  | { type: 'phase-end'; phase: PhaseName; status: StepStatus; atMs: number }
  | { type: 'step-end'; phase: PhaseName; step: StepRecord }
  | { type: 'fault-injected'; id: string; spec: FaultSpec; atMs: number }
  | { type: 'fault-reverted'; id: string; atMs: number; error?: ErrorRecord };

export interface RunScenarioOptions<Env> {
  ports: Ports;
  env: Env;
  runId?: string;
  suite?: string;
  /** First interruption: stop the method, go to recovery. */
  signal?: AbortSignal;
  /** Second interruption: cut recovery short (revert is still attempted). */
  cleanupSignal?: AbortSignal;
  /** Per-fault revert budget (default 120 s). */
  revertTimeoutMs?: number;
  /** Consecutive healthy seconds of load that count as recovered (default 10). */
  recoveryWindowSeconds?: number;
  secrets?: Iterable<string>;
  onEvent?: (event: RunEvent) => void;
}

/** Thrown inside a step when its own timeout expires. */
class StepTimeout extends DrillbookError {
  override name = 'StepTimeout';
}

export function newRunId(wallNowMs: number): string {
  const stamp = new Date(wallNowMs).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

export function errorRecord(error: unknown): ErrorRecord {
  if (error instanceof DrillbookError) {
    return error.hint ? { name: error.name, message: error.message, hint: error.hint } : { name: error.name, message: error.message };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: describe(error) };
}

/** Checks everything about a run that can be checked without touching the target. Throws; never half-runs. */
export function preflight<Env>(scenario: Scenario<Env>, options: RunScenarioOptions<Env>): { specs: readonly FaultSpec[]; profile?: LoadProfile } {
  if (scenario.__validated !== true) defineScenario(scenario);
  const { ports } = options;
  const problems: string[] = [];
  let specs: readonly FaultSpec[] = [];
  try {
    specs = scenario.inject(options.env);
    if (!Array.isArray(specs) || specs.length === 0) problems.push('inject: returned no fault; a scenario injects at least one');
  } catch (error) {
    problems.push(`inject: computing the faults from the environment failed: ${describe(error)}`);
  }
  specs.forEach((spec, i) => {
    if (typeof spec?.kind !== 'string') problems.push(`inject[${i}]: a fault needs a 'kind'`);
    else for (const p of ports.faults.validate(spec)) problems.push(`inject[${i}] (${spec.kind}): ${p}`);
  });
  let profile: LoadProfile | undefined;
  if (scenario.load) {
    if (!ports.load) problems.push('load: the scenario wants background load but no load generator is configured (is k6 installed? run `drillbook doctor`)');
    else {
      profile = scenario.load(options.env);
      for (const p of ports.load.validate(profile)) problems.push(`load (${profile.name}): ${p}`);
    }
  }
  if (scenario.dataProbe && !ports.data) problems.push('dataProbe: the scenario needs a data probe but none is configured');
  if (problems.length) throw new InvalidInputError(`scenario '${scenario.id}' for this environment`, problems, { hint: 'nothing was injected' });
  if (scenario.destructive && !ports.cluster?.destructiveAllowed) {
    const target = ports.cluster ? `context '${ports.cluster.context}'` : 'no cluster target';
    throw new UnsafeTargetError(`refusing to run destructive scenario '${scenario.id}' against ${target}: it is not on the allow-list`, {
      hint: 'add the context to `allowDestructive.contexts` in drillbook.config, or run against a kind cluster drillbook created',
    });
  }
  return profile ? { specs, profile } : { specs };
}

export async function runScenario<Env>(scenario: Scenario<Env>, options: RunScenarioOptions<Env>): Promise<Journal> {
  const { specs, profile } = preflight(scenario, options);
  const { ports } = options;
  const clock = ports.clock;
  const runId = options.runId ?? newRunId(clock.wallNow());
  const origin = clock.now();
  const startedAtWall = new Date(clock.wallNow()).toISOString();
  const rel = () => Math.round(clock.now() - origin);
  const emit = (e: RunEvent) => {
    try {
      // Redacted here, where the event is made, so every sink (terminal, NDJSON, suite logs) gets clean text.
      if (options.onEvent) options.onEvent(redact(e, secrets));
    } catch {
      /* a progress display must never break a run */
    }
  };
  const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: runId, [LABELS.scenario]: scenario.id };
  const runSignal = options.signal ?? new AbortController().signal;
  const cleanupSignal = options.cleanupSignal ?? new AbortController().signal;
  // A Set passed in is shared, not copied: what a step registers (ctx.secret) reaches the caller's redactor too.
  const secrets: Set<string> = options.secrets instanceof Set ? options.secrets : new Set<string>(options.secrets ?? []);
  const findings: Finding[] = [];
  const injected: InjectedFault[] = [];
  const faultRecords: FaultRecord[] = [];
  const phases: PhaseRecord[] = [];
  let harnessError: ErrorRecord | undefined;
  let interrupted = false;
  const noteHarnessError = (error: unknown) => {
    if (error instanceof InterruptedError || runSignal.aborted) interrupted = true;
    else harnessError ??= errorRecord(error);
  };

  // ---- one timed step -------------------------------------------------------------------------------------
  async function step<T>(name: string, timeoutMs: number, signal: AbortSignal, fn: (ctx: ScenarioContext<Env>) => Promise<T>) {
    const evidence: Evidence[] = [];
    const stepCtl = new AbortController();
    const timerCtl = new AbortController();
    const onParentAbort = () => stepCtl.abort(signal.reason);
    if (signal.aborted) stepCtl.abort(signal.reason);
    else signal.addEventListener('abort', onParentAbort, { once: true });
    const ctx: ScenarioContext<Env> = {
      env: options.env,
      ports,
      clock,
      runId,
      scenarioId: scenario.id,
      labels,
      signal: stepCtl.signal,
      faults: injected,
      evidence: (label, value, kind = 'text') => evidence.push({ kind, label, value, atMs: rel() }),
      finding: (f) => findings.push(f),
      secret: (v) => secrets.add(v),
    };
    const startMs = rel();
    let status: StepStatus = 'passed';
    let error: unknown;
    let value: T | undefined;
    const timeout = clock.sleep(timeoutMs, timerCtl.signal).then(
      () => {
        const e = new StepTimeout(`step '${name}' exceeded its ${timeoutMs} ms timeout`, { hint: 'the system did not get there in time, or the timeout is too tight' });
        stepCtl.abort(e);
        throw e;
      },
      () => new Promise<never>(() => {}), // cancelled after the step settled: never wins the race
    );
    try {
      if (stepCtl.signal.aborted) throw new InterruptedError(`step '${name}' not started: interrupted`);
      value = await Promise.race([fn(ctx), timeout]);
      // A step that swallowed the abort (a probe treating AbortError as "down", say) did not really pass.
      if (signal.aborted) throw new InterruptedError(`step '${name}' interrupted`, { cause: signal.reason });
    } catch (e) {
      error = e;
      status = signal.aborted ? 'interrupted' : e instanceof StepTimeout ? 'failed' : 'errored';
    } finally {
      timerCtl.abort();
      signal.removeEventListener('abort', onParentAbort);
    }
    const record: StepRecord = {
      name,
      startMs,
      endMs: rel(),
      status,
      timeoutMs,
      evidence,
      ...(error === undefined ? {} : { error: errorRecord(error) }),
    };
    return { record, value, error };
  }

  async function phase(name: PhaseName, body: (steps: StepRecord[]) => Promise<StepStatus>): Promise<PhaseRecord> {
    const steps: StepRecord[] = [];
    // Progress streams as each step ends, not when the phase does: a recovery can take minutes.
    steps.push = (...items: StepRecord[]) => {
      for (const s of items) emit({ type: 'step-end', phase: name, step: s });
      return Array.prototype.push.apply(steps, items);
    };
    const startMs = rel();
    emit({ type: 'phase-start', phase: name, atMs: startMs });
    let status: StepStatus;
    let error: ErrorRecord | undefined;
    try {
      status = await body(steps);
    } catch (e) {
      status = runSignal.aborted && !(name === 'recover' || name === 'revert') ? 'interrupted' : 'errored';
      error = errorRecord(e);
    }
    const record: PhaseRecord = { name, startMs, endMs: rel(), status, steps, ...(error ? { error } : {}) };
    phases.push(record);
    emit({ type: 'phase-end', phase: name, status, atMs: record.endMs });
    return record;
  }

  /** Measure every probe once; 'passed' only when all are within tolerance. A probe that throws has deviated. */
  async function measureProbes(probes: readonly Probe<Env>[], signal: AbortSignal, steps: StepRecord[], label = ''): Promise<StepStatus> {
    let all: StepStatus = 'passed';
    for (const probe of probes) {
      const { record, value, error } = await step(`${label}${probe.name}`, probe.timeoutMs ?? 10_000, signal, (ctx) => probe.measure(ctx));
      let status = record.status;
      let evidence = record.evidence;
      if (status === 'passed') {
        const verdict = withinTolerance(value, probe.tolerance);
        status = verdict.ok ? 'passed' : 'failed';
        evidence = [...evidence, { kind: 'metric', label: probe.name, value: { value, tolerance: probe.tolerance, reason: verdict.reason }, atMs: record.endMs }];
      } else if (status === 'errored') {
        status = 'failed'; // the probe could not get a healthy answer: deviation, not a harness fault
        evidence = [...evidence, { kind: 'text', label: probe.name, value: `probe failed: ${describe(error)}`, atMs: record.endMs }];
      }
      steps.push({ ...record, status, evidence });
      if (status !== 'passed') all = status === 'interrupted' ? 'interrupted' : all === 'interrupted' ? all : 'failed';
      if (status === 'interrupted') break;
    }
    return all;
  }

  // ---- background load and data probe ------------------------------------------------------------------------
  let load: RunningLoad | undefined;
  let probe: RunningDataProbe | undefined;
  let loadResult: LoadResult | undefined;
  let dataReport: DataProbeReport | undefined;
  let deviated = false;
  let recoveryFailed = false;
  let detectionFailed = false;
  let faultAtMs: number | null = null;
  let injectedAtMs: number | null = null;
  let detectedAtMs: number | null = null;
  let verifiedAtMs: number | null = null;

  try {
    try {
      if (profile && ports.load) load = await ports.load.start(profile, { labels, signal: runSignal });
      if (scenario.dataProbe && ports.data) probe = await ports.data.start({ labels, signal: runSignal });
    } catch (error) {
      noteHarnessError(error);
    }

    // ---- steady state before ------------------------------------------------------------------------------------
    if (!harnessError && !interrupted) {
      const before = await phase('steady-state-before', async (steps) => {
        const status = await measureProbes(scenario.steadyState, runSignal, steps);
        if (status !== 'passed') return status;
        for (const s of scenario.setup ?? []) {
          const { record } = await step(`setup: ${s.name}`, s.timeoutMs, runSignal, (ctx) => s.run(ctx));
          steps.push(record);
          if (record.status !== 'passed') return record.status === 'interrupted' ? 'interrupted' : 'failed';
        }
        const baseline = scenario.baselineSeconds ?? 0;
        if (baseline === 0) return status;
        const { record } = await step(`baseline: ${baseline} s of steady state before the fault`, baseline * 1000 + 5_000, runSignal, (ctx) => clock.sleep(baseline * 1000, ctx.signal));
        steps.push(record);
        return record.status;
      });
      if (before.status === 'interrupted') interrupted = true;
      else if (before.status !== 'passed') deviated = true; // nothing will be injected: the system was not healthy
    }

    // ---- inject ---------------------------------------------------------------------------------------------
    if (!harnessError && !interrupted && !deviated) {
      const inj = await phase('inject', async (steps) => {
        faultAtMs = rel();
        for (const spec of specs) {
          const { record, value, error } = await step(`inject ${spec.kind}`, 120_000, runSignal, async () =>
            ports.faults.inject(spec, { labels, signal: runSignal }),
          );
          steps.push(record);
          if (value) {
            injected.push(value);
            faultRecords.push({ id: value.id, spec: value.spec, injectedAtMs: record.endMs });
            emit({ type: 'fault-injected', id: value.id, spec, atMs: record.endMs });
            steps[steps.length - 1] = { ...record, evidence: [...record.evidence, ...value.evidence.map((e) => ({ ...e, atMs: e.atMs ?? record.endMs }))] };
          }
          if (record.status !== 'passed') {
            noteHarnessError(error);
            return record.status;
          }
        }
        injectedAtMs = rel();
        return 'passed';
      });
      if (inj.status === 'interrupted') interrupted = true;
    }

    // ---- detect ---------------------------------------------------------------------------------------------
    if (injectedAtMs !== null && !interrupted && !harnessError) {
      const d = scenario.detect;
      const det = await phase('detect', async (steps) => {
        const { record } = await step(d.name, d.timeoutMs, runSignal, async (ctx) => {
          if (d.watch) {
            const seen = await d.watch(ctx);
            ctx.evidence('detected', seen, 'json');
            return;
          }
          const check = d.check!;
          const seen = await waitFor(clock, condition(d.name, async () => {
            const r = await check(ctx);
            return { ok: r.detected, value: r.value };
          }), { timeoutMs: Number.POSITIVE_INFINITY, intervalMs: d.intervalMs ?? 250, signal: ctx.signal });
          ctx.evidence('detected', seen, 'json');
        });
        steps.push(record);
        if (record.status === 'passed') detectedAtMs = record.endMs;
        return record.status;
      });
      if (det.status === 'interrupted') interrupted = true;
      else if (det.status !== 'passed') detectionFailed = true;
    }
  } catch (error) {
    noteHarnessError(error);
  } finally {
    // ---- recover: always, once anything was injected ---------------------------------------------------------
    if (injected.length > 0) {
      const rec = await phase('recover', async (steps) => {
        let status: StepStatus = 'passed';
        for (const s of scenario.recover) {
          if (status !== 'passed') {
            steps.push({ name: s.name, startMs: rel(), endMs: rel(), status: 'skipped', timeoutMs: s.timeoutMs, evidence: [] });
            continue;
          }
          const { record } = await step(s.name, s.timeoutMs, cleanupSignal, (ctx) => s.run(ctx));
          steps.push(s.runbookRef ? { ...record, evidence: [{ kind: 'text', label: 'runbook', value: s.runbookRef, atMs: record.startMs }, ...record.evidence] } : record);
          status = record.status;
        }
        return status;
      });
      if (rec.status !== 'passed') recoveryFailed = true;

      // ---- verify: poll the probes back into tolerance (skipped when interrupted) ------------------------------
      if (!interrupted && !cleanupSignal.aborted) {
        const probes = scenario.verify ?? scenario.steadyState;
        const timeoutMs = recoveryFailed ? 0 : scenario.verifyTimeoutMs ?? 60_000;
        const ver = await phase('verify', async (steps) => {
          const deadline = clock.now() + timeoutMs;
          let attempt = 0;
          for (;;) {
            attempt += 1;
            const attemptSteps: StepRecord[] = [];
            const status = await measureProbes(probes, cleanupSignal, attemptSteps, attemptPrefix(attempt));
            if (status === 'passed' || status === 'interrupted' || clock.now() >= deadline) {
              steps.push(...attemptSteps);
              if (status !== 'passed') return status;
              verifiedAtMs = rel();
              const observe = scenario.observeSeconds ?? 0;
              if (observe === 0) return status;
              const { record } = await step(`observe: ${observe} s after recovery`, observe * 1000 + 5_000, cleanupSignal, (ctx) => clock.sleep(observe * 1000, ctx.signal));
              steps.push(record);
              return record.status === 'interrupted' ? 'passed' : record.status; // cut short by Ctrl-C: still verified
            }
            await clock.sleep(Math.min(1_000, Math.max(0, deadline - clock.now())), cleanupSignal);
          }
        });
        if (ver.status !== 'passed') deviated = true;
      }
    }

    // ---- revert: the safety net, reverse order, even after a failed recovery ----------------------------------
    if (injected.length > 0) {
      await phase('revert', async (steps) => {
        let status: StepStatus = 'passed';
        for (const fault of [...injected].reverse()) {
          // Revert gets its own signal: a second interrupt must not leave the fault in place.
          const revertCtl = new AbortController();
          const { record, value, error } = await step(`revert ${fault.spec.kind} (${fault.id})`, options.revertTimeoutMs ?? 120_000, revertCtl.signal, () => fault.revert({ signal: revertCtl.signal }));
          steps.push(value ? { ...record, evidence: [...record.evidence, ...value] } : record);
          const idx = faultRecords.findIndex((f) => f.id === fault.id);
          const fr = faultRecords[idx]!;
          if (record.status === 'passed') {
            faultRecords[idx] = { ...fr, revertedAtMs: record.endMs };
            emit({ type: 'fault-reverted', id: fault.id, atMs: record.endMs });
          } else {
            const err = errorRecord(error);
            faultRecords[idx] = { ...fr, revertError: err };
            emit({ type: 'fault-reverted', id: fault.id, atMs: record.endMs, error: err });
            harnessError ??= {
              name: 'RevertFailed',
              message: `could not revert fault ${fault.id} (${fault.spec.kind}): ${err.message}`,
              hint: 'the target may still be broken: run `drillbook gc` and check it by hand',
            };
            status = 'failed';
          }
        }
        return status;
      });
    }

    // ---- stop the background load and the data probe -----------------------------------------------------------
    try {
      if (load) loadResult = await load.stop({ signal: cleanupSignal });
    } catch (error) {
      harnessError ??= errorRecord(error);
    }
    try {
      if (probe) dataReport = await probe.stop({ signal: cleanupSignal });
    } catch (error) {
      harnessError ??= errorRecord(error);
    }
  }

  // ---- measure -------------------------------------------------------------------------------------------------
  const rtoCandidates: Partial<Record<RtoSource, number>> = {};
  if (faultAtMs !== null) {
    if (verifiedAtMs !== null) rtoCandidates.verify = verifiedAtMs - faultAtMs;
    if (dataReport) {
      const v = computeDataRto(dataReport, faultAtMs + origin);
      if (v !== null) rtoCandidates['data-probe'] = Math.round(v);
    }
    if (loadResult && profile) {
      const at = findRecoveredAt(loadResult.series, {
        afterMs: faultAtMs + origin,
        windowSeconds: options.recoveryWindowSeconds ?? 10,
        thresholds: profile.thresholds,
      });
      if (at !== null) rtoCandidates.load = Math.max(0, Math.round(at - origin - faultAtMs));
    }
  }
  const rpo = dataReport ? computeRpo(dataReport) : null;
  const measurements: Measurements = {
    detectionMs: detectedAtMs !== null && injectedAtMs !== null ? detectedAtMs - injectedAtMs : null,
    rto: chooseRto(rtoCandidates, scenario.objectives.rtoSource),
    rtoCandidates,
    rpo: rpo ? { valueMs: Math.round(rpo.valueMs), lostWrites: rpo.lostWrites, acknowledgedWrites: rpo.acknowledgedWrites } : null,
  };
  const objectives = evaluateObjectives(scenario.objectives, measurements, loadResult);
  const status: RunStatus = interrupted ? 'interrupted' : harnessError ? 'failed' : deviated && injectedAtMs === null ? 'aborted' : 'completed';
  const verdict = verdictOf(status, deviated || recoveryFailed || detectionFailed, objectives);
  const journal: Journal = {
    schemaVersion: JOURNAL_SCHEMA_VERSION,
    runId,
    ...(options.suite ? { suite: options.suite } : {}),
    scenario: {
      id: scenario.id,
      title: scenario.title,
      ...(scenario.runbookRef ? { runbookRef: scenario.runbookRef } : {}),
      tags: [...(scenario.tags ?? [])],
      destructive: scenario.destructive,
    },
    ...(ports.cluster ? { target: { name: ports.cluster.name, context: ports.cluster.context, provider: ports.cluster.provider } } : {}),
    startedAtWall,
    durationMs: rel(),
    status,
    deviated,
    verdict,
    phases,
    faults: faultRecords,
    measurements,
    objectives,
    ...(loadResult ? { load: rebaseLoad(loadResult, origin) } : {}),
    ...(dataReport ? { data: rebaseData(dataReport, origin) } : {}),
    findings,
    ...(interrupted
      ? { error: { name: 'Interrupted', message: 'the run was interrupted; recovery and revert ran', hint: 'run `drillbook gc` if a revert failed' } }
      : harnessError
        ? { error: harnessError }
        : {}),
  };
  return redact(journal, secrets);
}

// Ports report instants on the clock's own origin; the journal is relative to the run's start.
function rebaseLoad(r: LoadResult, origin: number): LoadResult {
  return { ...r, series: r.series.map((s) => ({ ...s, atMs: Math.round(s.atMs - origin) })) };
}
function rebaseData(r: DataProbeReport, origin: number): DataProbeReport {
  return {
    ...r,
    writes: r.writes.map((w) => ({ ...w, ackAtMs: Math.round(w.ackAtMs - origin) })),
    outages: r.outages.map((o) => ({ fromMs: Math.round(o.fromMs - origin), toMs: Math.round(o.toMs - origin) })),
    recoveredAtMs: r.recoveredAtMs === null ? null : Math.round(r.recoveredAtMs - origin),
  };
}
