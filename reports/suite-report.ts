// A suite run as a release manager sees it: the scenario journals, the readiness results, and the decision. The
// decision and the exit code are the domain's (scenarios/decision.ts); the report carries them, renderers print them.
import { judgeSuite, type BlockingFailure, type Decision, type ExitCode, type ReadinessResult } from '../scenarios/decision.ts';
import type { Journal } from '../scenarios/journal.ts';

export type { BlockingFailure, Decision } from '../scenarios/decision.ts';

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
  /** The harness itself failed (a check crashed, a scenario run failed): exit 2 unless interrupted. */
  readonly harnessErrors: readonly string[];
  /** The suite was stopped by a signal: scenarios not run are listed as `not-run` journals. */
  readonly interrupted: boolean;
  readonly exitCode: ExitCode;
}

export interface SuiteReportInput {
  readonly suite: string;
  readonly runId: string;
  readonly startedAtWall: string;
  readonly journals: readonly Journal[];
  readonly readiness?: readonly ReadinessResult[];
  readonly interrupted?: boolean;
  readonly readinessNotRun?: boolean;
}

export function buildSuiteReport(input: SuiteReportInput): SuiteReport {
  const readiness = input.readiness ?? [];
  const outcome = judgeSuite({ journals: input.journals, readiness, interrupted: input.interrupted === true, readinessNotRun: input.readinessNotRun === true });
  return {
    schemaVersion: 1,
    suite: input.suite,
    runId: input.runId,
    startedAtWall: input.startedAtWall,
    journals: input.journals,
    readiness,
    decision: outcome.decision,
    blockingFailures: outcome.blockingFailures,
    harnessErrors: outcome.harnessErrors,
    interrupted: outcome.interrupted,
    exitCode: outcome.exitCode,
  };
}
