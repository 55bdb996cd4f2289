import { describe, expect, it } from 'vitest';
import { computeDataRto, computeRpo } from './data-loss.ts';
import { exitCodeFor } from './journal.ts';
import { findRecoveredAt } from './load-recovery.ts';
import { chooseRto, evaluateObjectives, verdictOf } from './objectives.ts';

const w = (seq: number, ackAtMs: number, survived: boolean) => ({ seq, ackAtMs, survived });

describe('RPO from acknowledged writes', () => {
  it('is zero when every acknowledged write survived', () => {
    expect(computeRpo({ writes: [w(1, 0, true), w(2, 100, true)] })).toEqual({ valueMs: 0, lostWrites: 0, acknowledgedWrites: 2 });
  });
  it('spans from the last survivor before the loss to the last lost write', () => {
    const writes = [w(1, 1000, true), w(2, 2000, true), w(3, 3000, false), w(4, 4000, false), w(5, 9000, true)];
    expect(computeRpo({ writes })).toEqual({ valueMs: 2000, lostWrites: 2, acknowledgedWrites: 5 });
  });
  it('counts a single lost write as the gap since the last survivor, not as zero', () => {
    expect(computeRpo({ writes: [w(1, 1000, true), w(2, 1500, false)] }).valueMs).toBe(500);
  });
  it('with no survivor before the loss, spans the lost writes themselves', () => {
    expect(computeRpo({ writes: [w(1, 1000, false), w(2, 4000, false), w(3, 5000, true)] }).valueMs).toBe(3000);
  });
  it('does not depend on the order the probe reported writes in', () => {
    const writes = [w(5, 9000, true), w(3, 3000, false), w(1, 1000, true)];
    expect(computeRpo({ writes }).valueMs).toBe(2000);
  });
});

describe('RTO from the data probe', () => {
  it('runs from the fault to the moment writes and reads succeed again', () => {
    expect(computeDataRto({ recoveredAtMs: 70_000, outages: [{ fromMs: 12_000, toMs: 69_000 }] }, 10_000)).toBe(60_000);
  });
  it('is zero when the fault caused no outage', () => {
    expect(computeDataRto({ recoveredAtMs: 1_000, outages: [] }, 10_000)).toBe(0);
  });
  it('is unknown when the probe never recovered', () => {
    expect(computeDataRto({ recoveredAtMs: null, outages: [{ fromMs: 1, toMs: 2 }] }, 0)).toBeNull();
  });
});

describe('recovered-at from the load series', () => {
  const t = { p95Ms: 200, errorRate: 0.001 };
  const s = (sec: number, errors: number, p95: number | null, requests = 100) => ({ atMs: sec * 1000, requests, errors, p95Ms: p95 });
  it('is the start of the first fully healthy window after the fault', () => {
    const series = [s(0, 0, 50), s(1, 50, 900), s(2, 0, 50), s(3, 40, 50), s(4, 0, 60), s(5, 0, 70), s(6, 0, 80)];
    expect(findRecoveredAt(series, { afterMs: 1000, windowSeconds: 3, thresholds: t })).toBe(4000);
  });
  it('does not count seconds where no request got through as healthy', () => {
    const series = [s(1, 0, null, 0), s(2, 0, null, 0), s(3, 0, 40), s(4, 0, 40)];
    expect(findRecoveredAt(series, { afterMs: 0, windowSeconds: 2, thresholds: t })).toBe(3000);
  });
  it('is null when the window never completes', () => {
    expect(findRecoveredAt([s(1, 0, 40), s(2, 5, 40)], { afterMs: 0, windowSeconds: 2, thresholds: t })).toBeNull();
  });
});

describe('objectives and verdicts', () => {
  const m = { detectionMs: 1500, rto: { valueMs: 899_999, source: 'verify' as const }, rtoCandidates: { verify: 899_999 }, rpo: null };
  it('objectives are strict upper bounds, as the runbooks write them', () => {
    const [rto] = evaluateObjectives({ rtoSeconds: 900 }, m);
    expect(rto).toMatchObject({ met: true, statement: 'RTO < 900 s' });
    const [exact] = evaluateObjectives({ rtoSeconds: 900 }, { ...m, rto: { valueMs: 900_000, source: 'verify' } });
    expect(exact!.met).toBe(false);
  });
  it('an objective that could not be measured is not met', () => {
    const [rpo] = evaluateObjectives({ rpoSeconds: 300 }, m);
    expect(rpo).toMatchObject({ met: null, measured: null });
    expect(verdictOf('completed', false, [rpo!])).toBe('not-met');
  });
  it('detection objective uses the detection latency', () => {
    expect(evaluateObjectives({ detectionSeconds: 2 }, m)[0]!.met).toBe(true);
    expect(evaluateObjectives({ detectionSeconds: 1 }, m)[0]!.met).toBe(false);
  });
  it('chooses the declared RTO source, else data-probe, load, verify', () => {
    expect(chooseRto({ verify: 3, load: 2 })).toEqual({ valueMs: 2, source: 'load' });
    expect(chooseRto({ verify: 3, load: 2, 'data-probe': 1 })).toEqual({ valueMs: 1, source: 'data-probe' });
    expect(chooseRto({ verify: 3 }, 'load')).toBeNull();
  });
  it('keeps run status apart from the verdict', () => {
    expect(verdictOf('failed', false, [])).toBe('inconclusive');
    expect(verdictOf('interrupted', false, [])).toBe('inconclusive');
    expect(verdictOf('completed', true, [])).toBe('not-met');
    expect(verdictOf('completed', false, [])).toBe('met');
  });
  it('maps journals to the documented exit codes', () => {
    expect(exitCodeFor([{ status: 'completed', verdict: 'met' }])).toBe(0);
    expect(exitCodeFor([{ status: 'completed', verdict: 'met' }, { status: 'aborted', verdict: 'not-met' }])).toBe(1);
    expect(exitCodeFor([{ status: 'failed', verdict: 'inconclusive' }, { status: 'completed', verdict: 'not-met' }])).toBe(2);
    expect(exitCodeFor([{ status: 'interrupted', verdict: 'inconclusive' }])).toBe(130);
  });
});
