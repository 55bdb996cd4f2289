// Runs the timed steps of a procedure and records them as journal StepRecords (monotonic ms on the run's
// clock), each with its timeout and evidence. A procedure returns a ProcedureResult: failure is data, the
// steps that ran are kept either way so the scenario engine can journal them. The timing, timeout, signal and
// evidence are the runner's own (scenarios/step.ts runStep); what is the procedures' is how an error reads: a
// timeout is a StepTimedOutError, an abort an InterruptedError, a failed integrity check a failed step.
import { DrillbookError, InterruptedError } from '../../scenarios/errors.ts';
import type { Evidence, StepRecord, StepStatus } from '../../scenarios/journal.ts';
import type { Clock } from '../../scenarios/ports.ts';
import { errorRecord, runStep, StepTimeout } from '../../scenarios/step.ts';
import { BackupIntegrityError, RestoreValidationError, StepTimedOutError } from './postgres.errors.ts';

export interface StepContext {
  /** Aborts on the step's timeout or on the procedure's signal. Pass it to every slow call. */
  readonly signal: AbortSignal;
  /** Attach evidence to this step (command, sizes, checksums...). */
  evidence(kind: Evidence['kind'], label: string, value: unknown): void;
}

export type ProcedureResult<T> =
  | { readonly ok: true; readonly value: T; readonly steps: readonly StepRecord[] }
  | { readonly ok: false; readonly error: DrillbookError; readonly steps: readonly StepRecord[] };

function asDrillbookError(error: unknown): DrillbookError {
  if (error instanceof DrillbookError) return error;
  return new DrillbookError(error instanceof Error ? error.message : String(error), { cause: error });
}

function statusFor(error: unknown, parent: AbortSignal | undefined): StepStatus {
  if (parent?.aborted || error instanceof InterruptedError) return 'interrupted';
  if (error instanceof BackupIntegrityError || error instanceof RestoreValidationError) return 'failed';
  return 'errored';
}

/** A procedure with no signal of its own is never cut short from outside. */
const NEVER = new AbortController().signal;

export class StepRecorder {
  readonly steps: StepRecord[] = [];
  readonly clock: Clock;
  readonly signal: AbortSignal | undefined;

  constructor(clock: Clock, signal?: AbortSignal) {
    this.clock = clock;
    this.signal = signal;
  }

  /** Runs one step with its own timeout; records it whatever happens; rethrows the step's error. */
  async step<T>(name: string, timeoutMs: number, fn: (ctx: StepContext) => Promise<T>): Promise<T> {
    const context = (signal: AbortSignal, evidence: StepContext['evidence']): StepContext => ({ signal, evidence });
    const { record, value, error } = await runStep({ name, timeoutMs, signal: this.signal ?? NEVER, clock: this.clock, at: () => this.clock.now(), context }, fn);
    if (record.status === 'passed') {
      this.steps.push(record);
      return value as T;
    }
    const timedOut = error instanceof StepTimeout ? new StepTimedOutError(name, timeoutMs, { cause: error }) : error;
    const finalError = this.signal?.aborted && !(timedOut instanceof InterruptedError) ? new InterruptedError(`step "${name}" interrupted`, { cause: timedOut }) : timedOut;
    this.steps.push({ ...record, status: statusFor(finalError, this.signal), error: errorRecord(finalError) });
    throw finalError;
  }

  /** Wraps a whole procedure: returns ok with the value, or the error, with every recorded step. */
  async procedure<T>(body: (rec: StepRecorder) => Promise<T>): Promise<ProcedureResult<T>> {
    try {
      const value = await body(this);
      return { ok: true, value, steps: [...this.steps] };
    } catch (error) {
      return { ok: false, error: asDrillbookError(error), steps: [...this.steps] };
    }
  }
}

/** Returns the value of a successful procedure, or throws its error (for chaining procedures in tests and suites). */
export function unwrap<T>(result: ProcedureResult<T>): T {
  if (result.ok) return result.value;
  throw result.error;
}
