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
import type { ReadinessResult } from '../scenarios/decision.ts';
import { withRunbookCheck } from '../scenarios/runbook.ts';
import { loadRunbookDocuments } from '../tools/runbooks/runbook-documents.ts';

/** What `doctor` checks before a suite runs. */
export type Requirement = 'node' | 'docker' | 'k6' | 'kind' | 'kubectl' | 'images';

export interface SuiteItem {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the item pairs a scenario with its own env type
  readonly scenario: Scenario<any>;
  readonly env: unknown;
  readonly ports: Ports;
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

export interface SuiteDefinition {
  readonly name: string;
  readonly description: string;
  /** Wall-time budget; exceeding it is reported (nightly must stay fast). */
  readonly budgetSeconds?: number;
  readonly requires: readonly Requirement[];
  /** The ids of the scenarios prepare() returns, known without preparing: `--only` is checked against them first. */
  readonly scenarios: readonly string[];
  /** What this suite cannot run with, checked before anything is created (the provider it needs, say); one line each. */
  check?(config: Config): readonly string[];
  prepare(ctx: SuiteContext): Promise<PreparedSuite>;
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
}

/** Apply the config's per-scenario objective overrides (validated again). */
export function withObjectives<Env>(scenario: Scenario<Env>, overrides: Objectives | undefined): Scenario<Env> {
  if (!overrides) return scenario;
  const { __validated: _, ...def } = scenario;
  return defineScenario<Env>({ ...def, objectives: { ...scenario.objectives, ...overrides } });
}

/** What can be checked about a suite run without touching anything: throws InvalidInputError, creates nothing. */
export function checkSuiteRun(suite: Pick<SuiteDefinition, 'name' | 'scenarios' | 'check'>, only: readonly string[] | undefined, config?: Config): void {
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
  emit({ type: 'log', line: `preparing suite ${suite.name} (run ${runId})` });
  await using prepared = await prepare(suite, { config: options.config, runId, outDir, signal, log: (line) => emit({ type: 'log', line }), secret: (v) => redactor.add(v) });
  redactor.addAll(prepared.secrets);
  const strays = prepared.items.filter((i) => !suite.scenarios.includes(i.scenario.id)).map((i) => i.scenario.id);
  if (strays.length) throw new DrillbookError(`suite ${suite.name} prepared scenarios it does not declare in 'scenarios': ${strays.join(', ')}`);
  const { items, skipped } = selected(prepared, options.config, options.only);
  const journals: Journal[] = [];
  const keep = (journal: Journal) => {
    redactor.addAll(prepared.secrets); // a suite may learn secrets while it runs (signoff's cluster snapshot)
    const safe = redactor.value(journal);
    journals.push(safe);
    writeFileSync(join(outDir, `${safe.scenario.id}.journal.json`), `${JSON.stringify(safe, null, 2)}\n`);
    emit({ type: 'scenario-end', journal: safe });
  };
  for (const item of items) {
    const skip = skipped.get(item.scenario.id);
    if (skip) {
      // The stack lacks what the drill needs: listed as skipped with the reason, never run, never a pass.
      emit({ type: 'log', line: `skipping ${item.scenario.id}: ${skip.reason}` });
      keep(skippedJournal(item.scenario, { runId, suite: suite.name, wallNowMs: Date.now(), target: item.ports.cluster, reason: skip.reason, hint: skipHint(skip, suite.name) }));
      continue;
    }
    if (signal.aborted) {
      // Interrupted: the rest are listed as not run, not left out (a report that lists 1 of 4 must not look whole).
      keep(notRunJournal(item.scenario, { runId, suite: suite.name, wallNowMs: Date.now(), target: item.ports.cluster, reason: 'the suite was interrupted before this scenario started', hint: `run it again: drillbook run ${suite.name} --only ${item.scenario.id}` }));
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
  const readinessNotRun = prepared.readiness !== undefined && signal.aborted;
  const readiness = prepared.readiness && !signal.aborted ? await prepared.readiness(signal) : [];
  redactor.addAll(prepared.secrets);
  const report = buildSuiteReport({ suite: suite.name, runId, startedAtWall, journals, readiness, interrupted: signal.aborted, readinessNotRun });
  const written = await writeReports(report, { outDir: options.config.reports.outDir, secrets: [...prepared.secrets] });
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
  };
}

/** The suite's start-up. A signal during it is an interruption (exit 130), whatever error the aborted work threw. */
async function prepare(suite: SuiteDefinition, ctx: SuiteContext): Promise<PreparedSuite> {
  try {
    return await suite.prepare(ctx);
  } catch (error) {
    if (!ctx.signal.aborted && !(error instanceof InterruptedError)) throw error; // a harness error
    throw new InterruptedError(`suite ${suite.name} interrupted during start-up; no scenario ran`, { cause: error, hint: 'what start-up had created was torn down; run `drillbook gc` if anything was left' });
  }
}

/**
 * The items to run (all, or those --only names), planned against the stack the suite drills (what it lacks is
 * skipped), each one to run checked as the runner would (scenario, fault specs, load profile, safety gate) before
 * the first one starts: a problem with the fourth must not surface after three ran.
 */
function selected(prepared: PreparedSuite, config: Config, only: readonly string[] | undefined): { items: SuiteItem[]; skipped: Map<string, SkippedScenario<unknown>> } {
  // --only was checked against the suite's declared scenarios before anything was created (checkSuiteRun)
  const items = prepared.items
    .filter((item) => !only?.length || only.includes(item.scenario.id))
    .map((item) => ({ ...item, scenario: withObjectives(item.scenario, config.objectives[item.scenario.id]) }));
  const plan = planAgainst(prepared.stack, items.map((i) => i.scenario));
  const skipped = new Map<string, SkippedScenario<unknown>>(plan.skipped.map((s) => [s.scenario.id, s]));
  for (const item of items) {
    if (!skipped.has(item.scenario.id)) preflight(item.scenario, { ports: item.ports, env: item.env, allowDestructive: config.allowDestructive });
  }
  return { items, skipped };
}

function skipHint(skip: SkippedScenario<unknown>, suite: string): string {
  return `describe ${skip.missing.map(descriptionField).join(', ')} in drillbook.yaml's stack section, or leave the drill out on purpose: drillbook run ${suite} --only <the other scenarios>`;
}
