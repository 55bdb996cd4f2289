import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-api.ts';
import { jobAttemptFailed, lastFailure, lastTerminationAt, podUnschedulable, podsRestartedSince } from './conditions.ts';

const pod = (status: unknown, name = 'db-migration-x'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'gravl' }, status } as KubeObject);

describe('jobAttemptFailed', () => {
  it('fires on the first non-zero exit, also one the kubelet already restarted, and quotes the failure line', () => {
    const log = [
      '{"level":"info","msg":"migrations: starting","pending":["003_weight_grams","004_exercise_variants"]}',
      '{"level":"info","msg":"migration applied","migration":"003_weight_grams"}',
      '{"level":"fatal","msg":"Migration failed: 004_exercise_variants: duplicate key value violates unique constraint \\"exercises_name_key\\""}',
    ].join('\n');
    const restarted = pod({ containerStatuses: [{ state: { running: {} }, lastState: { terminated: { exitCode: 1, reason: 'Error', message: log } } }] });
    const verdict = jobAttemptFailed('gravl', 'db-migration').evaluate([restarted]);
    expect(verdict.ok).toBe(true);
    expect(verdict.detail).toMatch(/^exit 1 \(Error\): .*Migration failed: 004_exercise_variants: duplicate key value violates unique constraint/);
    expect(verdict.detail).not.toMatch(/migrations: starting/);
    expect(jobAttemptFailed('gravl', 'db-migration').evaluate([pod({ containerStatuses: [{ state: { running: {} } }] })]).ok).toBe(false);
    expect(lastFailure(pod({ containerStatuses: [{ state: { terminated: { exitCode: 0 } } }] }))).toBeUndefined();
  });
});

describe('podUnschedulable', () => {
  it('sees PodScheduled=False with the scheduler\'s reason', () => {
    const pending = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'pod has unbound immediate PersistentVolumeClaims' }] }, 'loki-0');
    expect(podUnschedulable('gravl-logging', 'component=loki').evaluate([pending])).toMatchObject({ ok: true, detail: 'loki-0 Unschedulable: pod has unbound immediate PersistentVolumeClaims' });
    expect(podUnschedulable('gravl-logging', 'component=loki').evaluate([pod({ phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }] }, 'loki-0')]).ok).toBe(false);
  });
});

describe('podsRestartedSince', () => {
  const since = Date.parse('2026-12-05T08:30:00Z');
  const ready = { conditions: [{ type: 'Ready', status: 'True' }] };
  it('waits past the Ready a pod still shows right after a SIGKILL, and past a restart held in CrashLoopBackOff', () => {
    const condition = podsRestartedSince('gravl', 'component=database', since);
    // the kubelet has not noticed yet: still Ready, its last termination is an older crash
    const stale = pod({ ...ready, containerStatuses: [{ state: { running: {} }, lastState: { terminated: { finishedAt: '2026-12-05T08:20:00Z' } } }] }, 'postgres-0');
    expect(condition.evaluate([stale]).ok).toBe(false);
    // noticed: terminated now, waiting in CrashLoopBackOff, not Ready
    const backoff = pod({ conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { finishedAt: '2026-12-05T08:30:01Z' } } }] }, 'postgres-0');
    expect(condition.evaluate([backoff])).toMatchObject({ ok: false, detail: '1/1 restarted, 0 of them ready' });
    // restarted and Ready
    const back = pod({ ...ready, containerStatuses: [{ state: { running: {} }, lastState: { terminated: { finishedAt: '2026-12-05T08:30:01Z' } } }] }, 'postgres-0');
    expect(condition.evaluate([back]).ok).toBe(true);
    expect(lastTerminationAt(pod({ containerStatuses: [{ state: { running: {} } }] }))).toBeUndefined();
    // every replica counts
    expect(podsRestartedSince('gravl', 'component=backend', since, 2).evaluate([back]).ok).toBe(false);
    expect(podsRestartedSince('gravl', 'component=backend', since, 2).evaluate([back, stale]).ok).toBe(false);
  });
});
