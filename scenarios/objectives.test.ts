import { describe, expect, it } from 'vitest';
import { exitCodeFor } from './journal.ts';
import { chooseRto, evaluateObjectives, verdictOf } from './objectives.ts';

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
