// The scenario runner: steady state -> inject -> detect -> recover -> verify -> revert -> measure, every phase and
// step timed on the monotonic clock, and a journal at the end whatever happened. `runScenario` reads top to bottom
// as that lifecycle: one named function per phase, all of them reading and writing one explicit `ScenarioRun`.
//
// Guarantees:
// - Input problems (scenario, fault specs, load profile, unsafe target) throw before anything is touched.
// - Once a fault is injected, recovery and revert ALWAYS run: on success, failed assertion, thrown error, step
//   timeout and interruption. A first interruption (`signal`) cuts the method (steady state, inject, detect) short
//   and jumps to recovery; recovery runs to its end under `cleanupSignal` (a second Ctrl-C), which may cut it
//   short, and revert is still attempted on a signal of its own.
// - A run interrupted at any point (method, recovery, verify, revert) is `interrupted`: never a verdict of `met`.
// - `status` says whether the run worked; `verdict` whether the system met its objectives.
import { computeDataRto, computeRpo } from './data-loss.ts';
import { defineScenario, withinTolerance, type Probe, type Scenario, type ScenarioContext } from './define.ts';
import { InterruptedError, InvalidInputError, describe } from './errors.ts';
import {
  attemptPrefix,
  JOURNAL_SCHEMA_VERSION,
  redact,
  type ErrorRecord,
  type FaultRecord,
  type Finding,
  type Journal,
  type Measurements,
  type ObjectiveResult,
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
  type Clock,
  type DataProbeReport,
  type FaultSpec,
  type InjectedFault,
  type Labels,
  type LoadProfile,
  type LoadResult,
  type Ports,
  type RunningDataProbe,
  type RunningLoad,
} from './ports.ts';
import { errorRecord, runStep, type AddEvidence, type StepOutcome } from './step.ts';
import { SKIPPED } from './decision.ts';
import { allowListProblems, assertDestructiveAllowed, NO_EXTRA_TARGETS, type DestructivePolicy } from './safety.ts';
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
  /**
   * Contexts, besides targets drillbook created, that destructive scenarios may touch: the config's
   * `allowDestructive` (default: none). The safety gate (scenarios/safety.ts) decides.
   */
  allowDestructive?: DestructivePolicy;
}

