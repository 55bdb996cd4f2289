// Parsing what k6 leaves behind: the summary export (overall numbers and k6's own threshold verdicts) and the
// CSV time series (one row per metric sample) folded into per-second LoadSamples on the run's monotonic clock.
// Pure and streaming, so unit tests feed it strings and the driver feeds it a file line by line.
import type { LoadResult, LoadSample, ThresholdResult, Thresholds } from '../../scenarios/ports.ts';

// ---------------------------------------------------------------- thresholds <-> k6 expressions

/** The k6 threshold expressions the load scripts build from env (see suites/load/common.k6.ts). */
export interface ThresholdSpec {
  readonly name: string;
  readonly metric: 'http_req_duration' | 'http_req_failed' | 'http_reqs';
  readonly expression: string;
  readonly limit: number;
  /** Key of the summary-export metric object holding the measured value. */
  readonly stat: 'p(95)' | 'p(99)' | 'value' | 'rate';
  readonly direction: 'below' | 'above';
}

export function thresholdSpecs(t: Thresholds): ThresholdSpec[] {
  const specs: ThresholdSpec[] = [
    { name: `p95<${t.p95Ms}ms`, metric: 'http_req_duration', expression: `p(95)<${t.p95Ms}`, limit: t.p95Ms, stat: 'p(95)', direction: 'below' },
    { name: `p99<${t.p99Ms}ms`, metric: 'http_req_duration', expression: `p(99)<${t.p99Ms}`, limit: t.p99Ms, stat: 'p(99)', direction: 'below' },
    {
      name: `errorRate<${+(t.errorRate * 100).toPrecision(6)}%`,
      metric: 'http_req_failed',
      expression: `rate<${t.errorRate}`,
      limit: t.errorRate,
      stat: 'value',
      direction: 'below',
    },
  ];
  if (t.minRps !== undefined && t.minRps > 0) {
    specs.push({ name: `rps>${t.minRps}`, metric: 'http_reqs', expression: `rate>${t.minRps}`, limit: t.minRps, stat: 'rate', direction: 'above' });
  }
  return specs;
}

/** k6 env vars carrying the thresholds into the scripts. MIN_RPS=0 disables the throughput threshold. */
export function thresholdEnv(t: Thresholds): Record<string, string> {
  return {
    P95_MS: String(t.p95Ms),
    P99_MS: String(t.p99Ms),
    ERROR_RATE: String(t.errorRate),
    MIN_RPS: String(t.minRps ?? 0),
  };
}

// ---------------------------------------------------------------- summary export

interface SummaryMetric {
  readonly [stat: string]: unknown;
  readonly thresholds?: Readonly<Record<string, boolean>>;
}

export interface SummaryExport {
  readonly metrics: Readonly<Record<string, SummaryMetric>>;
  readonly state?: { readonly testRunDurationMs?: number };
}

/** The summary's share of a LoadResult (the series comes from the time-series output), plus k6's own duration. */
export type ParsedSummary = Pick<LoadResult, 'requests' | 'errorRate' | 'rps' | 'p50Ms' | 'p95Ms' | 'p99Ms' | 'thresholds'> & {
  readonly testRunDurationMs: number | null;
};

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function isSummaryExport(value: unknown): value is SummaryExport {
  return typeof value === 'object' && value !== null && typeof (value as { metrics?: unknown }).metrics === 'object' && (value as { metrics: unknown }).metrics !== null;
}

/**
 * Reads k6's `--summary-export` JSON. A threshold's boolean in that file is k6's "failed" flag (true = crossed);
 * when k6 did not record one (no samples for the metric), the verdict is computed from the measured value,
 * and a missing value fails the threshold: no evidence is not a pass.
 */
export function parseSummary(summary: SummaryExport, thresholds: Thresholds): ParsedSummary {
  const metric = (name: string): SummaryMetric => summary.metrics[name] ?? {};
  const duration = metric('http_req_duration');
  const failed = metric('http_req_failed');
  const reqs = metric('http_reqs');
  const results = thresholdSpecs(thresholds).map((spec): ThresholdResult => {
    const actual = num(metric(spec.metric)[spec.stat]);
    const k6Failed = metric(spec.metric).thresholds?.[spec.expression];
    const computedOk = actual !== null && (spec.direction === 'below' ? actual < spec.limit : actual > spec.limit);
    const ok = typeof k6Failed === 'boolean' ? !k6Failed : computedOk;
    return { name: spec.name, limit: spec.limit, actual, ok };
  });
  return {
    requests: num(reqs['count']) ?? 0,
    errorRate: num(failed['value']) ?? 0,
    rps: num(reqs['rate']) ?? 0,
    p50Ms: num(duration['med']),
    p95Ms: num(duration['p(95)']),
    p99Ms: num(duration['p(99)']),
    thresholds: results,
    testRunDurationMs: num(summary.state?.testRunDurationMs),
  };
}

