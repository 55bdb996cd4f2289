// The go/no-go decision and the exit code: the one home of both. Renderers print the decision, the CLI exits with
// the code; neither computes them.
//
// Exit codes: 0 go (every objective met, every blocking check PASS) · 1 no-go · 2 the harness failed (bad input,
// a run that could not be carried out, a fault that could not be reverted) · 130 interrupted (SIGINT or SIGTERM;
// recovery and revert ran). An interruption wins over everything: a run that was stopped is never GO.
import { InterruptedError } from './errors.ts';
import type { Evidence, Journal } from './journal.ts';

export type ExitCode = 0 | 1 | 2 | 130;
export type Decision = 'go' | 'no-go';

export type ReadinessStatus = 'PASS' | 'FAIL' | 'PENDING';

/** One line of a readiness matrix (suites/readiness evaluates them; reports render them). */
export interface ReadinessResult {
  readonly id: string;
  readonly title: string;
  readonly status: ReadinessStatus;
  readonly blocking: boolean;
  /** Where the criterion comes from, e.g. 'PRODUCTION_SIGN_OFF.md §4.3'. */
  readonly source: string;
  /** What was looked at. Never a secret value. */
  readonly evidence: readonly Evidence[];
  /** What to do to make it PASS; null when it passes. */
  readonly action: string | null;
  /** Set when the check itself threw (a harness error, not a verdict). */
  readonly error?: string;
}

export interface BlockingFailure {
  /** 'readiness' for a readiness check (or the whole matrix when it did not run), 'scenario' for a journal. */
  readonly kind: 'readiness' | 'scenario';
  /** Check id or scenario id. */
  readonly id: string;
  readonly title: string;
  /** e.g. 'PENDING', 'FAIL', 'verdict not-met', 'status aborted', 'not run' */
  readonly reason: string;
  /** What to do about it. */
  readonly action: string | null;
}

export interface SuiteOutcomeInput {
  readonly journals: readonly Journal[];
  readonly readiness?: readonly ReadinessResult[];
  /** The suite was stopped by a signal (between scenarios, say, where no journal records it). */
  readonly interrupted?: boolean;
  /** The suite has readiness checks that did not run (interrupted first). */
  readonly readinessNotRun?: boolean;
}

export interface SuiteOutcome {
  readonly decision: Decision;
  readonly blockingFailures: readonly BlockingFailure[];
  /** The harness itself failed (a check crashed, a scenario run failed): exit 2 unless interrupted. */
  readonly harnessErrors: readonly string[];
  readonly interrupted: boolean;
  readonly exitCode: ExitCode;
}

/** A journal counts toward GO only when the run completed and the system met its objectives. */
const journalIsGo = (j: Pick<Journal, 'status' | 'verdict'>): boolean => j.status === 'completed' && j.verdict === 'met';

/**
 * The `error.name` of a not-run journal whose environment could not be prepared (or torn down before it): the
 * harness could not carry the run out (exit 2), which is not an interruption.
 */
export const ENVIRONMENT_FAILED = 'EnvironmentFailed';

type Judged = Pick<Journal, 'status'> & { readonly error?: Pick<NonNullable<Journal['error']>, 'name' | 'message'> | undefined };

/** Not run because the environment it needed failed (see ENVIRONMENT_FAILED). */
const journalSetupFailed = (j: Judged): boolean => j.status === 'not-run' && j.error?.name === ENVIRONMENT_FAILED;

/** A journal says the suite was stopped: the run itself was interrupted, or the suite never got to it. */
/** The error name of a not-run journal whose scenario the environment cannot run (skipped, with the reason). */
export const SKIPPED = 'Skipped';

// Neither a scenario skipped because the environment lacks what it needs (NO-GO) nor one whose environment failed
// (exit 2) is an interruption.
const journalInterrupted = (j: Judged): boolean => j.status === 'interrupted' || (j.status === 'not-run' && !journalSetupFailed(j) && j.error?.name !== SKIPPED);

