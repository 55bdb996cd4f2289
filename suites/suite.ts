// A suite composes scenarios with the environment they run in (the composition root: the one place that picks
// drivers for the ports) and writes one journal per scenario.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineScenario, type Objectives, type Scenario } from '../scenarios/define.ts';
import { redact, type Journal } from '../scenarios/journal.ts';
import type { Ports } from '../scenarios/ports.ts';
import { InterruptedError, InvalidInputError } from '../scenarios/errors.ts';
import { newRunId, notRunJournal, preflight, runScenario, type RunEvent } from '../scenarios/runner.ts';
import { buildSuiteReport, type SuiteReport } from '../reports/suite-report.ts';
import { writeReports, type WrittenReports } from '../reports/write-reports.ts';
import type { Config } from '../tools/config/config.ts';
import { registerActiveRun } from '../tools/state/active-runs.ts';
import type { ReadinessResult } from '../scenarios/decision.ts';

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
}

export interface SuiteContext {
  readonly config: Config;
  readonly runId: string;
  /** The run's evidence folder (<reports.outDir>/runs/<runId>); drivers keep their artifacts under it. */
  readonly outDir: string;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

export interface SuiteDefinition {
  readonly name: string;
  readonly description: string;
  /** Wall-time budget; exceeding it is reported (nightly must stay fast). */
  readonly budgetSeconds?: number;
  readonly requires: readonly Requirement[];
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

export async function runSuite(suite: SuiteDefinition, options: SuiteRunOptions): Promise<SuiteRun> {
  const started = performance.now();
  const startedAtWall = new Date().toISOString();
  const runId = options.runId ?? newRunId(Date.now());
  const signal = options.signal ?? new AbortController().signal;
  const emit = (e: SuiteEvent) => options.onEvent?.(e);
  const outDir = resolve(options.config.reports.outDir, 'runs', runId); // absolute: drivers mount it into containers
  mkdirSync(outDir, { recursive: true });
  using _active = registerActiveRun(runId); // gc (in any checkout) leaves this run's containers alone
  emit({ type: 'log', line: `preparing suite ${suite.name} (run ${runId})` });
  await using prepared = await prepare(suite, { config: options.config, runId, outDir, signal, log: (line) => emit({ type: 'log', line }) });
  const items = selected(suite, prepared, options.config, options.only);
  const journals: Journal[] = [];
  const keep = (journal: Journal) => {
    journals.push(journal);
    writeFileSync(join(outDir, `${journal.scenario.id}.journal.json`), `${JSON.stringify(redact(journal, prepared.secrets), null, 2)}\n`);
    emit({ type: 'scenario-end', journal });
  };
  for (const item of items) {
    if (signal.aborted) {
      // Interrupted: the rest are listed as not run, not left out (a report that lists 1 of 4 must not look whole).
      keep(notRunJournal(item.scenario, { runId, suite: suite.name, wallNowMs: Date.now(), target: item.ports.cluster, reason: 'the suite was interrupted before this scenario started', hint: `run it again: drillbook run ${suite.name} --only ${item.scenario.id}` }));
      continue;
    }
    emit({ type: 'scenario-start', scenario: item.scenario.id });
    keep(
      await runScenario(item.scenario, {
        ports: item.ports,
        env: item.env,
        runId,
        suite: suite.name,
        signal,
        ...(options.cleanupSignal ? { cleanupSignal: options.cleanupSignal } : {}),
        secrets: prepared.secrets,
        allowDestructive: options.config.allowDestructive,
        onEvent: emit,
      }),
    );
  }
  const readinessNotRun = prepared.readiness !== undefined && signal.aborted;
  const readiness = prepared.readiness && !signal.aborted ? await prepared.readiness(signal) : [];
  const report = buildSuiteReport({ suite: suite.name, runId, startedAtWall, journals, readiness, interrupted: signal.aborted, readinessNotRun });
  const written = await writeReports(report, { outDir: options.config.reports.outDir, secrets: prepared.secrets });
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
 * The items to run (all, or those --only names), each checked as the runner would (scenario, fault specs, load
 * profile, safety gate) before the first one starts: a problem with the fourth must not surface after three ran.
 */
function selected(suite: SuiteDefinition, prepared: PreparedSuite, config: Config, only: readonly string[] | undefined): SuiteItem[] {
  const unknown = (only ?? []).filter((id) => !prepared.items.some((i) => i.scenario.id === id));
  if (unknown.length) {
    throw new InvalidInputError(`--only`, unknown.map((id) => `'${id}' is not in suite ${suite.name}; it has: ${prepared.items.map((i) => i.scenario.id).join(', ')}`));
  }
  const items = prepared.items
    .filter((item) => !only?.length || only.includes(item.scenario.id))
    .map((item) => ({ ...item, scenario: withObjectives(item.scenario, config.objectives[item.scenario.id]) }));
  for (const item of items) preflight(item.scenario, { ports: item.ports, env: item.env, allowDestructive: config.allowDestructive });
  return items;
}
