// Run history: each suite run is kept under <root>/<runId>/ (suite-report.json, journals/<scenario>.json and a
// small summary.json). Trends read only the summaries, so 100 stored runs stay cheap to render.
// Whatever is saved here has already passed through redact(): callers hand in the redacted report.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../scenarios/errors.ts';
import { isRunId, type Journal, type RunStatus, type Verdict } from '../scenarios/journal.ts';
import type { Decision, SuiteReport } from './suite-report.ts';

export interface ScenarioSummary {
  readonly id: string;
  readonly title: string;
  readonly status: RunStatus;
  readonly verdict: Verdict;
  readonly rtoMs: number | null;
  readonly rtoObjectiveMs: number | null;
  readonly rpoMs: number | null;
  readonly lostWrites: number | null;
  readonly p95Ms: number | null;
  readonly errorRate: number | null;
  readonly durationMs: number;
}

export interface RunSummary {
  readonly runId: string;
  readonly suite: string;
  readonly startedAtWall: string;
  readonly decision: Decision;
  readonly scenarios: readonly ScenarioSummary[];
}

export interface TrendPoint extends ScenarioSummary {
  readonly runId: string;
  readonly suite: string;
  readonly startedAtWall: string;
}

export interface ScenarioTrend {
  readonly scenarioId: string;
  readonly title: string;
  /** Oldest first. */
  readonly points: readonly TrendPoint[];
  /** Why the latest run looks worse than the ones before it; null when it does not. */
  readonly regression: string | null;
}

export function assertRunId(runId: unknown): asserts runId is string {
  // typeof first: RUN_ID.test(undefined) tests the string "undefined", which passes
  if (!isRunId(runId)) throw new InvalidInputError(`run id ${JSON.stringify(runId)}`, ['use letters, digits, ".", "_" and "-" only (it names a folder)']);
}

export function summarize(report: SuiteReport): RunSummary {
  return {
    runId: report.runId,
    suite: report.suite,
    startedAtWall: report.startedAtWall,
    decision: report.decision,
    scenarios: report.journals.map(summarizeJournal),
  };
}

export function summarizeJournal(j: Journal): ScenarioSummary {
  const rtoObjective = j.objectives.find((o) => o.name === 'rto');
  return {
    id: j.scenario.id,
    title: j.scenario.title,
    status: j.status,
    verdict: j.verdict,
    rtoMs: j.measurements.rto?.valueMs ?? null,
    rtoObjectiveMs: rtoObjective?.limit ?? null,
    rpoMs: j.measurements.rpo?.valueMs ?? null,
    lostWrites: j.measurements.rpo?.lostWrites ?? null,
    p95Ms: j.load?.p95Ms ?? null,
    errorRate: j.load?.errorRate ?? null,
    durationMs: j.durationMs,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Latest vs the median of up to 7 runs before it: +25 % RTO or p95, or a verdict that turned bad. */
export function detectRegression(points: readonly TrendPoint[]): string | null {
  const latest = points.at(-1);
  if (!latest) return null;
  const before = points.slice(-8, -1);
  const reasons: string[] = [];
  const prevVerdict = before.at(-1)?.verdict;
  if (prevVerdict === 'met' && latest.verdict !== 'met') reasons.push(`verdict went from met to ${latest.verdict}`);
  const compare = (label: string, pick: (p: TrendPoint) => number | null, unit: (v: number) => string) => {
    const prev = before.map(pick).filter((v): v is number => v !== null);
    const now = pick(latest);
    if (prev.length < 3 || now === null) return;
    const base = median(prev);
    if (base > 0 && now > base * 1.25) reasons.push(`${label} ${unit(now)} vs median ${unit(base)} of the previous ${prev.length} runs (+${Math.round((now / base - 1) * 100)} %)`);
  };
  compare('RTO', (p) => p.rtoMs, (v) => `${(v / 1000).toFixed(1)} s`);
  compare('p95', (p) => p.p95Ms, (v) => `${Math.round(v)} ms`);
  return reasons.length ? reasons.join('; ') : null;
}

export class HistoryStore {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  /** Writes the (already redacted) report. Returns the run's folder. */
  async save(report: SuiteReport): Promise<string> {
    assertRunId(report.runId);
    const dir = join(this.root, report.runId);
    await mkdir(join(dir, 'journals'), { recursive: true });
    await Promise.all(report.journals.map((j) => writeAtomic(join(dir, 'journals', `${safeName(j.scenario.id)}.json`), JSON.stringify(j, null, 2))));
    await writeAtomic(join(dir, 'suite-report.json'), JSON.stringify(report, null, 2));
    // summary last: a run without summary.json is an incomplete write and is ignored by list().
    await writeAtomic(join(dir, 'summary.json'), JSON.stringify(summarize(report)));
    return dir;
  }

  /** Every stored run's summary, oldest first. */
  async list(): Promise<RunSummary[]> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const summaries = await Promise.all(
      entries.filter((e) => isRunId(e)).map(async (e) => {
        try {
          return JSON.parse(await readFile(join(this.root, e, 'summary.json'), 'utf8')) as RunSummary;
        } catch {
          return null;
        }
      }),
    );
    return summaries.filter((s): s is RunSummary => s !== null).sort((a, b) => a.startedAtWall.localeCompare(b.startedAtWall) || a.runId.localeCompare(b.runId));
  }

  async load(runId: string): Promise<SuiteReport> {
    assertRunId(runId);
    return JSON.parse(await readFile(join(this.root, runId, 'suite-report.json'), 'utf8')) as SuiteReport;
  }

  /** Per-scenario trends across stored runs (optionally one suite's only), at most `limit` points each. */
  async trends(options: { suite?: string; limit?: number } = {}): Promise<ScenarioTrend[]> {
    return trendsFrom(await this.list(), options);
  }
}

export function trendsFrom(runs: readonly RunSummary[], options: { suite?: string; limit?: number } = {}): ScenarioTrend[] {
  const limit = options.limit ?? 30;
  const by = new Map<string, { title: string; points: TrendPoint[] }>();
  for (const run of runs) {
    if (options.suite && run.suite !== options.suite) continue;
    for (const s of run.scenarios) {
      const entry = by.get(s.id) ?? { title: s.title, points: [] };
      entry.title = s.title;
      entry.points.push({ ...s, runId: run.runId, suite: run.suite, startedAtWall: run.startedAtWall });
      by.set(s.id, entry);
    }
  }
  return [...by.entries()].map(([scenarioId, { title, points }]) => {
    const kept = points.slice(-limit);
    return { scenarioId, title, points: kept, regression: detectRegression(kept) };
  });
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}