/**
 * No-go if any blocking readiness check is FAIL or PENDING (or did not run), or any journal is not `completed` +
 * `met` (a scenario not run included, and a drill skipped because the stack lacks what it needs: a sign-off with
 * a skipped drill is not GO; exit 1, not 2, since nothing failed to run).
 */
export function judgeSuite(input: SuiteOutcomeInput): SuiteOutcome {
  const readiness = input.readiness ?? [];
  const blockingFailures: BlockingFailure[] = [];
  if (input.readinessNotRun) {
    blockingFailures.push({ kind: 'readiness', id: 'readiness', title: 'Readiness checks', reason: 'not run', action: 'the suite was interrupted before its readiness checks: run it again' });
  }
  for (const r of readiness) {
    if (r.blocking && r.status !== 'PASS') blockingFailures.push({ kind: 'readiness', id: r.id, title: r.title, reason: r.status, action: r.action });
  }
  for (const j of input.journals) {
    if (j.status === 'skipped') {
      // A drill the stack could not run proves nothing: the suite is not GO until it runs (or is left out on
      // purpose with --only), and the report says what to add to the description.
      blockingFailures.push({ kind: 'scenario', id: j.scenario.id, title: j.scenario.title, reason: 'skipped', action: j.error?.message ?? null });
    } else if (j.status !== 'completed') {
      // a run that failed says why in its reason (the hint alone told the CLI reader where to look, not what broke)
      const why = j.status === 'failed' && j.error?.hint && j.error.message ? `: ${j.error.message}` : '';
      blockingFailures.push({ kind: 'scenario', id: j.scenario.id, title: j.scenario.title, reason: `status ${j.status}${why}`, action: j.error?.hint ?? j.error?.message ?? null });
    } else if (!journalIsGo(j)) {
      const missed = j.objectives.filter((o) => o.met !== true).map((o) => `${o.statement}: ${o.reason}`);
      blockingFailures.push({ kind: 'scenario', id: j.scenario.id, title: j.scenario.title, reason: `verdict ${j.verdict}`, action: missed.join('; ') || null });
    }
  }
  const harnessErrors = [
    ...readiness.filter((r) => r.error !== undefined).map((r) => `readiness check ${r.id} crashed: ${r.error}`),
    ...input.journals.filter((j) => j.status === 'failed').map((j) => `scenario ${j.scenario.id} failed to run: ${j.error?.message ?? 'no error recorded'}`),
    ...input.journals.filter(journalSetupFailed).map((j) => `scenario ${j.scenario.id} ${j.error?.message ?? 'not run: its environment failed'}`),
  ];
  const interrupted = input.interrupted === true || input.journals.some(journalInterrupted);
  const decision: Decision = blockingFailures.length === 0 && !interrupted ? 'go' : 'no-go';
  return { decision, blockingFailures, harnessErrors, interrupted, exitCode: exitCodeOf({ interrupted, harnessError: harnessErrors.length > 0, decision }) };
}

/** The exit-code contract, from an outcome's three facts. */
export function exitCodeOf(outcome: { readonly interrupted: boolean; readonly harnessError: boolean; readonly decision: Decision }): ExitCode {
  if (outcome.interrupted) return 130;
  if (outcome.harnessError) return 2;
  return outcome.decision === 'go' ? 0 : 1;
}

/** The exit code of journals alone (no readiness checks): `drillbook report`, and tests. */
export function exitCodeFor(journals: readonly (Pick<Journal, 'status' | 'verdict'> & Pick<Judged, 'error'>)[]): ExitCode {
  return exitCodeOf({
    interrupted: journals.some(journalInterrupted),
    harnessError: journals.some((j) => j.status === 'failed' || journalSetupFailed(j)),
    decision: journals.every(journalIsGo) ? 'go' : 'no-go',
  });
}

/**
 * The exit code of a command that ended in an error instead of an outcome: 130 when it was interrupted (the error
 * is an InterruptedError, or a signal had been received: a tool killed by the signal fails with its own error),
 * else 2 (bad input or a harness failure).
 */
export function exitCodeForError(error: unknown, signalled = false): ExitCode {
  return signalled || error instanceof InterruptedError ? 130 : 2;
}
