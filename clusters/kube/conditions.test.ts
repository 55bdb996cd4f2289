import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-api.ts';
import { jobAttemptFailed, lastFailure, podUnschedulable } from './conditions.ts';

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
