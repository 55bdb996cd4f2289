import { describe, expect, it } from 'vitest';
import type { Journal, ObjectiveResult } from '../journal.ts';
import { expectedVerdict, expectJudgedOnItsNumbers, expectVerdictFollowsNumbers } from './judged-on-numbers.ts';

const objective = (name: ObjectiveResult['name'], measured: number | null, limit: number, met: boolean | null): ObjectiveResult => ({
  name,
  statement: `${name} < ${limit / 1000} s`,
  limit,
  measured,
  unit: 'ms',
  met,
  reason: 'test',
});
const journal = (objectives: ObjectiveResult[], over: Partial<Journal> = {}) =>
  ({ scenario: { id: 's', title: 's', tags: [], destructive: false }, status: 'completed', deviated: false, verdict: 'met', objectives, ...over }) as Journal;

describe('judged on its numbers', () => {
  it('accepts a slow detection judged not-met, with the verdict that follows', () => {
    const j = journal([objective('rto', 5_000, 900_000, true), objective('detection', 2_400, 2_000, false)], { verdict: 'not-met' });
    expect(() => expectJudgedOnItsNumbers(j, { mustMeet: ['rto'] })).not.toThrow();
    expect(() => expectJudgedOnItsNumbers(journal([objective('detection', 900, 2_000, true)]), { mustMeet: [] })).not.toThrow();
  });

  it('fails when an objective is judged against other numbers than its own', () => {
    expect(() => expectVerdictFollowsNumbers(journal([objective('detection', 2_400, 2_000, true)]))).toThrow(/judged against its numbers/);
    expect(() => expectVerdictFollowsNumbers(journal([objective('rto', 100, 900_000, false)], { verdict: 'not-met' }))).toThrow(/judged against its numbers/);
  });

  it('fails when the verdict does not follow the objectives', () => {
    expect(() => expectVerdictFollowsNumbers(journal([objective('detection', 2_400, 2_000, false)], { verdict: 'met' }))).toThrow();
    expect(() => expectVerdictFollowsNumbers(journal([objective('detection', 900, 2_000, true)], { verdict: 'not-met' }))).toThrow();
  });

  it('fails when a value was not measured, is not finite, or is negative', () => {
    expect(() => expectVerdictFollowsNumbers(journal([objective('detection', null, 2_000, null)], { verdict: 'not-met' }))).toThrow(/not measured/);
    expect(() => expectVerdictFollowsNumbers(journal([objective('rto', Number.NaN, 2_000, false)], { verdict: 'not-met' }))).toThrow();
    expect(() => expectVerdictFollowsNumbers(journal([objective('detection', -5, 2_000, true)]))).toThrow();
    expect(() => expectVerdictFollowsNumbers(journal([objective('rpo', 0, 300_000, true)]))).not.toThrow(); // nothing lost: RPO 0
    expect(() => expectVerdictFollowsNumbers(journal([], { verdict: 'met' }))).toThrow(/no objectives/);
  });

  it('fails when an objective that must be met is missed or absent, or the run did not complete cleanly', () => {
    const slowRto = journal([objective('rto', 1_000_000, 900_000, false)], { verdict: 'not-met' });
    expect(() => expectJudgedOnItsNumbers(slowRto, { mustMeet: ['rto'] })).toThrow();
    expect(() => expectJudgedOnItsNumbers(journal([objective('detection', 900, 2_000, true)]), { mustMeet: ['rpo'] })).toThrow(/no rpo objective/);
    expect(() => expectJudgedOnItsNumbers(journal([objective('rto', 5, 900_000, true)], { deviated: true, verdict: 'not-met' }), { mustMeet: [] })).toThrow(/deviated/);
    expect(() => expectJudgedOnItsNumbers(journal([objective('rto', 5, 900_000, true)], { status: 'interrupted', verdict: 'inconclusive' }), { mustMeet: [] })).toThrow();
  });

  it('restates the verdict contract', () => {
    expect(expectedVerdict(journal([objective('rto', 5, 10, true)], { status: 'failed' }))).toBe('inconclusive');
    expect(expectedVerdict(journal([objective('rto', 5, 10, true)], { deviated: true }))).toBe('not-met');
    expect(expectedVerdict(journal([objective('rto', 5, 10, true), objective('detection', 11, 10, false)]))).toBe('not-met');
    expect(expectedVerdict(journal([objective('rto', 5, 10, true)]))).toBe('met');
  });
});
