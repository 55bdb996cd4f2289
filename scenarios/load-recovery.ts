// "Recovered at" as users see it: pure arithmetic over the per-second LoadSample series a load generator
// returns. The engine uses it as the load-based RTO candidate (fault injected -> recovered at).
//
// A second is healthy when it completed at least one request, its error share is not above
// `thresholds.errorRate` and its p95 is not above `thresholds.p95Ms`. A second missing from the series, or
// with no completed request, is NOT healthy: silence during an outage is not recovery.

import type { LoadSample, Thresholds } from './ports.ts';

export const SAMPLE_STEP_MS = 1_000;

export interface RecoveryOptions {
  /** The fault's injection instant, monotonic ms on the run's clock. */
  readonly afterMs: number;
  /** How many consecutive healthy seconds count as "recovered". */
  readonly windowSeconds: number;
  /** Only p95Ms and errorRate are used per second (p99 and throughput are whole-run verdicts). */
  readonly thresholds: Pick<Thresholds, 'p95Ms' | 'errorRate'>;
}

export type SecondHealth = 'healthy' | 'errors' | 'slow' | 'no-traffic';

export function secondHealth(sample: LoadSample, thresholds: Pick<Thresholds, 'p95Ms' | 'errorRate'>): SecondHealth {
  if (sample.requests <= 0) return 'no-traffic';
  if (sample.errors / sample.requests > thresholds.errorRate) return 'errors';
  if (sample.p95Ms === null || sample.p95Ms > thresholds.p95Ms) return 'slow';
  return 'healthy';
}

/**
 * Start (monotonic ms) of the first window of `windowSeconds` consecutive healthy seconds that follows the
 * fault's visible impact, or null when the series never recovers.
 *
 * - The window must start after the first unhealthy second at or after `afterMs` (a fault usually takes a
 *   moment to show; the healthy seconds before it are not recovery).
 * - If no second after `afterMs` is unhealthy, users saw no outage: the result is the start of the first
 *   healthy window at or after `afterMs` (RTO as users see it ~ 0).
 * - Seconds are the series' own windows (`atMs`, one per second); a gap in the series breaks a window.
 */
export function findRecoveredAt(series: readonly LoadSample[], options: RecoveryOptions): number | null {
  const { afterMs, windowSeconds, thresholds } = options;
  if (!Number.isFinite(afterMs)) throw new RangeError(`afterMs must be a finite number, got ${afterMs}`);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
    throw new RangeError(`windowSeconds must be a positive integer, got ${windowSeconds}`);
  }
  // Seconds that end after the fault: the second the fault landed in counts, since users were in it.
  const after = [...series].sort((a, b) => a.atMs - b.atMs).filter((s) => s.atMs + SAMPLE_STEP_MS > afterMs);
  const firstBad = after.findIndex((s) => secondHealth(s, thresholds) !== 'healthy');
  const from = firstBad === -1 ? 0 : firstBad + 1;

  let runStart = -1;
  let runLength = 0;
  for (let i = from; i < after.length; i++) {
    const sample = after[i]!;
    const previous = after[i - 1];
    const contiguous = previous !== undefined && sample.atMs - previous.atMs <= SAMPLE_STEP_MS * 1.5;
    if (secondHealth(sample, thresholds) !== 'healthy') {
      runLength = 0;
      continue;
    }
    if (runLength === 0 || !contiguous) {
      runStart = i;
      runLength = 1;
    } else {
      runLength++;
    }
    if (runLength >= windowSeconds) return Math.max(after[runStart]!.atMs, afterMs);
  }
  return null;
}

export interface Outage {
  /** First unhealthy second's start (monotonic ms). */
  readonly fromMs: number;
  /** End of the last unhealthy second of the stretch (exclusive). */
  readonly toMs: number;
  readonly seconds: number;
  readonly errors: number;
  readonly requests: number;
  /** Worst per-second p95 inside the stretch. */
  readonly worstP95Ms: number | null;
  readonly kinds: readonly SecondHealth[];
}

/**
 * Stretches of consecutive unhealthy seconds: when errors (or slowness) started and stopped, as evidence for
 * the journal. Seconds with no traffic between unhealthy ones join the stretch; leading/trailing silence
 * outside any stretch does not open one (the load had simply not started or already ended).
 */
export function findOutages(series: readonly LoadSample[], thresholds: Pick<Thresholds, 'p95Ms' | 'errorRate'>): Outage[] {
  const sorted = [...series].sort((a, b) => a.atMs - b.atMs);
  const outages: Outage[] = [];
  let open: { samples: LoadSample[]; kinds: Set<SecondHealth> } | null = null;
  let pendingSilence: LoadSample[] = [];
  const close = () => {
    if (!open) return;
    const samples = open.samples;
    const p95s = samples.map((s) => s.p95Ms).filter((v): v is number => v !== null);
    outages.push({
      fromMs: samples[0]!.atMs,
      toMs: samples[samples.length - 1]!.atMs + SAMPLE_STEP_MS,
      seconds: samples.length,
      errors: samples.reduce((n, s) => n + s.errors, 0),
      requests: samples.reduce((n, s) => n + s.requests, 0),
      worstP95Ms: p95s.length ? Math.max(...p95s) : null,
      kinds: [...open.kinds],
    });
    open = null;
  };
  for (const sample of sorted) {
    const health = secondHealth(sample, thresholds);
    if (health === 'healthy') {
      close();
      pendingSilence = [];
    } else if (health === 'no-traffic') {
      if (open) pendingSilence.push(sample);
    } else {
      if (!open) open = { samples: [], kinds: new Set() };
      if (pendingSilence.length) {
        open.samples.push(...pendingSilence);
        open.kinds.add('no-traffic');
        pendingSilence = [];
      }
      open.samples.push(sample);
      open.kinds.add(health);
    }
  }
  close();
  return outages;
}

/** A second within the per-second thresholds (the name main's first draft used; same rule as secondHealth). */
export function isHealthySample(sample: LoadSample, thresholds: Pick<Thresholds, 'p95Ms' | 'errorRate'>): boolean {
  return secondHealth(sample, thresholds) === 'healthy';
}
