// A deterministic clock for unit tests. With `auto` (default) it jumps to the next pending timer whenever the
// event loop has nothing else to do, so a "5 minute" recovery runs in microseconds.
import { InterruptedError } from '../errors.ts';
import type { Clock } from '../ports.ts';

interface Timer {
  due: number;
  seq: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers: Timer[] = [];
  #scheduled = false;
  readonly #wallOrigin: number;
  readonly #auto: boolean;

  constructor(options: { wallOriginMs?: number; auto?: boolean } = {}) {
    this.#wallOrigin = options.wallOriginMs ?? Date.UTC(2026, 10, 23, 12, 0, 0);
    this.#auto = options.auto ?? true;
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#wallOrigin + this.#now;
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new InterruptedError('sleep interrupted', { cause: signal.reason }));
      const timer: Timer = {
        due: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(new InterruptedError('sleep interrupted', { cause: signal?.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
      this.#schedule();
    });
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (!next || next.due > target) break;
      this.#fire(next);
    }
    this.#now = target;
  }

  #earliest(): Timer | undefined {
    return this.#timers.reduce<Timer | undefined>((a, t) => (!a || t.due < a.due || (t.due === a.due && t.seq < a.seq) ? t : a), undefined);
  }

  #fire(t: Timer): void {
    this.#timers = this.#timers.filter((x) => x !== t);
    this.#now = Math.max(this.#now, t.due);
    t.resolve();
  }

  #schedule(): void {
    if (!this.#auto || this.#scheduled) return;
    this.#scheduled = true;
    // Two macrotask turns: let every promise chain that is about to register a timer do so first.
    setImmediate(() =>
      setImmediate(() => {
        this.#scheduled = false;
        const next = this.#earliest();
        if (next) this.#fire(next);
        if (this.#timers.length) this.#schedule();
      }),
    );
  }
}
