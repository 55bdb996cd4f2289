import { describe, expect, it } from 'vitest';
import { DrillbookError, WaitTimeoutError } from '../../scenarios/errors.ts';
import { LABELS } from '../../scenarios/ports.ts';
import { deploymentAvailable, jobSucceeded, nodesReady, podsReady } from './conditions.ts';
import type { KubeObject } from './kube-api.ts';
import { KubeClient, applyOrder, withLabels } from './kube-client.ts';
import { FakeKubeApi } from './testing/fake-kube-api.ts';

const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gravl' } };
const deploy = (available: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'backend', namespace: 'gravl', generation: 1 },
  spec: { replicas: 2, template: { metadata: { labels: { app: 'backend' } }, spec: {} } },
  status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: available },
});
const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'gravl' } };

describe('KubeClient.apply', () => {
  it('applies in dependency order (namespace, secret, deployment) whatever the input order', async () => {
    const api = new FakeKubeApi();
    await new KubeClient(api).apply([deploy(0), secret, ns]);
    expect(api.applied.map((o) => o.kind)).toEqual(['Namespace', 'Secret', 'Deployment']);
  });

  it('labels every object and pod template with managed-by and the run labels, keeping the input intact', async () => {
    const api = new FakeKubeApi();
    const input = deploy(0);
    await new KubeClient(api, { labels: { [LABELS.runId]: 'r1' } }).apply([input]);
    const applied = api.applied[0] as KubeObject & { spec: { template: { metadata: { labels: Record<string, string> } } } };
    expect(applied.metadata.labels).toMatchObject({ [LABELS.managedBy]: 'drillbook', [LABELS.runId]: 'r1' });
    expect(applied.spec.template.metadata.labels).toMatchObject({ app: 'backend', [LABELS.managedBy]: 'drillbook' });
    expect(input.metadata.labels).toBeUndefined();
  });

  it('wraps a server error with the object it was applying', async () => {
    const api = new FakeKubeApi();
    api.apply = async () => {
      throw new Error('field is immutable');
    };
    await expect(new KubeClient(api).apply([secret])).rejects.toThrow(/Secret gravl\/db failed: field is immutable/);
  });

  it('keeps unknown kinds last, in input order', () => {
    const crd = { apiVersion: 'x/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(applyOrder([crd, ns]).map((o) => o.kind)).toEqual(['Namespace', 'Widget']);
    expect(withLabels(ns, {}).metadata.labels?.[LABELS.managedBy]).toBe('drillbook');
  });

  it('labels a StatefulSet\'s claim templates, so the PVCs it creates are known as ours', () => {
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'loki' }, spec: { template: {}, volumeClaimTemplates: [{ metadata: { name: 'data', labels: { app: 'loki' } } }] } };
    const labelled = withLabels(sts, { [LABELS.runId]: 'r1' }) as typeof sts & { spec: { volumeClaimTemplates: { metadata: { labels: Record<string, string> } }[] } };
    expect(labelled.spec.volumeClaimTemplates[0]!.metadata.labels).toEqual({ [LABELS.managedBy]: 'drillbook', [LABELS.runId]: 'r1', app: 'loki' });
    expect(sts.spec.volumeClaimTemplates[0]!.metadata.labels).toEqual({ app: 'loki' }); // input untouched
  });
});

