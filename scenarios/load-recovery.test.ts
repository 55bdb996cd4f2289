import { describe, expect, it } from 'vitest';
import { findOutages, findRecoveredAt, secondHealth } from './load-recovery.ts';
import type { LoadSample } from './ports.ts';

const thresholds = { p95Ms: 200, errorRate: 0.001 };

/** One sample per second from `startMs`; each letter: h healthy, e errors, s slow, _ no traffic. */
function series(pattern: string, startMs = 10_000): LoadSample[] {
  return [...pattern].map((c, i) => {
    const atMs = startMs + i * 1000;
    switch (c) {
      case 'h':
        return { atMs, requests: 100, errors: 0, p95Ms: 20 };
      case 'e':
        return { atMs, requests: 100, errors: 30, p95Ms: 15 };
      case 's':
        return { atMs, requests: 50, errors: 0, p95Ms: 900 };
      case '_':
        return { atMs, requests: 0, errors: 0, p95Ms: null };
      default:
        throw new Error(`bad pattern char ${c}`);
    }
  });
}

describe('secondHealth', () => {
  it('classifies each second against the per-second thresholds', () => {
    expect(secondHealth({ atMs: 0, requests: 1000, errors: 1, p95Ms: 200 }, thresholds)).toBe('healthy');
    expect(secondHealth({ atMs: 0, requests: 1000, errors: 2, p95Ms: 10 }, thresholds)).toBe('errors');
    expect(secondHealth({ atMs: 0, requests: 10, errors: 0, p95Ms: 200.5 }, thresholds)).toBe('slow');
    expect(secondHealth({ atMs: 0, requests: 0, errors: 0, p95Ms: null }, thresholds)).toBe('no-traffic');
  });
});

describe('findRecoveredAt', () => {
  it('returns the start of the first healthy window after the outage', () => {
    // fault at 13_500 -> errors in seconds 14, 15, 16 -> healthy from 17_000 on
    const s = series('hhhheeehhhhh');
    expect(findRecoveredAt(s, { afterMs: 13_500, windowSeconds: 3, thresholds })).toBe(17_000);
  });

  it('ignores healthy seconds between the fault and its visible impact', () => {
    const s = series('hhhhhhhhsseehhhh');
    // fault at 11_000, impact starts at 18_000; a 3 s window of healthy seconds right after the fault is not recovery
    expect(findRecoveredAt(s, { afterMs: 11_000, windowSeconds: 3, thresholds })).toBe(22_000);
  });

  it('needs the whole window: a short healthy blip inside the outage does not count', () => {
    const s = series('eehheeehhhh', 0);
    expect(findRecoveredAt(s, { afterMs: 0, windowSeconds: 3, thresholds })).toBe(7_000);
    expect(findRecoveredAt(s, { afterMs: 0, windowSeconds: 2, thresholds })).toBe(2_000);
  });

  it('treats seconds without traffic and gaps in the series as not healthy', () => {
    const silent = series('hhee__hhhh', 0);
    expect(findRecoveredAt(silent, { afterMs: 2_000, windowSeconds: 4, thresholds })).toBe(6_000);
    const gapped = series('eehhhhhh', 0).filter((s) => s.atMs !== 4_000);
    // healthy at 2,3 then a gap at 4, then 5,6,7: the 3 s window starts at 5_000
    expect(findRecoveredAt(gapped, { afterMs: 0, windowSeconds: 3, thresholds })).toBe(5_000);
  });

  it('returns null when the series never recovers for a full window', () => {
    expect(findRecoveredAt(series('hheeeehh', 0), { afterMs: 1_000, windowSeconds: 3, thresholds })).toBeNull();
    expect(findRecoveredAt([], { afterMs: 0, windowSeconds: 1, thresholds })).toBeNull();
  });

  it('returns the fault instant itself when users saw no outage at all', () => {
    expect(findRecoveredAt(series('hhhhhh', 0), { afterMs: 1_500, windowSeconds: 3, thresholds })).toBe(1_500);
  });

  it('counts the second the fault landed in, and does not depend on sample order', () => {
    const s = series('hheehhh', 0).reverse();
    expect(findRecoveredAt(s, { afterMs: 2_400, windowSeconds: 2, thresholds })).toBe(4_000);
  });

  it('rejects nonsense windows', () => {
    expect(() => findRecoveredAt([], { afterMs: 0, windowSeconds: 0, thresholds })).toThrow(/positive integer/);
    expect(() => findRecoveredAt([], { afterMs: Number.NaN, windowSeconds: 1, thresholds })).toThrow(/finite/);
  });
});

describe('findOutages', () => {
  it('reports when errors started and stopped, joining silent seconds inside a stretch', () => {
    const outages = findOutages(series('__hhee_ehhsshh', 0), thresholds);
    expect(outages).toHaveLength(2);
    expect(outages[0]).toMatchObject({ fromMs: 4_000, toMs: 8_000, seconds: 4, errors: 90, requests: 300 });
    expect(outages[0]!.kinds).toEqual(expect.arrayContaining(['errors', 'no-traffic']));
    expect(outages[1]).toMatchObject({ fromMs: 10_000, toMs: 12_000, worstP95Ms: 900, kinds: ['slow'] });
  });

  it('is empty for a healthy run', () => {
    expect(findOutages(series('hhhh'), thresholds)).toEqual([]);
  });
});