// ---------------------------------------------------------------- CSV time series

/** Percentile with linear interpolation between closest ranks (what k6 reports for p(N)). */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  if (sorted.length === 1) return sorted[0]!;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const lo = sorted[lower]!;
  const hi = sorted[upper]!;
  return lo + (hi - lo) * (rank - lower);
}

interface Bucket {
  durations: number[];
  errors: number;
}

/**
 * Folds k6 CSV rows (`--out csv`, K6_CSV_TIME_FORMAT=unix_milli) into one LoadSample per second.
 * `offsetMs` converts k6's wall timestamps to the run's monotonic clock (clock.now() - clock.wallNow());
 * seconds are counted from `originMs` (monotonic, the moment k6 was started) so windows line up with the run.
 */
export class SeriesBuilder {
  readonly #offsetMs: number;
  readonly #originMs: number;
  readonly #buckets = new Map<number, Bucket>();
  #columns: { name: number; time: number; value: number } | null = null;
  #timeScale = 1;
  rows = 0;

  constructor(options: { offsetMs: number; originMs: number }) {
    this.#offsetMs = options.offsetMs;
    this.#originMs = options.originMs;
  }

  addLine(line: string): void {
    if (line === '') return;
    if (this.#columns === null) {
      const header = line.split(',');
      const name = header.indexOf('metric_name');
      const time = header.indexOf('timestamp');
      const value = header.indexOf('metric_value');
      if (name < 0 || time < 0 || value < 0) throw new Error(`not a k6 CSV header: ${line.slice(0, 200)}`);
      this.#columns = { name, time, value };
      return;
    }
    // Only the first three columns matter and they never contain commas; avoid splitting the whole row.
    const cols = this.#columns;
    const maxCol = Math.max(cols.name, cols.time, cols.value);
    const fields: string[] = [];
    let start = 0;
    for (let i = 0; i <= maxCol; i++) {
      const comma = line.indexOf(',', start);
      fields.push(comma === -1 ? line.slice(start) : line.slice(start, comma));
      if (comma === -1) break;
      start = comma + 1;
    }
    const metric = fields[cols.name];
    if (metric !== 'http_req_duration' && metric !== 'http_req_failed') return;
    const rawTime = Number(fields[cols.time]);
    const value = Number(fields[cols.value]);
    if (!Number.isFinite(rawTime) || !Number.isFinite(value)) return;
    this.rows++;
    // Accept seconds (k6's default 'unix') too: anything below 1e11 cannot be epoch milliseconds.
    if (this.rows === 1 && rawTime < 1e11) this.#timeScale = 1000;
    const monoMs = rawTime * this.#timeScale + this.#offsetMs;
    const index = Math.floor((monoMs - this.#originMs) / 1000);
    let bucket = this.#buckets.get(index);
    if (!bucket) {
      bucket = { durations: [], errors: 0 };
      this.#buckets.set(index, bucket);
    }
    if (metric === 'http_req_duration') bucket.durations.push(value);
    else if (value > 0) bucket.errors++;
  }

  /** Contiguous per-second series from the first to the last second with a sample; empty seconds are zeros. */
  build(): LoadSample[] {
    if (this.#buckets.size === 0) return [];
    const indices = [...this.#buckets.keys()];
    const first = Math.min(...indices);
    const last = Math.max(...indices);
    const series: LoadSample[] = [];
    for (let i = first; i <= last; i++) {
      const bucket = this.#buckets.get(i);
      const sorted = bucket ? Float64Array.from(bucket.durations).sort() : new Float64Array();
      const p95 = percentile(sorted, 95);
      series.push({
        atMs: this.#originMs + i * 1000,
        requests: sorted.length,
        errors: bucket?.errors ?? 0,
        p95Ms: p95 === null ? null : Math.round(p95 * 100) / 100,
      });
    }
    return series;
  }
}
