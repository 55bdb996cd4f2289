import { describe, expect, it } from 'vitest';
import { SeriesBuilder, parseSummary, percentile, thresholdEnv, thresholdSpecs, type SummaryExport } from './k6-results.ts';

const signoff = { p95Ms: 200, p99Ms: 500, errorRate: 0.001, minRps: 100 };

describe('thresholdSpecs / thresholdEnv', () => {
  it('turns the sign-off thresholds into the k6 expressions the scripts declare', () => {
    expect(thresholdSpecs(signoff).map((s) => [s.name, s.metric, s.expression])).toEqual([
      ['p95<200ms', 'http_req_duration', 'p(95)<200'],
      ['p99<500ms', 'http_req_duration', 'p(99)<500'],
      ['errorRate<0.1%', 'http_req_failed', 'rate<0.001'],
      ['rps>100', 'http_reqs', 'rate>100'],
    ]);
    expect(thresholdSpecs({ ...signoff, minRps: undefined }).map((s) => s.name)).not.toContain('rps>100');
    expect(thresholdEnv(signoff)).toEqual({ P95_MS: '200', P99_MS: '500', ERROR_RATE: '0.001', MIN_RPS: '100' });
    expect(thresholdEnv({ p95Ms: 1, p99Ms: 2, errorRate: 0 }).MIN_RPS).toBe('0');
  });
});

describe('parseSummary', () => {
  const summary: SummaryExport = {
    metrics: {
      http_req_duration: { med: 4.2, 'p(95)': 250.5, 'p(99)': 300, thresholds: { 'p(95)<200': true, 'p(99)<500': false } },
      http_req_failed: { value: 0.0005, passes: 1, fails: 1999, thresholds: { 'rate<0.001': false } },
      http_reqs: { count: 2000, rate: 99.5, thresholds: { 'rate>100': true } },
    },
    state: { testRunDurationMs: 20_100 },
  };

  it("reads overall numbers and k6's own threshold verdicts (true = crossed)", () => {
    const parsed = parseSummary(summary, signoff);
    expect(parsed).toMatchObject({ requests: 2000, errorRate: 0.0005, rps: 99.5, p50Ms: 4.2, p95Ms: 250.5, p99Ms: 300, testRunDurationMs: 20_100 });
    expect(parsed.thresholds.filter((t) => !t.ok).map((t) => t.name)).toEqual(['p95<200ms', 'rps>100']);
    expect(parsed.thresholds[0]).toEqual({ name: 'p95<200ms', limit: 200, actual: 250.5, ok: false });
  });

  it('computes a verdict when k6 recorded none, and fails a threshold with no measurement', () => {
    const parsed = parseSummary({ metrics: { http_req_duration: { med: 1, 'p(95)': 10, 'p(99)': 20 } } }, signoff);
    expect(parsed.thresholds.map((t) => [t.name, t.ok])).toEqual([
      ['p95<200ms', true],
      ['p99<500ms', true],
      ['errorRate<0.1%', false],
      ['rps>100', false],
    ]);
    expect(parsed.requests).toBe(0);
  });
});

describe('percentile', () => {
  it('interpolates linearly between closest ranks like k6', () => {
    expect(percentile([], 95)).toBeNull();
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5.5);
    expect(percentile([10, 20], 95)).toBeCloseTo(19.5);
  });
});

describe('SeriesBuilder', () => {
  const header = 'metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata';
  const row = (metric: string, tMs: number, value: number) => `${metric},${tMs},${value},,,,true,,GET,health,,default,,200,,,,run_id=r1,`;

  it('folds k6 CSV rows into per-second samples on the monotonic clock, zero-filling silent seconds', () => {
    // wall 1_700_000_000_000 == monotonic 5_000 (offset = mono - wall); k6 started at monotonic 5_000
    const wall0 = 1_700_000_000_000;
    const b = new SeriesBuilder({ offsetMs: 5_000 - wall0, originMs: 5_000 });
    b.addLine(header);
    for (let i = 1; i <= 20; i++) {
      b.addLine(row('http_req_duration', wall0 + 100 + i, i));
      b.addLine(row('http_req_failed', wall0 + 100 + i, i === 20 ? 1 : 0));
      b.addLine(row('http_reqs', wall0 + 100 + i, 1));
      b.addLine(row('http_req_waiting', wall0 + 100 + i, 999));
    }
    b.addLine(row('http_req_duration', wall0 + 2_500, 300));
    b.addLine(row('http_req_failed', wall0 + 2_500, 1));
    b.addLine('');
    expect(b.build()).toEqual([
      { atMs: 5_000, requests: 20, errors: 1, p95Ms: 19.05 },
      { atMs: 6_000, requests: 0, errors: 0, p95Ms: null },
      { atMs: 7_000, requests: 1, errors: 1, p95Ms: 300 },
    ]);
  });

  it('accepts second-resolution timestamps (k6 default) and rejects a file that is not k6 CSV', () => {
    const b = new SeriesBuilder({ offsetMs: -1_700_000_000_000, originMs: 0 });
    b.addLine(header);
    b.addLine(row('http_req_duration', 1_700_000_001, 5));
    expect(b.build()).toEqual([{ atMs: 1_000, requests: 1, errors: 0, p95Ms: 5 }]);
    expect(() => new SeriesBuilder({ offsetMs: 0, originMs: 0 }).addLine('a,b,c')).toThrow(/not a k6 CSV header/);
  });
});
