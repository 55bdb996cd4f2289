// A suite composes scenarios with the environment they run in (the composition root: the one place that picks
// drivers for the ports) and writes one journal per scenario.
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defineScenario, type Objectives, type Scenario } from '../scenarios/define.ts';
import { DrillbookError, InterruptedError, InvalidInputError } from '../scenarios/errors.ts';
import { Redactor, type Journal } from '../scenarios/journal.ts';
import type { Ports } from '../scenarios/ports.ts';
import { newRunId, notRunJournal, preflight, runScenario, skippedJournal, type RunEvent } from '../scenarios/runner.ts';
import { descriptionField, planAgainst, type SkippedScenario, type StackFacts } from '../scenarios/plan.ts';
import { buildSuiteReport, type SuiteReport } from '../reports/suite-report.ts';
import { writeReports, type WrittenReports } from '../reports/write-reports.ts';
import type { Config } from '../tools/config/config.ts';
import { registerActiveRun } from '../tools/state/active-runs.ts';
import { ENVIRONMENT_FAILED, type ReadinessResult } from '../scenarios/decision.ts';
import { withRunbookCheck } from '../scenarios/runbook.ts';
import { loadRunbookDocuments } from '../tools/runbooks/runbook-documents.ts';

/** What `doctor` checks before a suite runs. */
export type Requirement = 'node' | 'docker' | 'k6' | 'kind' | 'kubectl' | 'images';

export interface SuiteItem {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the item pairs a scenario with its own env type
  readonly scenario: Scenario<any>;
  readonly env: unknown;
  readonly ports: Ports;
  /**
   * Why this environment cannot run the scenario (it needs something the environment lacks): it is then not run
   * and reported as skipped with this reason (NO-GO, never a pass), instead of being left out.
   */
  readonly skip?: string;
  /** What to do about the skip (set when the stack description lacks a component the drill needs). */
  readonly skipHint?: string;
}

export interface PreparedSuite extends AsyncDisposable {
  readonly items: readonly SuiteItem[];
  /** Secret values the environment handles (DB passwords...): redacted from every output. */
  readonly secrets: readonly string[];
  /** Readiness checks (sign-off), evaluated after the scenarios against the same environment. */
  readiness?(signal: AbortSignal): Promise<readonly ReadinessResult[]>;
  /**
   * The stack description the items drill (the config's `stack:` when the environment was built from it).
   * Scenarios needing what it lacks are skipped with the reason (scenarios/plan.ts). Leave out for drillbook's
   * own reference stack, which has every component.
   */
  readonly stack?: StackFacts;
}

export interface SuiteContext {
  readonly config: Config;
  readonly runId: string;
  /** The run's evidence folder (<reports.outDir>/runs/<runId>); drivers keep their artifacts under it. */
  readonly outDir: string;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** Register a secret value as soon as it exists (before it can be logged): redacted from every output. */
  readonly secret: (value: string) => void;
}

/**
 * One environment of a suite that needs several, one after the other (never two at once): the group's environment
 * is prepared when its first selected scenario is about to run and disposed after its last one. A group whose
 * environment cannot be prepared (or one after an environment that could not be torn down) lists its scenarios as
 * `not-run` with the reason; the next groups still run.
 */
