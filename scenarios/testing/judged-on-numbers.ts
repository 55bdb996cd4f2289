// Assertions for tests on real systems (integration, e2e) that replace `expect(journal.verdict).toBe('met')`.
// A detection objective of a couple of seconds on a shared 2-core machine measures the machine, not the harness:
// such a test asserts instead that the numbers were measured and that the verdict follows them. The numbers
// themselves are printed by the benches (tools/bench), never asserted.
import { expect } from 'vitest';
import type { Journal, ObjectiveName, Verdict } from '../journal.ts';

type Judged = Pick<Journal, 'scenario' | 'status' | 'deviated' | 'verdict' | 'objectives'>;

/** The verdict a journal must carry for its status, steady state and objectives (the runner's contract, restated). */
export function expectedVerdict(j: Pick<Journal, 'status' | 'deviated' | 'objectives'>): Verdict {
  if (j.status === 'failed' || j.status === 'interrupted') return 'inconclusive';
  if (j.deviated) return 'not-met';
  return j.objectives.every((o) => o.met === true) ? 'met' : 'not-met';
}

/**
 * Every objective was measured (a finite, non-negative number of ms; a measured boolean for load thresholds), each one is judged exactly `measured < limit`, and the verdict follows them.
 */
export function expectVerdictFollowsNumbers(j: Judged): void {
  const id = j.scenario.id;
  expect(j.objectives.length, `${id}: no objectives were judged`).toBeGreaterThan(0);
  for (const o of j.objectives) {
    const what = `${id}: ${o.statement} (${o.reason})`;
    if (o.unit === 'bool') {
      expect(o.met, `${what}: not measured`).not.toBeNull();
      continue;
    }
    expect(o.measured, `${what}: not measured`).not.toBeNull();
    expect(Number.isFinite(o.measured), what).toBe(true);
    // journal times are whole ms: a detection on the first check can be 0 ms, an RPO with nothing lost is 0
    expect(o.measured!, what).toBeGreaterThanOrEqual(0);
    expect(o.limit, what).not.toBeNull();
    expect(o.met, `${what}: judged against its numbers`).toBe(o.measured! < o.limit!);
  }
  expect(j.verdict, `${id}: ${JSON.stringify(j.objectives)}`).toBe(expectedVerdict(j));
}

/**
 * The run completed with its steady state held, the objectives named in `mustMeet` were met (limits in minutes,
 * where a miss is the system failing, not the machine being busy), and the verdict follows the numbers.
 */
export function expectJudgedOnItsNumbers(j: Judged & Pick<Journal, 'error'>, options: { mustMeet: readonly ObjectiveName[] }): void {
  const id = j.scenario.id;
  expect(j.status, `${id}: ${JSON.stringify(j.error)}`).toBe('completed');
  expect(j.deviated, `${id}: steady state deviated`).toBe(false);
  const names = j.objectives.map((o) => o.name);
  for (const name of options.mustMeet) {
    expect(names, `${id}: no ${name} objective`).toContain(name);
    const o = j.objectives.find((x) => x.name === name)!;
    expect(o.met, `${id}: ${o.statement}: ${o.reason}`).toBe(true);
  }
  expectVerdictFollowsNumbers(j);
}
