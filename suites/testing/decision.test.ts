import { describe, expect, it } from 'vitest';
import { sampleJournal, sampleSuiteReport } from '../../reports/testing/sample-journals.ts';
import { expectDecisionFollowsVerdicts } from './decision.ts';

describe('expectDecisionFollowsVerdicts', () => {
  const met = sampleJournal({ scenarioId: 'a' });
  const missed = sampleJournal({ scenarioId: 'b', rtoMs: 5_000, rtoObjectiveMs: 1_000 });

  it('accepts GO with exit 0 when every journal is met, and NO-GO with exit 1 when one is not', () => {
    expect(met.verdict).toBe('met');
    expect(missed.verdict).toBe('not-met');
    const go = sampleSuiteReport({ journals: [met] });
    expect(() => expectDecisionFollowsVerdicts({ journals: go.journals, report: go, exitCode: 0 })).not.toThrow();
    const noGo = sampleSuiteReport({ journals: [met, missed] });
    expect(() => expectDecisionFollowsVerdicts({ journals: noGo.journals, report: noGo, exitCode: 1 })).not.toThrow();
  });

  it('fails when the decision or the exit code does not follow the verdicts', () => {
    const noGo = sampleSuiteReport({ journals: [met, missed] });
    expect(() => expectDecisionFollowsVerdicts({ journals: noGo.journals, report: { ...noGo, decision: 'go', blockingFailures: [] }, exitCode: 0 })).toThrow();
    expect(() => expectDecisionFollowsVerdicts({ journals: noGo.journals, report: noGo, exitCode: 0 })).toThrow();
    const go = sampleSuiteReport({ journals: [met] });
    expect(() => expectDecisionFollowsVerdicts({ journals: go.journals, report: go, exitCode: 1 })).toThrow();
  });
});