describe('KubeClient.waitFor', () => {
  it('returns at once when the condition already holds', async () => {
    const api = new FakeKubeApi();
    api.set(deploy(2));
    const verdict = await new KubeClient(api).waitFor(deploymentAvailable('gravl', 'backend'), { timeoutMs: 1000 });
    expect(verdict.ok).toBe(true);
    expect(api.openWatches).toBe(0);
  });

  it('resolves from a watch event when the object becomes ready, and closes the watch', async () => {
    const api = new FakeKubeApi();
    api.set(deploy(1));
    const waiting = new KubeClient(api).waitFor(deploymentAvailable('gravl', 'backend'), { timeoutMs: 5000 });
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(api.openWatches).toBe(1);
    api.set(deploy(2));
    await expect(waiting).resolves.toMatchObject({ ok: true, detail: 'available 2/2, updated 2' });
    expect(api.openWatches).toBe(0);
  });

  it('times out with the last thing it saw', async () => {
    const api = new FakeKubeApi();
    api.set(deploy(1));
    const error = await new KubeClient(api).waitFor(deploymentAvailable('gravl', 'backend'), { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).condition).toBe('Deployment gravl/backend available');
    expect((error as WaitTimeoutError).lastValue).toBe('available 1/2, updated 2');
  });

  it('stops early when a Job fails', async () => {
    const api = new FakeKubeApi();
    api.set({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: 'gravl' },
      status: { failed: 3, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
    });
    await expect(new KubeClient(api).waitFor(jobSucceeded('gravl', 'migrate'), { timeoutMs: 5000 })).rejects.toThrow(DrillbookError);
  });

  it('counts pods by selector and ignores the ones being deleted', () => {
    const pod = (name: string, ready: boolean, deleting = false): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'gravl', labels: { app: 'x' }, ...(deleting ? { deletionTimestamp: 'now' } : {}) },
      status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    });
    const cond = podsReady('gravl', 'app=x', 2);
    expect(cond.evaluate([pod('a', true), pod('b', true), pod('c', false, true)]).ok).toBe(true);
    expect(cond.evaluate([pod('a', true), pod('b', false)]).ok).toBe(false);
    expect(nodesReady(1).evaluate([]).ok).toBe(false);
  });

  it('aborts when the caller aborts', async () => {
    const api = new FakeKubeApi();
    const controller = new AbortController();
    const waiting = new KubeClient(api).waitFor(deploymentAvailable('gravl', 'backend'), { timeoutMs: 5000, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toThrow(/interrupted/);
  });
});

describe('KubeClient.runJob', () => {
  const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'db-status', namespace: 'gravl' }, spec: {} };
  const pod = (terminated: Record<string, unknown>, last = false): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db-status-x1', namespace: 'gravl', labels: { 'job-name': 'db-status' } },
    status: { containerStatuses: [last ? { state: { waiting: {} }, lastState: { terminated } } : { state: { terminated } }] },
  });
  /** The Job "runs" when applied: its pod ends with `terminated`, the Job with `condition`. */
  const cluster = (terminated: Record<string, unknown>, condition: Record<string, unknown>, last = false) => {
    const api = new FakeKubeApi();
    api.onApply = (o) => {
      if (o.kind !== 'Job') return;
      setImmediate(() => {
        api.set(pod(terminated, last));
        api.set({ ...o, status: { conditions: [condition] } });
      });
    };
    return api;
  };

  it("applies the Job, waits for it and returns its pod's termination message", async () => {
    const api = cluster({ exitCode: 0, message: 'instance=region-a recovery=false\n' }, { type: 'Complete', status: 'True' });
    const r = await new KubeClient(api).runJob(job, { timeoutMs: 5_000 });
    expect(r.message).toBe('instance=region-a recovery=false');
    expect(r.ms).toBeGreaterThanOrEqual(0);
    expect(api.applied.map((o) => o.metadata.name)).toEqual(['db-status']);
  });

  it('a failed Job throws with what its pod said', async () => {
    const api = cluster({ exitCode: 2, message: 'psql: error: connection refused' }, { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }, true);
    await expect(new KubeClient(api).runJob(job, { timeoutMs: 5_000 })).rejects.toThrow(/Job db-status failed: BackoffLimitExceeded; the pod said: psql: error: connection refused/);
  });

  it('a Job that reports nothing is an error, not an empty answer', async () => {
    const api = cluster({ exitCode: 0 }, { type: 'Complete', status: 'True' });
    await expect(new KubeClient(api).runJob(job, { timeoutMs: 5_000 })).rejects.toThrow(/succeeded but its pod left no termination message/);
  });
});
