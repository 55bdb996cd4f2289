import { describe, expect, it } from 'vitest';
import { judgeSuite } from '../scenarios/decision.ts';
import { buildSuiteReport } from './suite-report.ts';
import { sampleJournal } from './testing/sample-journals.ts';
import { readyReadiness, stagingReadiness } from './testing/sample-readiness.ts';

const met = () => sampleJournal({ scenarioId: 'a' });

describe('go/no-go decision', () => {
  it('is go when every blocking check passes and every journal completed with objectives met', () => {
    const r = buildSuiteReport({ suite: 'signoff', runId: 'r1', startedAtWall: '2026-03-07T02:00:00Z', journals: [met()], readiness: readyReadiness() });
    expect(r.decision).toBe('go');
    expect(r.blockingFailures).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('a non-blocking FAIL does not block', () => {
    const readiness = readyReadiness().map((x) => (x.id === 'logs-loki' ? { ...x, status: 'FAIL' as const } : x));
    expect(judgeSuite({ journals: [met()], readiness }).decision).toBe('go');
  });

  it('a blocking PENDING blocks, with its action', () => {
    const readiness = readyReadiness().map((x) => (x.id === 'tls' ? { ...x, status: 'PENDING' as const, action: 'deploy cert-manager' } : x));
    const d = judgeSuite({ journals: [met()], readiness });
    expect(d.decision).toBe('no-go');
    expect(d.blockingFailures).toEqual([{ kind: 'readiness', id: 'tls', title: readiness.find((x) => x.id === 'tls')!.title, reason: 'PENDING', action: 'deploy cert-manager' }]);
  });

  it('an objective not met blocks, naming the objective', () => {
    const d = judgeSuite({ journals: [sampleJournal({ scenarioId: 'slow', rtoMs: 1_000_000, rtoObjectiveMs: 900_000 })], readiness: [] });
    expect(d.decision).toBe('no-go');
    expect(d.blockingFailures[0]).toMatchObject({ kind: 'scenario', id: 'slow', reason: 'verdict not-met' });
    expect(d.blockingFailures[0]!.action).toContain('RTO < 900 s');
  });

  it('an aborted run blocks (steady state deviated) but is not a harness error', () => {
    const r = buildSuiteReport({ suite: 'nightly', runId: 'r', startedAtWall: 'x', journals: [sampleJournal({ abortBeforeInject: true })] });
    expect(r.decision).toBe('no-go');
    expect(r.blockingFailures[0]!.reason).toBe('status aborted');
    expect(r.exitCode).toBe(1);
  });

  it('exit code 2 for a harness error (failed run or crashed check), 130 for an interrupted run', () => {
    const failed = { ...met(), status: 'failed' as const, error: { name: 'ToolFailedError', message: 'kubectl: not found' } };
    const r = buildSuiteReport({ suite: 'nightly', runId: 'r', startedAtWall: 'x', journals: [failed] });
    expect(r.harnessErrors[0]).toContain('kubectl: not found');
    expect(r.blockingFailures[0]).toMatchObject({ reason: 'status failed', action: 'kubectl: not found' });
    const hinted = { ...failed, error: { ...failed.error, message: 'timed out waiting for TestRun x; last seen: stage created', hint: 'is k6-operator running?' } };
    expect(buildSuiteReport({ suite: 'nightly', runId: 'r', startedAtWall: 'x', journals: [hinted] }).blockingFailures[0]).toMatchObject({
      reason: 'status failed: timed out waiting for TestRun x; last seen: stage created',
      action: 'is k6-operator running?',
    });
    expect(r.exitCode).toBe(2);
    const crashed = buildSuiteReport({ suite: 's', runId: 'r', startedAtWall: 'x', journals: [], readiness: [{ id: 'x', title: 'x', status: 'FAIL', blocking: false, source: '', evidence: [], action: null, error: 'boom' }] });
    expect(crashed.exitCode).toBe(2);
    expect(buildSuiteReport({ suite: 's', runId: 'r', startedAtWall: 'x', journals: [{ ...met(), status: 'interrupted' }] }).exitCode).toBe(130);
  });

  it('a drill skipped because the stack lacks a component is not GO: a blocking failure with the reason, exit 1 (not a harness error, not an interruption)', () => {
    const reason = 'stack has no backup component: add stack.components.backup to drill runbook BLOCKING_ISSUES_REMEDIATION.md § Issue #2';
    const skipped = { ...met(), scenario: { ...met().scenario, id: 'backup-job-missing' }, status: 'skipped' as const, verdict: 'inconclusive' as const, phases: [], faults: [], error: { name: 'Skipped', message: reason } };
    const r = buildSuiteReport({ suite: 'signoff', runId: 'r', startedAtWall: 'x', journals: [met(), skipped], readiness: readyReadiness() });
    expect(r.decision).toBe('no-go');
    expect(r.blockingFailures).toEqual([{ kind: 'scenario', id: 'backup-job-missing', title: skipped.scenario.title, reason: 'skipped', action: reason }]);
    expect(r.harnessErrors).toEqual([]);
    expect(r.interrupted).toBe(false);
    expect(r.exitCode).toBe(1);
  });

  it('an interrupted suite is never go, even when every journal it has met its objectives', () => {
    const r = buildSuiteReport({ suite: 's', runId: 'r', startedAtWall: 'x', journals: [met()], interrupted: true });
    expect(r.decision).toBe('no-go');
    expect(r.exitCode).toBe(130);
  });

  it('the staging cluster of the sign-off document is no-go with 8 blocking readiness failures', () => {
    const d = judgeSuite({ journals: [], readiness: stagingReadiness() });
    expect(d.decision).toBe('no-go');
    expect(d.blockingFailures.map((b) => b.id).sort()).toEqual(['alerting', 'backup', 'db-credentials', 'load-test', 'network-policies', 'no-restarts-under-load', 'secrets-management', 'tls']);
  });
});
