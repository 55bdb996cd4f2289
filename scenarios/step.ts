// One timed step, recorded: the runner's steps and the Postgres procedures' steps (tools/postgres/step-recorder.ts)
// both go through runStep, so a step's timeout, its signal, its evidence and its record mean the same everywhere.
import { DrillbookError, InterruptedError, describe } from './errors.ts';
import type { ErrorRecord, Evidence, StepRecord, StepStatus } from './journal.ts';
import type { Clock } from './ports.ts';

/** Thrown inside a step when its own timeout expires. */
export class StepTimeout extends DrillbookError {
  override name = 'StepTimeout';
}

export function errorRecord(error: unknown): ErrorRecord {
  if (error instanceof DrillbookError) {
    return error.hint ? { name: error.name, message: error.message, hint: error.hint } : { name: error.name, message: error.message };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: describe(error) };
}

/** Adds one piece of evidence to the step being run; its instant is taken when it is added. */
export type AddEvidence = (kind: Evidence['kind'], label: string, value: unknown) => void;

export interface StepOptions<C> {
  readonly name: string;
  readonly timeoutMs: number;
  /** Cuts the step short (the step's own signal aborts with its reason); a step that finishes after it did not pass. */
  readonly signal: AbortSignal;
  /** Paces the timeout. */
  readonly clock: Clock;
  /** The instant recorded as start, end and evidence time (the runner's is relative to the run's start). */
  readonly at: () => number;
  /** The context the step's body is given, built around the step's own signal and evidence list. */
  readonly context: (signal: AbortSignal, evidence: AddEvidence) => C;
}

export interface StepOutcome<T> {
  readonly record: StepRecord;
  readonly value: T | undefined;
  readonly error: unknown;
}

/** One timed step: its own timeout, cut short by `signal`; a step that swallowed the abort did not pass. Never throws. */
export async function runStep<C, T>(options: StepOptions<C>, fn: (ctx: C) => Promise<T>): Promise<StepOutcome<T>> {
  const { name, timeoutMs, signal, clock, at } = options;
  const evidence: Evidence[] = [];
  const stepCtl = new AbortController();
  const timerCtl = new AbortController();
  const onParentAbort = () => stepCtl.abort(signal.reason);
  if (signal.aborted) stepCtl.abort(signal.reason);
  else signal.addEventListener('abort', onParentAbort, { once: true });
  const ctx = options.context(stepCtl.signal, (kind, label, value) => evidence.push({ kind, label, value, atMs: at() }));
  const startMs = at();
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
  const record: StepRecord = { name, startMs, endMs: at(), status, timeoutMs, evidence, ...(error === undefined ? {} : { error: errorRecord(error) }) };
  return { record, value, error };
}
