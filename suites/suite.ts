// A suite composes scenarios with the environment they run in (the composition root: the one place that picks
// drivers for the ports) and writes one journal per scenario.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineScenario, type Objectives, type Scenario } from '../scenarios/define.ts';
import { redact, type Journal } from '../scenarios/journal.ts';
import type { Ports } from '../scenarios/ports.ts';
import { newRunId, runScenario, type RunEvent } from '../scenarios/runner.ts';
import { buildSuiteReport, type SuiteReport } from '../reports/suite-report.ts';
import { writeReports, type WrittenReports } from '../reports/write-reports.ts';
import type { Config } from '../tools/config/config.ts';
import { registerActiveRun } from '../tools/state/active-runs.ts';
import { withRunbookCheck } from '../scenarios/runbook.ts';
import { loadRunbookDocuments } from '../tools/runbooks/runbook-documents.ts';
import type { ReadinessResult } from './readiness/readiness.ts';

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
  const journals: Journal[] = [];
  // Loaded before anything runs: a wrong runbooks.dir is bad input, reported before any fault lands.
  const runbooks = loadRunbookDocuments(options.config.runbooks.dir);
  using _active = registerActiveRun(runId); // gc (in any checkout) leaves this run's containers alone
  await using prepared = await suite.prepare({ config: options.config, runId, outDir, signal, log: (line) => emit({ type: 'log', line }) });
  const unknown = (options.only ?? []).filter((id) => !prepared.items.some((i) => i.scenario.id === id));
  if (unknown.length) {
    const { InvalidInputError } = await import('../scenarios/errors.ts');
    throw new InvalidInputError(`--only`, unknown.map((id) => `'${id}' is not in suite ${suite.name}; it has: ${prepared.items.map((i) => i.scenario.id).join(', ')}`));
  }
  for (const item of prepared.items) {
    if (options.only?.length && !options.only.includes(item.scenario.id)) continue;
    if (signal.aborted) break;
    emit({ type: 'scenario-start', scenario: item.scenario.id });
    const scenario = withObjectives(item.scenario, options.config.objectives[item.scenario.id]);
    const ran = await runScenario(scenario, {
      ports: item.ports,
      env: item.env,
      runId,
      suite: suite.name,
      signal,
      ...(options.cleanupSignal ? { cleanupSignal: options.cleanupSignal } : {}),
      secrets: prepared.secrets,
      onEvent: emit,
    });
    // Runbook drift: the journal records the fingerprint of the sections followed, and a finding if they changed.
    const journal = withRunbookCheck(ran, scenario, runbooks);
    journals.push(journal);
    writeFileSync(join(outDir, `${journal.scenario.id}.journal.json`), `${JSON.stringify(redact(journal, prepared.secrets), null, 2)}\n`);
    emit({ type: 'scenario-end', journal });
  }
  let readiness: readonly ReadinessResult[] = [];
  if (prepared.readiness && !signal.aborted) readiness = await prepared.readiness(signal);
  const report = buildSuiteReport({ suite: suite.name, runId, startedAtWall, journals, readiness });
  const written = await writeReports(report, { outDir: options.config.reports.outDir, secrets: prepared.secrets });
  const wallMs = Math.round(performance.now() - started);
  return {
    suite: suite.name,
    runId,
    journals,
    report,
    written,
    outDir,
    wallMs,
    ...(suite.budgetSeconds ? { budgetSeconds: suite.budgetSeconds } : {}),
    exitCode: journals.length === 0 && signal.aborted ? 130 : written.exitCode,
  };
}
