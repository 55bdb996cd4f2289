// One base error with `cause`; each subclass says what went wrong and what to do next.
// The CLI maps them to exit codes: InvalidInput* -> 2 before anything is touched, the rest per journal status.

export class DrillbookError extends Error {
  override name = 'DrillbookError';
  /** What the user should do about it; printed under the message by the CLI. */
  readonly hint: string | undefined;
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** A config file, scenario definition or suite is wrong. Raised before any fault is injected. */
export class InvalidInputError extends DrillbookError {
  override name = 'InvalidInputError';
  readonly problems: readonly string[];
  constructor(what: string, problems: readonly string[], options: { hint?: string } = {}) {
    super(`${what} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.problems = problems;
  }
}

/** The target cluster/context is not on the allow-list for destructive scenarios. */
export class UnsafeTargetError extends DrillbookError {
  override name = 'UnsafeTargetError';
}

/** An external tool (kind, k6, docker, pg_dump...) failed. */
export class ToolFailedError extends DrillbookError {
  override name = 'ToolFailedError';
  readonly tool: string;
  readonly exitCode: number | undefined;
  readonly stderrTail: string;
  constructor(tool: string, message: string, options: { exitCode?: number; stderr?: string; cause?: unknown; hint?: string } = {}) {
    const tail = (options.stderr ?? '').trim().split('\n').slice(-15).join('\n');
    super(`${tool}: ${message}${tail ? `\n${tail}` : ''}`, options);
    this.tool = tool;
    this.exitCode = options.exitCode;
    this.stderrTail = tail;
  }
}

/** A named condition did not hold within its timeout. Carries the last value seen. */
export class WaitTimeoutError extends DrillbookError {
  override name = 'WaitTimeoutError';
  readonly condition: string;
  readonly timeoutMs: number;
  readonly lastValue: unknown;
  constructor(condition: string, timeoutMs: number, lastValue: unknown, options: { cause?: unknown; hint?: string } = {}) {
    super(`timed out after ${timeoutMs} ms waiting for ${condition}; last seen: ${describe(lastValue)}`, options);
    this.condition = condition;
    this.timeoutMs = timeoutMs;
    this.lastValue = lastValue;
  }
}

/** The steady-state hypothesis did not hold. */
export class SteadyStateDeviatedError extends DrillbookError {
  override name = 'SteadyStateDeviatedError';
}

/** A runbook recovery step failed. */
export class RecoveryFailedError extends DrillbookError {
  override name = 'RecoveryFailedError';
}

/** The run was interrupted (SIGINT/SIGTERM or an aborted signal). */
export class InterruptedError extends DrillbookError {
  override name = 'InterruptedError';
}

export function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 300 ? `${value.slice(0, 300)}…` : value);
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json.length > 300 ? `${json.slice(0, 300)}…` : json;
  } catch {
    return String(value);
  }
}

/** Throws InterruptedError when the signal has fired; keeps the abort reason as cause. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new InterruptedError(`${what} interrupted`, { cause: signal.reason });
}
