import { InterruptedError } from './errors.ts';
import type { Clock } from './ports.ts';

/** The real clock: performance.now() for durations, Date.now() only to anchor evidence. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new InterruptedError('sleep interrupted', { cause: signal.reason }));
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new InterruptedError('sleep interrupted', { cause: signal?.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
