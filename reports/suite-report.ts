// A suite run as a release manager sees it: the scenario journals, the readiness results, and the decision.
import type { Journal } from '../scenarios/journal.ts';
import type { ReadinessResult } from '../suites/readiness/readiness.ts';

export type Decision = 'go' | 'no-go';

export interface BlockingFailure {
  /** 'readiness' for a readiness check, 'scenario' for a journal. */
  readonly kind: 'readiness' | 'scenario';
  /** Check id or scenario id. */
  readonly id: string;
  readonly title: string;
  /** e.g. 'PENDING', 'FAIL', 'verdict not-met', 'status aborted' */
  readonly reason: string;
  /** What to do about it. */
  readonly action: string | null;
}

export interface SuiteReport {
  readonly schemaVersion: 1;
  /** 'nightly' | 'rollback-drill' | 'signoff' | custom */
  readonly suite: string;
  readonly runId: string;
  readonly startedAtWall: string;
  readonly journals: readonly Journal[];
  readonly readiness: readonly ReadinessResult[];
  readonly decision: Decision;
  readonly blockingFailures: readonly BlockingFailure[];
  /** The harness itself failed (a check crashed, a scenario run failed): exit 2 whatever the decision. */
  readonly harnessErrors: readonly string[];
}

export interface SuiteReportInput {
  readonly suite: string;
  readonly runId: string;
  readonly startedAtWall: string;
  readonly journals: readonly Journal[];
  readonly readiness?: readonly ReadinessResult[];
}

/** No-go if any blocking readiness check is FAIL or PENDING, or any journal is not `completed` + `met`. */
export function decide(journals: readonly Journal[], readiness: readonly ReadinessResult[]): { decision: Decision; blockingFailures: BlockingFailure[] } {
  const blockingFailures: BlockingFailure[] = [];
  for (const r of readiness) {
    if (r.blocking && r.status !== 'PASS') blockingFailures.push({ kind: 'readiness', id: r.id, title: r.title, reason: r.status, action: r.action });
  }
  for (const j of journals) {
    if (j.status !== 'completed') {
      blockingFailures.push({ kind: 'scenario', id: j.scenario.id, title: j.scenario.title, reason: `status ${j.status}`, action: j.error?.hint ?? j.error?.message ?? null });
    } else if (j.verdict !== 'met') {
      const missed = j.objectives.filter((o) => o.met !== true).map((o) => `${o.statement}: ${o.reason}`);
      blockingFailures.push({ kind: 'scenario', id: j.scenario.id, title: j.scenario.title, reason: `verdict ${j.verdict}`, action: missed.join('; ') || null });
    }
  }
  return { decision: blockingFailures.length === 0 ? 'go' : 'no-go', blockingFailures };
}

export function buildSuiteReport(input: SuiteReportInput): SuiteReport {
  const readiness = input.readiness ?? [];
  const { decision, blockingFailures } = decide(input.journals, readiness);
  const harnessErrors = [
    ...readiness.filter((r) => r.error !== undefined).map((r) => `readiness check ${r.id} crashed: ${r.error}`),
    ...input.journals.filter((j) => j.status === 'failed').map((j) => `scenario ${j.scenario.id} failed to run: ${j.error?.message ?? 'no error recorded'}`),
  ];
  return { schemaVersion: 1, suite: input.suite, runId: input.runId, startedAtWall: input.startedAtWall, journals: input.journals, readiness, decision, blockingFailures, harnessErrors };
}

/** 0 go, 1 no-go, 2 harness error, 130 interrupted (as the journal contract's exitCodeFor). */
export function suiteExitCode(report: Pick<SuiteReport, 'decision' | 'harnessErrors' | 'journals'>): 0 | 1 | 2 | 130 {
  if (report.journals.some((j) => j.status === 'interrupted')) return 130;
  if (report.harnessErrors.length > 0) return 2;
  return report.decision === 'go' ? 0 : 1;
}
