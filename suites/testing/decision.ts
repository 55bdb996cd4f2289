// The go/no-go decision of a suite run follows its journals and readiness checks: asserted in tests on real
// systems instead of `expect(decision).toBe('go')`, which on a shared 2-core machine would assert that every
// detection happened within its couple of seconds (a timing; tools/bench/drills.bench.ts prints those).
import { expect } from 'vitest';
import type { SuiteRun } from '../suite.ts';

export function expectDecisionFollowsVerdicts(run: Pick<SuiteRun, 'journals' | 'report' | 'exitCode'>): void {
  const { report } = run;
  expect(report.harnessErrors).toEqual([]);
  const scenariosBlocking = run.journals.filter((j) => j.status !== 'completed' || j.verdict !== 'met').map((j) => j.scenario.id);
  const readinessBlocking = report.readiness.filter((r) => r.blocking && r.status !== 'PASS').map((r) => r.id);
  expect(report.blockingFailures.filter((f) => f.kind === 'scenario').map((f) => f.id)).toEqual(scenariosBlocking);
  expect(report.blockingFailures.filter((f) => f.kind === 'readiness').map((f) => f.id)).toEqual(readinessBlocking);
  const go = scenariosBlocking.length === 0 && readinessBlocking.length === 0;
  expect(report.decision, JSON.stringify(report.blockingFailures)).toBe(go ? 'go' : 'no-go');
  expect(run.exitCode).toBe(go ? 0 : 1);
}
