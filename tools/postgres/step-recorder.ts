// Runs the timed steps of a procedure and records them as journal StepRecords (monotonic ms on the run's
// clock), each with its timeout and evidence. A procedure returns a ProcedureResult: failure is data, the
// steps that ran are kept either way so the scenario engine can journal them.
import { DrillbookError, InterruptedError } from '../../scenarios/errors.ts';
import type { ErrorRecord, Evidence, StepRecord, StepStatus } from '../../scenarios/journal.ts';
import type { Clock } from '../../scenarios/ports.ts';
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

export function errorRecord(error: unknown): ErrorRecord {
  if (error instanceof DrillbookError) return error.hint ? { name: error.name, message: error.message, hint: error.hint } : { name: error.name, message: error.message };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

function asDrillbookError(error: unknown): DrillbookError {
  if (error instanceof DrillbookError) return error;
  return new DrillbookError(error instanceof Error ? error.message : String(error), { cause: error });
}

function statusFor(error: unknown, parent: AbortSignal | undefined): StepStatus {
  if (parent?.aborted || error instanceof InterruptedError) return 'interrupted';
  if (error instanceof BackupIntegrityError || error instanceof RestoreValidationError) return 'failed';
  return 'errored';
}

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
    const evidence: Evidence[] = [];
    const startMs = this.clock.now();
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new StepTimedOutError(name, timeoutMs)), timeoutMs);
    const signal = this.signal ? AbortSignal.any([this.signal, timeout.signal]) : timeout.signal;
    const ctx: StepContext = {
      signal,
      evidence: (kind, label, value) => evidence.push({ kind, label, value, atMs: this.clock.now() }),
    };
    // A step that ignores its signal still cannot outlive its timeout.
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => undefined);
    try {
      const value = await Promise.race([fn(ctx), aborted]);
      this.steps.push({ name, startMs, endMs: this.clock.now(), status: 'passed', timeoutMs, evidence });
      return value;
    } catch (raw) {
      const error = timeout.signal.aborted && !this.signal?.aborted ? (timeout.signal.reason as StepTimedOutError) : raw;
      const finalError = this.signal?.aborted && !(error instanceof InterruptedError) ? new InterruptedError(`step "${name}" interrupted`, { cause: error }) : error;
      this.steps.push({ name, startMs, endMs: this.clock.now(), status: statusFor(finalError, this.signal), timeoutMs, evidence, error: errorRecord(finalError) });
      throw finalError;
    } finally {
      clearTimeout(timer);
    }
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
