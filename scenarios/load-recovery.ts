// "Recovered at" as users see it: the start of the first window of N seconds after a fault in which every
// sample is back within the thresholds. Pure.
import type { LoadSample, Thresholds } from './ports.ts';

export interface RecoveryOptions {
  /** Only windows starting at or after this instant count (the fault start), monotonic ms. */
  afterMs: number;
  /** How many consecutive healthy seconds make a recovery. */
  windowSeconds: number;
  thresholds: Pick<Thresholds, 'p95Ms' | 'errorRate'>;
}

export function isHealthySample(s: LoadSample, t: RecoveryOptions['thresholds']): boolean {
  if (s.requests === 0) return false; // no traffic got through: not recovered
  return s.errors / s.requests <= t.errorRate && s.p95Ms !== null && s.p95Ms < t.p95Ms;
}

export function findRecoveredAt(series: readonly LoadSample[], options: RecoveryOptions): number | null {
  const samples = series.filter((s) => s.atMs >= options.afterMs).sort((a, b) => a.atMs - b.atMs);
  let runStart: number | null = null;
  let runLength = 0;
  for (const s of samples) {
    if (isHealthySample(s, options.thresholds)) {
      if (runStart === null) runStart = s.atMs;
      runLength += 1;
      if (runLength >= options.windowSeconds) return runStart;
    } else {
      runStart = null;
      runLength = 0;
    }
  }
  return null;
}
