// A virtual clock for unit tests: sleep() advances time at once (on the next macrotask), so loops paced by the
// clock run in microseconds of real time while reporting realistic monotonic instants.
import { InterruptedError } from '../../../scenarios/errors.ts';
import type { Clock } from '../../../scenarios/ports.ts';

export class FakeClock implements Clock {
  private t: number;
  constructor(startMs = 1_000) {
    this.t = startMs;
  }
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return 1_767_225_600_000 + this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new InterruptedError('sleep interrupted'));
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        if (signal?.aborted) return reject(new InterruptedError('sleep interrupted'));
        this.t += ms;
        resolve();
      });
    });
  }
}