export interface SuiteGroup {
  /** Names the environment in logs, not-run reasons and the run's environment timings. */
  readonly name: string;
  /** The group's scenarios, in run order; prepare() returns items for (a subset of) them. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each group pairs scenarios with its own env type
  readonly scenarios: readonly Scenario<any>[];
  prepare(ctx: SuiteContext): Promise<PreparedSuite>;
}

/** What is known about each environment a run prepared (or could not): the bench prints the set-up wall times. */
export interface EnvironmentRecord {
  readonly name: string;
  /** The selected scenarios that were to run on it. */
  readonly scenarios: readonly string[];
  readonly status: 'ready' | 'failed' | 'not-started';
  /** Wall time of prepare(), ready or failed; null when it was not started. */
  readonly setupMs: number | null;
  /** Wall time of the disposal (grouped suites; a single environment is disposed after the reports). */
  readonly disposeMs?: number;
  /** Why it failed or was not started, or why its disposal failed. */
  readonly error?: string;
}

interface SuiteBase {
  readonly name: string;
  readonly description: string;
  /** Wall-time budget; exceeding it is reported (nightly must stay fast). */
  readonly budgetSeconds?: number;
  readonly requires: readonly Requirement[];
  /** The ids of the scenarios prepare() returns, known without preparing: `--only` is checked against them first. */
  readonly scenarios: readonly string[];
  /** What this suite cannot run with, checked before anything is created (the provider it needs, say); one line each. */
  check?(config: Config): readonly string[];
}

/**
 * A suite runs in one environment (prepare, before its first scenario, disposed after the reports) or in ordered
 * groups of (environment, scenarios), each prepared lazily and disposed after its last scenario (see SuiteGroup).
 */
export type SuiteDefinition =
  | (SuiteBase & { prepare(ctx: SuiteContext): Promise<PreparedSuite>; readonly groups?: undefined })
  | (SuiteBase & { readonly groups: readonly SuiteGroup[]; readonly prepare?: undefined });

/** The scenario ids of a grouped suite, in run order (its `scenarios`). */
export function groupScenarioIds(groups: readonly SuiteGroup[]): string[] {
  return groups.flatMap((g) => g.scenarios.map((s) => s.id));
}

export type SuiteEvent = RunEvent | { type: 'scenario-start'; scenario: string } | { type: 'scenario-end'; journal: Journal } | { type: 'log'; line: string };

export interface SuiteRunOptions {
  config: Config;
  only?: readonly string[];
  signal?: AbortSignal;
  cleanupSignal?: AbortSignal;
  onEvent?: (event: SuiteEvent) => void;
  runId?: string;
}

export interface SuiteRun {
  readonly suite: string;
  readonly runId: string;
  readonly journals: readonly Journal[];
  readonly report: SuiteReport;
  readonly written: WrittenReports;
  readonly outDir: string;
  readonly wallMs: number;
  readonly budgetSeconds?: number;
  readonly exitCode: 0 | 1 | 2 | 130;
  /** Each environment the run needed, in order, with its set-up wall time. */
  readonly environments: readonly EnvironmentRecord[];
}

/** Apply the config's per-scenario objective overrides (validated again). */
export function withObjectives<Env>(scenario: Scenario<Env>, overrides: Objectives | undefined): Scenario<Env> {
  if (!overrides) return scenario;
  const { __validated: _, ...def } = scenario;
  return defineScenario<Env>({ ...def, objectives: { ...scenario.objectives, ...overrides } });
}

/** What can be checked about a suite run without touching anything: throws InvalidInputError, creates nothing. */
export function checkSuiteRun(suite: Pick<SuiteBase, 'name' | 'scenarios' | 'check'> & { readonly groups?: readonly SuiteGroup[] | undefined }, only: readonly string[] | undefined, config?: Config): void {
  if (suite.groups) {
    // a harness defect, not bad input: the declared ids and the groups' scenarios disagree
    const grouped = groupScenarioIds(suite.groups);
    const undeclared = grouped.filter((id) => !suite.scenarios.includes(id));
    const ungrouped = suite.scenarios.filter((id) => !grouped.includes(id));
    const twice = grouped.filter((id, i) => grouped.indexOf(id) !== i);
    if (undeclared.length || ungrouped.length || twice.length) {
      throw new DrillbookError(`suite ${suite.name}: its groups and its declared 'scenarios' disagree (in a group, undeclared: ${undeclared.join(', ') || '-'}; declared, in no group: ${ungrouped.join(', ') || '-'}; in two groups: ${twice.join(', ') || '-'})`);
    }
  }
  const problems = config && suite.check ? suite.check(config) : [];
  if (problems.length) throw new InvalidInputError(`the config for suite ${suite.name}`, problems, { hint: 'nothing was started' });
  const unknown = (only ?? []).filter((id) => !suite.scenarios.includes(id));
  if (unknown.length) {
    throw new InvalidInputError(
      '--only',
      unknown.map((id) => `'${cut(id)}' is not in suite ${suite.name}; it has: ${suite.scenarios.join(', ')}`),
      { hint: 'nothing was started' },
    );
  }
}

const cut = (s: string, max = 80) => (s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s);

export async function runSuite(suite: SuiteDefinition, options: SuiteRunOptions): Promise<SuiteRun> {
  checkSuiteRun(suite, options.only, options.config);
  const started = performance.now();
  const startedAtWall = new Date().toISOString();
  const runId = options.runId ?? newRunId(Date.now());
  const signal = options.signal ?? new AbortController().signal;
  // One redactor for the run: log lines, suite events and errors leave through it (runner events are redacted
  // by the runner, journals by the runner and again by the report writer).
  const redactor = new Redactor();
  const emit = (e: SuiteEvent) => options.onEvent?.(redactor.value(e));
  const outDir = resolve(options.config.reports.outDir, 'runs', runId); // absolute: drivers mount it into containers
  // Loaded before anything runs: a wrong runbooks.dir is bad input, reported before any fault lands.
  const runbooks = loadRunbookDocuments(options.config.runbooks.dir);
  try {
    await mkdir(outDir, { recursive: true }); // async: a path that blocks cannot block signal handling
    return await runPrepared(suite, options, { started, startedAtWall, runId, signal, redactor, emit, outDir, runbooks });
  } catch (error) {
    // An error message is output too (stderr, CI logs): it leaves without the run's secrets.
    if (error instanceof Error && redactor.size) {
      error.message = redactor.text(error.message);
      if (error instanceof DrillbookError && error.hint) Object.assign(error, { hint: redactor.text(error.hint) });
      if (error.stack) error.stack = redactor.text(error.stack);
    }
    throw error;
  }
}

/** A Set of secrets that also registers each value with the run's redactor (the runner shares a Set it is given). */
class RegisteringSet extends Set<string> {
  readonly #redactor: Redactor;
  constructor(redactor: Redactor, initial: Iterable<string>) {
    super();
    this.#redactor = redactor;
    for (const s of initial) this.add(s);
  }
  override add(value: string): this {
    this.#redactor?.add(value);
    return super.add(value);
  }
}

interface RunState {
  started: number;
  startedAtWall: string;
  runId: string;
  signal: AbortSignal;
  redactor: Redactor;
  emit: (e: SuiteEvent) => void;
  outDir: string;
  runbooks: ReturnType<typeof loadRunbookDocuments>;
}

async function runPrepared(suite: SuiteDefinition, options: SuiteRunOptions, { started, startedAtWall, runId, signal, redactor, emit, outDir, runbooks }: RunState): Promise<SuiteRun> {
  using _active = registerActiveRun(runId); // gc (in any checkout) leaves this run's containers alone
  // A single environment is disposed after the reports (as it always was); a group's right after its last scenario.
  await using single = new AsyncDisposableStack();
  const preparedAll: PreparedSuite[] = []; // every environment prepared so far: its secrets stay redacted after it is gone
  const secrets = () => preparedAll.flatMap((p) => p.secrets);
  const ctx: SuiteContext = { config: options.config, runId, outDir, signal, log: (line) => emit({ type: 'log', line }), secret: (v) => redactor.add(v) };
  const journals: Journal[] = [];
  const environments: EnvironmentRecord[] = [];
  const readiness: ReadinessResult[] = [];
  let readinessNotRun = false;
  const keep = (journal: Journal) => {
    redactor.addAll(secrets()); // a suite may learn secrets while it runs (signoff's cluster snapshot)
    const safe = redactor.value(journal);
    journals.push(safe);
    writeFileSync(join(outDir, `${safe.scenario.id}.journal.json`), `${JSON.stringify(safe, null, 2)}\n`);
    emit({ type: 'scenario-end', journal: safe });
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any scenario of the suite
  const notRun = (scenario: Scenario<any>, reason: string, how: { target?: Ports['cluster']; environmentFailed?: boolean } = {}) =>
    keep(notRunJournal(scenario, { runId, suite: suite.name, wallNowMs: Date.now(), ...(how.target ? { target: how.target } : {}), reason, hint: `run it again: drillbook run ${suite.name} --only ${scenario.id}`, ...(how.environmentFailed ? { errorName: ENVIRONMENT_FAILED } : {}) }));
  const adopt = (prepared: PreparedSuite, scenarioIds: readonly string[]) => {
    preparedAll.push(prepared);
    redactor.addAll(prepared.secrets);
    const strays = prepared.items.filter((i) => !scenarioIds.includes(i.scenario.id)).map((i) => i.scenario.id);
    if (strays.length) throw new DrillbookError(`suite ${suite.name} prepared scenarios it does not declare in 'scenarios': ${strays.join(', ')}`);
  };
  const runItems = async (prepared: PreparedSuite, items: readonly SuiteItem[]) => {
    for (const item of items) {
      if (signal.aborted) {
        // Interrupted: the rest are listed as not run, not left out (a report that lists 1 of 4 must not look whole).
        notRun(item.scenario, 'the suite was interrupted before this scenario started', { target: item.ports.cluster });
        continue;
      }
      if (item.skip !== undefined) {
        // The environment or the stack lacks what the drill needs: listed as skipped with the reason, never run, never a pass.
        emit({ type: 'log', line: `skipping ${item.scenario.id}: ${item.skip}` });
        keep(skippedJournal(item.scenario, { runId, suite: suite.name, wallNowMs: Date.now(), target: item.ports.cluster, reason: item.skip, ...(item.skipHint ? { hint: item.skipHint } : {}) }));
        continue;
      }
      emit({ type: 'scenario-start', scenario: item.scenario.id });
      const ran = await runScenario(item.scenario, {
        ports: item.ports,
        env: item.env,
        runId,
        suite: suite.name,
        signal,
        ...(options.cleanupSignal ? { cleanupSignal: options.cleanupSignal } : {}),
        secrets: new RegisteringSet(redactor, prepared.secrets), // a step's ctx.secret reaches the suite's log lines too
        allowDestructive: options.config.allowDestructive,
        onEvent: emit,
      });
      // Runbook drift: the journal records the fingerprint of the sections followed, and a finding if they changed.
      keep(withRunbookCheck(ran, item.scenario, runbooks));
    }
    if (prepared.readiness !== undefined && signal.aborted) readinessNotRun = true;
    else if (prepared.readiness) readiness.push(...(await prepared.readiness(signal)));
  };

  if (suite.groups) {
    await runGroups(suite, suite.groups, options.only, { ctx, signal, emit, environments, notRun, adopt, runItems, config: options.config });
  } else {
    emit({ type: 'log', line: `preparing suite ${suite.name} (run ${runId})` });
    const t0 = performance.now();
    const prepared = single.use(await prepare(suite.name, suite.prepare.bind(suite), ctx));
    environments.push({ name: suite.name, scenarios: prepared.items.map((i) => i.scenario.id), status: 'ready', setupMs: Math.round(performance.now() - t0) });
    adopt(prepared, suite.scenarios);
    await runItems(prepared, selected(prepared, options.config, options.only, suite.name));
  }
  redactor.addAll(secrets());
  const report = buildSuiteReport({ suite: suite.name, runId, startedAtWall, journals, readiness, interrupted: signal.aborted, readinessNotRun });
  const written = await writeReports(report, { outDir: options.config.reports.outDir, secrets: secrets() });
  const undisposed = environments.filter((e) => e.status === 'ready' && e.error);
  if (undisposed.length) {
    // the reports are written; a teardown that failed is still a harness error (something may be left running)
    throw new DrillbookError(`suite ${suite.name}: ${undisposed.map((e) => `environment ${e.name}: ${e.error}`).join('; ')}`, { hint: `the reports are in ${written.markdown}; run \`drillbook gc\` to remove what was left` });
  }
  return {
    suite: suite.name,
    runId,
    journals,
    report,
    written,
    outDir,
    wallMs: Math.round(performance.now() - started),
    ...(suite.budgetSeconds ? { budgetSeconds: suite.budgetSeconds } : {}),
    exitCode: report.exitCode,
    environments,
  };
}

interface GroupRun {
  ctx: SuiteContext;
  signal: AbortSignal;
  emit: (e: SuiteEvent) => void;
  environments: EnvironmentRecord[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any scenario of the suite
  notRun: (scenario: Scenario<any>, reason: string, how?: { environmentFailed?: boolean }) => void;
  adopt: (prepared: PreparedSuite, scenarioIds: readonly string[]) => void;
  runItems: (prepared: PreparedSuite, items: readonly SuiteItem[]) => Promise<void>;
  config: Config;
}

/**
 * Ordered groups, one environment at a time: prepared when its first selected scenario is next, disposed after its
 * last. A group with no selected scenario is not prepared. A failed preparation (or a failed teardown, which
 * blocks every later environment: two must never run at once) lists the scenarios concerned as `not-run`.
 */
async function runGroups(suite: SuiteDefinition, groups: readonly SuiteGroup[], only: readonly string[] | undefined, run: GroupRun): Promise<void> {
  const { ctx, signal, emit, environments, notRun, adopt, runItems, config } = run;
  let blocked: string | undefined; // why no further environment may start
  for (const group of groups) {
    const scenarios = group.scenarios.filter((s) => !only?.length || only.includes(s.id));
    if (!scenarios.length) continue;
    const ids = scenarios.map((s) => s.id);
    // not-run: interrupted (exit 130), or its environment failed (a harness error, exit 2); never GO either way
    const skip = (reason: string, record: Omit<EnvironmentRecord, 'name' | 'scenarios'>, environmentFailed = !signal.aborted) => {
      environments.push({ name: group.name, scenarios: ids, ...record });
      emit({ type: 'log', line: `environment ${group.name}: ${reason}` });
      for (const scenario of scenarios) notRun(scenario, reason, { environmentFailed });
    };
    if (signal.aborted) {
      skip(`the suite was interrupted before environment ${group.name} was prepared`, { status: 'not-started', setupMs: null });
      continue;
    }
    if (blocked) {
      skip(blocked, { status: 'not-started', setupMs: null, error: blocked });
      continue;
    }
    emit({ type: 'log', line: `preparing environment ${group.name} of suite ${suite.name} (run ${ctx.runId}) for ${ids.join(', ')}` });
    const t0 = performance.now();
    let prepared: PreparedSuite;
    let items: SuiteItem[];
    try {
      prepared = await group.prepare(ctx);
    } catch (error) {
      const setupMs = Math.round(performance.now() - t0);
      const why = signal.aborted ? `the suite was interrupted while environment ${group.name} was being prepared` : `environment ${group.name} could not be prepared: ${describe(error)}`;
      skip(why, { status: 'failed', setupMs, error: describe(error) });
      continue;
    }
    const setupMs = Math.round(performance.now() - t0);
    emit({ type: 'log', line: `environment ${group.name} ready in ${(setupMs / 1000).toFixed(1)} s` });
    let disposeMs: number | undefined;
    let disposeError: string | undefined;
    try {
      try {
        adopt(prepared, group.scenarios.map((s) => s.id)); // it may prepare all of its scenarios; --only picks among them
        items = selected(prepared, config, ids, suite.name);
      } catch (error) {
        // its scenarios cannot run on what was prepared (a harness defect, or a fault/load the environment refuses)
        skip(`environment ${group.name} was prepared but its scenarios cannot run on it: ${describe(error)}`, { status: 'failed', setupMs, error: describe(error) });
        continue;
      }
      const missing = scenarios.filter((s) => !items.some((i) => i.scenario.id === s.id));
      await runItems(prepared, items);
      for (const scenario of missing) notRun(scenario, `environment ${group.name} did not provide it`, { environmentFailed: true });
      environments.push({ name: group.name, scenarios: ids, status: 'ready', setupMs });
    } finally {
      const d0 = performance.now();
      try {
        await prepared[Symbol.asyncDispose]();
      } catch (error) {
        disposeError = `its teardown failed: ${describe(error)}`;
      }
      disposeMs = Math.round(performance.now() - d0);
      const at = environments.findIndex((e) => e.name === group.name && e.scenarios === ids);
      if (at >= 0) environments[at] = { ...environments[at]!, disposeMs, ...(disposeError ? { error: disposeError } : {}) };
      if (disposeError) {
        blocked = `environment ${group.name} could not be torn down (${disposeError}); no later environment was started, so that two never run at once`;
        emit({ type: 'log', line: blocked });
      }
    }
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The suite's start-up. A signal during it is an interruption (exit 130), whatever error the aborted work threw. */
async function prepare(name: string, start: (ctx: SuiteContext) => Promise<PreparedSuite>, ctx: SuiteContext): Promise<PreparedSuite> {
  try {
    return await start(ctx);
  } catch (error) {
    if (!ctx.signal.aborted && !(error instanceof InterruptedError)) throw error; // a harness error
    throw new InterruptedError(`suite ${name} interrupted during start-up; no scenario ran`, { cause: error, hint: 'what start-up had created was torn down; run `drillbook gc` if anything was left' });
  }
}

/**
 * The items to run (all, or those --only names), planned against the stack the suite drills (what it lacks is
 * skipped), each one to run checked as the runner would (scenario, fault specs, load profile, safety gate) before
 * the first one starts: a problem with the fourth must not surface after three ran.
 */
function selected(prepared: PreparedSuite, config: Config, only: readonly string[] | undefined, suite: string): SuiteItem[] {
  // --only was checked against the suite's declared scenarios before anything was created (checkSuiteRun)
  const items = prepared.items
    .filter((item) => !only?.length || only.includes(item.scenario.id))
    .map((item) => ({ ...item, scenario: withObjectives(item.scenario, config.objectives[item.scenario.id]) }));
  const plan = planAgainst(prepared.stack, items.map((i) => i.scenario));
  const skipped = new Map<string, SkippedScenario<unknown>>(plan.skipped.map((s) => [s.scenario.id, s]));
  const planned = items.map((item): SuiteItem => {
    const skip = skipped.get(item.scenario.id);
    return skip && item.skip === undefined ? { ...item, skip: skip.reason, skipHint: skipHint(skip, suite) } : item;
  });
  for (const item of planned) if (item.skip === undefined) preflight(item.scenario, { ports: item.ports, env: item.env, allowDestructive: config.allowDestructive });
  return planned;
}

function skipHint(skip: SkippedScenario<unknown>, suite: string): string {
  return `describe ${skip.missing.map(descriptionField).join(', ')} in drillbook.yaml's stack section, or leave the drill out on purpose: drillbook run ${suite} --only <the other scenarios>`;
}
