// Named conditions with a timeout and an interval: the only way the harness waits. No bare sleeps.
import { InterruptedError, WaitTimeoutError } from './errors.ts';
import type { Clock } from './ports.ts';

export interface Condition<T> {
  /** Human name, used in errors: "backend pods Ready", "PVC loki-data Bound" */
  readonly name: string;
  /** Returns `{ ok, value }`; value is kept as "last seen" for the timeout error. Throwing counts as not ok. */
  check(signal: AbortSignal): Promise<{ ok: boolean; value: T }>;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  hint?: string;
}

export function condition<T>(name: string, check: Condition<T>['check']): Condition<T> {
  return { name, check };
}

/** Polls `cond` until ok; returns its value. Throws WaitTimeoutError (with the last value) or InterruptedError. */
export async function waitFor<T>(clock: Clock, cond: Condition<T>, options: WaitOptions): Promise<T> {
  const interval = options.intervalMs ?? 250;
  const deadline = clock.now() + options.timeoutMs;
  let last: unknown = undefined;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (options.signal?.aborted) throw new InterruptedError(`waiting for ${cond.name} interrupted`, { cause: options.signal.reason });
      try {
        const { ok, value } = await cond.check(controller.signal);
        last = value;
        if (ok) return value;
      } catch (error) {
        if (options.signal?.aborted) throw new InterruptedError(`waiting for ${cond.name} interrupted`, { cause: error });
        last = error;
      }
      const remaining = deadline - clock.now();
      if (remaining <= 0) throw new WaitTimeoutError(cond.name, options.timeoutMs, last, { hint: options.hint });
      await clock.sleep(Math.min(interval, remaining), options.signal);
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Reads `read` until `done` says so or `withinMs` passed (one read every `everyMs`); the last value either way,
 * where waitFor would throw: for probes and steps that allow the system to settle and judge what they see then.
 * A read that throws is not retried (unlike waitFor's checks): the error is the answer.
 */
export async function settle<T>(at: { readonly clock: Clock; readonly signal: AbortSignal }, withinMs: number, everyMs: number, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = at.clock.now() + withinMs;
  let value = await read();
  while (!done(value) && at.clock.now() < deadline) {
    await at.clock.sleep(everyMs, at.signal);
    value = await read();
  }
  return value;
}