export function newRunId(wallNowMs: number): string {
  const stamp = new Date(wallNowMs).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stamp}-${Math.random().toString(36).slice(2, 8)}`;
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
  const policy = options.allowDestructive ?? NO_EXTRA_TARGETS;
  problems.push(...allowListProblems(policy.contexts));
  if (problems.length) throw new InvalidInputError(`scenario '${scenario.id}' for this environment`, problems, { hint: 'nothing was injected' });
  assertDestructiveAllowed(scenario, ports.cluster, policy);
  return profile ? { specs, profile } : { specs };
}

// ---- the run's state: one object, read by every phase ----------------------------------------------------------

/** Instants the measurements are computed from (ms since the run's start; null: not reached). */
interface Marks {
  /** The inject phase began: RTO counts from here. */
  faultAt: number | null;
  /** Every fault is in place: detection counts from here. */
  injectedAt: number | null;
  detectedAt: number | null;
  /** The verify probes were back in tolerance. */
  verifiedAt: number | null;
}

interface ScenarioRun<Env> {
  readonly scenario: Scenario<Env>;
  readonly options: RunScenarioOptions<Env>;
  readonly specs: readonly FaultSpec[];
  readonly profile: LoadProfile | undefined;
  readonly ports: Ports;
  readonly clock: Clock;
  readonly runId: string;
  readonly labels: Labels;
  /** Clock origin of the run: every journal instant is relative to it. */
  readonly origin: number;
  readonly startedAtWall: string;
  /** First interruption: cuts the method (steady state, inject, detect) short. */
  readonly runSignal: AbortSignal;
  /** Second interruption: cuts recovery and verify short; revert has its own signal. */
  readonly cleanupSignal: AbortSignal;
  readonly secrets: Set<string>;
  readonly phases: PhaseRecord[];
  readonly injected: InjectedFault[];
  readonly faults: FaultRecord[];
  readonly findings: Finding[];
  readonly marks: Marks;
  background: { load?: RunningLoad; probe?: RunningDataProbe; loadResult?: LoadResult; dataReport?: DataProbeReport };
  /** The first thing that went wrong with the harness itself (not with the system under test). */
  harnessError: ErrorRecord | undefined;
  /** An InterruptedError surfaced without either signal (a driver's own interruption). */
  interruptedError: boolean;
}

/** Milliseconds since the run's start. */
const rel = <Env>(run: ScenarioRun<Env>): number => Math.round(run.clock.now() - run.origin);

/** Any interruption, at any point of the run, makes it `interrupted`: never a verdict of `met`. */
const interrupted = <Env>(run: ScenarioRun<Env>): boolean => run.runSignal.aborted || run.cleanupSignal.aborted || run.interruptedError;

/** The method (steady state, inject, detect) goes on only while nothing went wrong and nobody interrupted. */
const methodMayGoOn = <Env>(run: ScenarioRun<Env>): boolean => !interrupted(run) && run.harnessError === undefined;

const phaseOf = <Env>(run: ScenarioRun<Env>, name: PhaseName): PhaseRecord | undefined => run.phases.find((p) => p.name === name);

function noteHarnessError<Env>(run: ScenarioRun<Env>, error: unknown): void {
  if (error instanceof InterruptedError || run.runSignal.aborted) run.interruptedError ||= error instanceof InterruptedError;
  else run.harnessError ??= errorRecord(error);
}

function emit<Env>(run: ScenarioRun<Env>, event: RunEvent): void {
  try {
    // Redacted here, where the event is made, so every sink (terminal, NDJSON, suite logs) gets clean text.
    run.options.onEvent?.(redact(event, run.secrets));
  } catch {
    /* a progress display must never break a run */
  }
}

/**
 * Runs one scenario and returns its journal. Reads top to bottom as the lifecycle does: the method (steady state,
 * inject, detect) may stop early; the rollbacks (recover, verify, revert) run whenever a fault was injected.
 */
export async function runScenario<Env>(scenario: Scenario<Env>, options: RunScenarioOptions<Env>): Promise<Journal> {
  const run = startRun(scenario, options, preflight(scenario, options));
  try {
    await startBackground(run);
    await steadyStateBefore(run);
    await injectFaults(run);
    await detect(run);
  } catch (error) {
    noteHarnessError(run, error);
  } finally {
    await recover(run);
    await verify(run);
    await revert(run);
    await stopBackground(run);
  }
  return journalOf(run, measure(run));
}

function startRun<Env>(scenario: Scenario<Env>, options: RunScenarioOptions<Env>, plan: { specs: readonly FaultSpec[]; profile?: LoadProfile }): ScenarioRun<Env> {
  const { ports } = options;
  const clock = ports.clock;
  const runId = options.runId ?? newRunId(clock.wallNow());
  return {
    scenario,
    options,
    specs: plan.specs,
    profile: plan.profile,
    ports,
    clock,
    runId,
    labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: runId, [LABELS.scenario]: scenario.id },
    origin: clock.now(),
    startedAtWall: new Date(clock.wallNow()).toISOString(),
    runSignal: options.signal ?? new AbortController().signal,
    cleanupSignal: options.cleanupSignal ?? new AbortController().signal,
    // A Set passed in is shared, not copied: what a step registers (ctx.secret) reaches the caller's redactor too.
    secrets: options.secrets instanceof Set ? (options.secrets as Set<string>) : new Set<string>(options.secrets ?? []),
    phases: [],
    injected: [],
    faults: [],
    findings: [],
    marks: { faultAt: null, injectedAt: null, detectedAt: null, verifiedAt: null },
    background: {},
    harnessError: undefined,
    interruptedError: false,
  };
}

// ---- the phases, in the order they run ---------------------------------------------------------------------------

async function startBackground<Env>(run: ScenarioRun<Env>): Promise<void> {
  const { ports, profile, labels, runSignal: signal } = run;
  try {
    if (profile && ports.load) run.background.load = await ports.load.start(profile, { labels, signal });
    if (run.scenario.dataProbe && ports.data) run.background.probe = await ports.data.start({ labels, signal });
  } catch (error) {
    noteHarnessError(run, error);
  }
}

/** The hypothesis holds before anything is broken; then the change process's own set-up and the baseline. */
async function steadyStateBefore<Env>(run: ScenarioRun<Env>): Promise<void> {
  if (!methodMayGoOn(run)) return;
  const { scenario, runSignal: signal } = run;
  await phase(run, 'steady-state-before', async (log) => {
    const status = await measureProbes(run, scenario.steadyState, signal, log);
    if (status !== 'passed') return status;
    for (const s of scenario.setup ?? []) {
      const { record } = await step(run, `setup: ${s.name}`, s.timeoutMs, signal, (ctx) => s.run(ctx));
      log(record);
      if (record.status !== 'passed') return record.status === 'interrupted' ? 'interrupted' : 'failed';
    }
    const baseline = scenario.baselineSeconds ?? 0;
    if (baseline === 0) return status;
    const { record } = await step(run, `baseline: ${baseline} s of steady state before the fault`, baseline * 1000 + 5_000, signal, (ctx) => run.clock.sleep(baseline * 1000, ctx.signal));
    log(record);
    return record.status;
  });
}

/** Injects the faults in order; a failed injection stops here (what was injected is still recovered and reverted). */
async function injectFaults<Env>(run: ScenarioRun<Env>): Promise<void> {
  if (!methodMayGoOn(run) || phaseOf(run, 'steady-state-before')?.status !== 'passed') return;
  const { ports, labels, runSignal: signal } = run;
  await phase(run, 'inject', async (log) => {
    run.marks.faultAt = rel(run);
    for (const spec of run.specs) {
      const { record, value, error } = await step(run, `inject ${spec.kind}`, 120_000, signal, async () => ports.faults.inject(spec, { labels, signal }));
      if (value) {
        run.injected.push(value);
        run.faults.push({ id: value.id, spec: value.spec, injectedAtMs: record.endMs });
        emit(run, { type: 'fault-injected', id: value.id, spec, atMs: record.endMs });
        log({ ...record, evidence: [...record.evidence, ...value.evidence.map((e) => ({ ...e, atMs: e.atMs ?? record.endMs }))] });
      } else log(record);
      if (record.status !== 'passed') {
        noteHarnessError(run, error);
        return record.status;
      }
    }
    run.marks.injectedAt = rel(run);
    return 'passed';
  });
}

/** Waits for the system's own signals to show the fault: a watch, or a polled check. */
async function detect<Env>(run: ScenarioRun<Env>): Promise<void> {
  if (!methodMayGoOn(run) || run.marks.injectedAt === null) return;
  const d = run.scenario.detect;
  await phase(run, 'detect', async (log) => {
    const { record } = await step(run, d.name, d.timeoutMs, run.runSignal, async (ctx) => {
      if (d.watch) {
        ctx.evidence('detected', await d.watch(ctx), 'json');
        return;
      }
      const check = d.check!;
      const seen = await waitFor(
        run.clock,
        condition(d.name, async () => {
          const r = await check(ctx);
          return { ok: r.detected, value: r.value };
        }),
        { timeoutMs: Number.POSITIVE_INFINITY, intervalMs: d.intervalMs ?? 250, signal: ctx.signal },
      );
      ctx.evidence('detected', seen, 'json');
    });
    log(record);
    if (record.status === 'passed') run.marks.detectedAt = record.endMs;
    return record.status;
  });
}

/**
 * The runbook, always once anything was injected, under the cleanup signal: a first interruption lets it finish,
 * a second one cuts it short. After a failed step the rest are skipped (recorded as such).
 */
async function recover<Env>(run: ScenarioRun<Env>): Promise<void> {
  if (run.injected.length === 0) return;
  await phase(run, 'recover', async (log) => {
    let status: StepStatus = 'passed';
    for (const s of run.scenario.recover) {
      if (status !== 'passed') {
        log({ name: s.name, startMs: rel(run), endMs: rel(run), status: 'skipped', timeoutMs: s.timeoutMs, evidence: [] });
        continue;
      }
      const { record } = await step(run, s.name, s.timeoutMs, run.cleanupSignal, (ctx) => s.run(ctx));
      log(s.runbookRef ? { ...record, evidence: [{ kind: 'text', label: 'runbook', value: s.runbookRef, atMs: record.startMs }, ...record.evidence] } : record);
      status = record.status;
    }
    return status;
  });
}

/**
 * Polls the probes back into tolerance (no waiting when recovery failed: one look), then observes. Skipped when
 * the run was interrupted, and cut short by either signal: the user asked to stop, only the revert is left.
 */
async function verify<Env>(run: ScenarioRun<Env>): Promise<void> {
  if (run.injected.length === 0 || interrupted(run)) return;
  const { scenario, clock } = run;
  const signal = AbortSignal.any([run.runSignal, run.cleanupSignal]);
  const probes = scenario.verify ?? scenario.steadyState;
  const timeoutMs = phaseOf(run, 'recover')?.status !== 'passed' ? 0 : scenario.verifyTimeoutMs ?? 60_000;
  await phase(run, 'verify', async (log) => {
    const deadline = clock.now() + timeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      const attemptSteps: StepRecord[] = [];
      const status = await measureProbes(run, probes, signal, (r) => attemptSteps.push(r), attemptPrefix(attempt));
      if (status === 'passed' || status === 'interrupted' || clock.now() >= deadline) {
        attemptSteps.forEach(log); // only the attempt that settled is kept
        if (status !== 'passed') return status;
        run.marks.verifiedAt = rel(run);
        const observe = scenario.observeSeconds ?? 0;
        if (observe === 0) return status;
        const { record } = await step(run, `observe: ${observe} s after recovery`, observe * 1000 + 5_000, signal, (ctx) => clock.sleep(observe * 1000, ctx.signal));
        log(record);
        return record.status === 'interrupted' ? 'passed' : record.status; // cut short by Ctrl-C: still verified
      }
      await clock.sleep(Math.min(1_000, Math.max(0, deadline - clock.now())), signal);
    }
  });
}

/** The safety net: every injected fault, newest first, even after a failed recovery, on a signal of its own. */
async function revert<Env>(run: ScenarioRun<Env>): Promise<void> {
  if (run.injected.length === 0) return;
  await phase(run, 'revert', async (log) => {
    let status: StepStatus = 'passed';
    for (const fault of [...run.injected].reverse()) {
      // Revert gets its own signal: a second interrupt must not leave the fault in place.
      const revertCtl = new AbortController();
      const { record, value, error } = await step(run, `revert ${fault.spec.kind} (${fault.id})`, run.options.revertTimeoutMs ?? 120_000, revertCtl.signal, () => fault.revert({ signal: revertCtl.signal }));
      log(value ? { ...record, evidence: [...record.evidence, ...value] } : record);
      const idx = run.faults.findIndex((f) => f.id === fault.id);
      const fr = run.faults[idx]!;
      if (record.status === 'passed') {
        run.faults[idx] = { ...fr, revertedAtMs: record.endMs };
        emit(run, { type: 'fault-reverted', id: fault.id, atMs: record.endMs });
        continue;
      }
      const err = errorRecord(error);
      run.faults[idx] = { ...fr, revertError: err };
      emit(run, { type: 'fault-reverted', id: fault.id, atMs: record.endMs, error: err });
      run.harnessError ??= {
        name: 'RevertFailed',
        message: `could not revert fault ${fault.id} (${fault.spec.kind}): ${err.message}`,
        hint: 'the target may still be broken: run `drillbook gc` and check it by hand',
      };
      status = 'failed';
    }
    return status;
  });
}

async function stopBackground<Env>(run: ScenarioRun<Env>): Promise<void> {
  const { background: bg, cleanupSignal: signal } = run;
  try {
    if (bg.load) bg.loadResult = await bg.load.stop({ signal });
    for (const detail of bg.loadResult?.warnings ?? []) run.findings.push({ severity: 'warning', title: `load generator: ${bg.loadResult!.profile}`, detail });
  } catch (error) {
    run.harnessError ??= errorRecord(error);
  }
  try {
    if (bg.probe) bg.dataReport = await bg.probe.stop({ signal });
  } catch (error) {
    run.harnessError ??= errorRecord(error);
  }
}

/** Detection, every RTO that can be computed (verify, data probe, load) and the RPO, judged against the objectives. */
function measure<Env>(run: ScenarioRun<Env>): { measurements: Measurements; objectives: readonly ObjectiveResult[] } {
  const { marks, origin, profile, scenario } = run;
  const { loadResult, dataReport } = run.background;
  const rtoCandidates: Partial<Record<RtoSource, number>> = {};
  if (marks.faultAt !== null) {
    if (marks.verifiedAt !== null) rtoCandidates.verify = marks.verifiedAt - marks.faultAt;
    if (dataReport) {
      const v = computeDataRto(dataReport, marks.faultAt + origin);
      if (v !== null) rtoCandidates['data-probe'] = Math.round(v);
    }
    if (loadResult && profile) {
      const at = findRecoveredAt(loadResult.series, {
        afterMs: marks.faultAt + origin,
        windowSeconds: run.options.recoveryWindowSeconds ?? 10,
        thresholds: profile.thresholds,
      });
      if (at !== null) rtoCandidates.load = Math.max(0, Math.round(at - origin - marks.faultAt));
    }
  }
  const rpo = dataReport ? computeRpo(dataReport) : null;
  const measurements: Measurements = {
    detectionMs: marks.detectedAt !== null && marks.injectedAt !== null ? marks.detectedAt - marks.injectedAt : null,
    rto: chooseRto(rtoCandidates, scenario.objectives.rtoSource),
    rtoCandidates,
    rpo: rpo ? { valueMs: Math.round(rpo.valueMs), lostWrites: rpo.lostWrites, acknowledgedWrites: rpo.acknowledgedWrites } : null,
  };
  return { measurements, objectives: evaluateObjectives(scenario.objectives, measurements, loadResult) };
}

/** Status and verdict from the phases' outcomes, and the journal, redacted. */
function journalOf<Env>(run: ScenarioRun<Env>, { measurements, objectives }: ReturnType<typeof measure<Env>>): Journal {
  const { scenario, ports } = run;
  const failedPhase = (name: PhaseName) => {
    const s = phaseOf(run, name)?.status;
    return s !== undefined && s !== 'passed' && s !== 'interrupted';
  };
  // Steady state did not hold: before the fault (nothing injected), or after recovery.
  const deviated = failedPhase('steady-state-before') || failedPhase('verify');
  const recoveryFailed = phaseOf(run, 'recover') !== undefined && phaseOf(run, 'recover')!.status !== 'passed';
  const wasInterrupted = interrupted(run);
  const status: RunStatus = wasInterrupted ? 'interrupted' : run.harnessError ? 'failed' : deviated && run.marks.injectedAt === null ? 'aborted' : 'completed';
  const verdict = verdictOf(status, deviated || recoveryFailed || failedPhase('detect'), objectives);
  const { loadResult, dataReport } = run.background;
  const journal: Journal = {
    schemaVersion: JOURNAL_SCHEMA_VERSION,
    runId: run.runId,
    ...(run.options.suite ? { suite: run.options.suite } : {}),
    scenario: scenarioHeader(scenario),
    ...(ports.cluster ? { target: { name: ports.cluster.name, context: ports.cluster.context, provider: ports.cluster.provider } } : {}),
    startedAtWall: run.startedAtWall,
    durationMs: rel(run),
    status,
    deviated,
    verdict,
    phases: run.phases,
    faults: run.faults,
    measurements,
    objectives,
    ...(loadResult ? { load: rebaseLoad(loadResult, run.origin) } : {}),
    ...(dataReport ? { data: rebaseData(dataReport, run.origin) } : {}),
    findings: run.findings,
    ...(wasInterrupted
      ? { error: { name: 'Interrupted', message: 'the run was interrupted; recovery and revert ran', hint: 'run `drillbook gc` if a revert failed' } }
      : run.harnessError
        ? { error: run.harnessError }
        : {}),
  };
  return redact(journal, run.secrets);
}

function scenarioHeader<Env>(scenario: Scenario<Env>): Journal['scenario'] {
  return {
    id: scenario.id,
    title: scenario.title,
    ...(scenario.runbookRef ? { runbookRef: scenario.runbookRef } : {}),
    tags: [...(scenario.tags ?? [])],
    destructive: scenario.destructive,
  };
}

/**
 * The journal of a scenario the suite never started (it was interrupted first): listed as `not-run`, its objectives
 * unmeasured, so a report shows it instead of leaving it out.
 */
export function notRunJournal<Env>(
  scenario: Scenario<Env>,
  options: { runId: string; suite?: string; wallNowMs: number; target?: Ports['cluster']; reason: string; hint?: string; /** default 'NotRun' (interrupted); ENVIRONMENT_FAILED when its environment failed */ errorName?: string },
): Journal {
  return unrunJournal('not-run', scenario, { ...options, error: { name: options.errorName ?? 'NotRun', message: `not run: ${options.reason}`, ...(options.hint ? { hint: options.hint } : {}) } });
}

/**
 * The journal of a scenario the stack cannot run (scenarios/plan.ts): listed as `skipped` with the reason, its
 * objectives unmeasured and its verdict inconclusive, so it is neither left out nor counted as a pass.
 */
export function skippedJournal<Env>(
  scenario: Scenario<Env>,
  options: { runId: string; suite?: string; wallNowMs: number; target?: Ports['cluster']; reason: string; hint?: string },
): Journal {
  return unrunJournal('skipped', scenario, { ...options, error: { name: SKIPPED, message: options.reason, ...(options.hint ? { hint: options.hint } : {}) } });
}

function unrunJournal<Env>(
  status: Extract<RunStatus, 'not-run' | 'skipped'>,
  scenario: Scenario<Env>,
  options: { runId: string; suite?: string; wallNowMs: number; target?: Ports['cluster']; error: NonNullable<Journal['error']> },
): Journal {
  const measurements: Measurements = { detectionMs: null, rto: null, rtoCandidates: {}, rpo: null };
  const objectives = evaluateObjectives(scenario.objectives, measurements, undefined);
  return {
    schemaVersion: JOURNAL_SCHEMA_VERSION,
    runId: options.runId,
    ...(options.suite ? { suite: options.suite } : {}),
    scenario: scenarioHeader(scenario),
    ...(options.target ? { target: { name: options.target.name, context: options.target.context, provider: options.target.provider } } : {}),
    startedAtWall: new Date(options.wallNowMs).toISOString(),
    durationMs: 0,
    status,
    deviated: false,
    verdict: verdictOf(status, false, objectives),
    phases: [],
    faults: [],
    measurements,
    objectives,
    findings: [],
    error: options.error,
  };
}

// ---- phases and steps: timing, timeouts, signals, progress ------------------------------------------------------

/** Hands each finished step to the phase record, and streams it as progress at once (a recovery can take minutes). */
type StepLog = (record: StepRecord) => void;

async function phase<Env>(run: ScenarioRun<Env>, name: PhaseName, body: (log: StepLog) => Promise<StepStatus>): Promise<PhaseRecord> {
  const steps: StepRecord[] = [];
  const log: StepLog = (record) => {
    steps.push(record);
    emit(run, { type: 'step-end', phase: name, step: record });
  };
  const startMs = rel(run);
  emit(run, { type: 'phase-start', phase: name, atMs: startMs });
  let status: StepStatus;
  let error: ErrorRecord | undefined;
  try {
    status = await body(log);
  } catch (e) {
    status = run.runSignal.aborted && !(name === 'recover' || name === 'revert') ? 'interrupted' : 'errored';
    error = errorRecord(e);
  }
  const record: PhaseRecord = { name, startMs, endMs: rel(run), status, steps, ...(error ? { error } : {}) };
  run.phases.push(record);
  emit(run, { type: 'phase-end', phase: name, status, atMs: record.endMs });
  return record;
}

/** One timed step (scenarios/step.ts) with the scenario's context around the step's own signal and evidence. */
function step<Env, T>(run: ScenarioRun<Env>, name: string, timeoutMs: number, signal: AbortSignal, fn: (ctx: ScenarioContext<Env>) => Promise<T>): Promise<StepOutcome<T>> {
  const context = (stepSignal: AbortSignal, evidence: AddEvidence): ScenarioContext<Env> => ({
    env: run.options.env,
    ports: run.ports,
    clock: run.clock,
    runId: run.runId,
    scenarioId: run.scenario.id,
    labels: run.labels,
    signal: stepSignal,
    faults: run.injected,
    evidence: (label, value, kind = 'text') => evidence(kind, label, value),
    finding: (f) => run.findings.push(f),
    secret: (v) => run.secrets.add(v),
  });
  return runStep({ name, timeoutMs, signal, clock: run.clock, at: () => rel(run), context }, fn);
}

/** Measure every probe once; 'passed' only when all are within tolerance. A probe that throws has deviated. */
async function measureProbes<Env>(run: ScenarioRun<Env>, probes: readonly Probe<Env>[], signal: AbortSignal, log: StepLog, label = ''): Promise<StepStatus> {
  let all: StepStatus = 'passed';
  for (const probe of probes) {
    const { record, value, error } = await step(run, `${label}${probe.name}`, probe.timeoutMs ?? 10_000, signal, (ctx) => probe.measure(ctx));
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
    log({ ...record, status, evidence });
    if (status !== 'passed') all = status === 'interrupted' ? 'interrupted' : all === 'interrupted' ? all : 'failed';
    if (status === 'interrupted') break;
  }
  return all;
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
