import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { FaultLedger } from '../state/ledger.ts';
import { setKubeApiFactory } from '../state/undo.ts';
import { FAULT_FIELD_MANAGER, KubeFaultInjector, REVERT_FIELD_MANAGER } from './kube.fault.ts';

const ours = { [LABELS.managedBy]: MANAGED_BY };
const runLabels = { ...ours, [LABELS.runId]: 'run-1', [LABELS.scenario]: 'bad-release-rollback' };
const cluster = { kubeconfig: '/nonexistent/kubeconfig', context: 'kind-drillbook-test' };

function deployment(image = 'drillbook/gravl-backend:v2-aaaa', labels: Record<string, string> = ours): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'backend', namespace: 'gravl', labels },
    spec: {
      replicas: 3,
      selector: { matchLabels: { component: 'backend' } },
      template: { metadata: { labels: { component: 'backend' } }, spec: { containers: [{ name: 'backend', image, args: ['serve'] }, { name: 'sidecar', image: 'x:1' }] } },
    },
  };
}
const pod = (name: string, labels: Record<string, string> = { ...ours, component: 'backend' }): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'gravl', labels } });
const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace: 'gravl', labels: ours, uid: 'u1', resourceVersion: '7' }, data: { JWT_SECRET: 'c2VjcmV0' } };

let api: FakeKubeApi;
let ledger: FaultLedger;
let injector: KubeFaultInjector;
let restore: () => void;

beforeEach(() => {
  api = new FakeKubeApi();
  ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'drillbook-ledger-')), 'faults'));
  injector = new KubeFaultInjector(api, cluster, ['gravl'], ledger);
  restore = setKubeApiFactory(() => api);
});
afterEach(() => restore());

describe('KubeFaultInjector.validate', () => {
  it('names every problem before anything is touched', () => {
    expect(injector.validate({ kind: 'node-melt' })[0]).toMatch(/unknown fault kind 'node-melt'.*pod-kill, container-kill, set-image, secret-delete, object-delete/);
    expect(injector.validate({ kind: 'object-delete', namespace: 'gravl', objectKind: 'Namespace', name: 'gravl' })).toEqual([
      "objectKind: 'Namespace' must be one of Secret, ConfigMap, CronJob, NetworkPolicy",
    ]);
    expect(injector.validate({ kind: 'pod-kill', namespace: 'kube-system', selector: 'a=b' })).toEqual([
      "namespace: 'kube-system' is not one this run deployed; allowed: gravl",
    ]);
    expect(injector.validate({ kind: 'pod-kill', namespace: 'gravl', selector: '' })[0]).toMatch(/empty selector would kill every pod/);
    expect(injector.validate({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'gravl:latest' })[0]).toMatch(/explicit tag, not latest/);
    expect(injector.validate({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'drillbook/x:v1' })).toEqual([]);
    expect(injector.validate({ kind: 'secret-delete', namespace: 'gravl' })).toEqual(['name: must name the Secret (DNS label)']);
  });
});

describe('KubeFaultInjector.inject', () => {
  it('pod-kill deletes every matching pod with grace period 0 and leaves nothing in the ledger', async () => {
    api.set(pod('backend-1'));
    api.set(pod('backend-2'));
    api.set(pod('postgres-0', { ...ours, component: 'database' }));
    const fault = await injector.inject({ kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' }, { labels: runLabels });
    expect(api.deleted.map((d) => [d.name, d.gracePeriodSeconds])).toEqual([['backend-1', 0], ['backend-2', 0]]);
    expect(ledger.list()).toEqual([]);
    expect((await fault.revert())[0]!.value).toMatch(/nothing to undo/);
  });

  it('container-kill SIGKILLs the running containers of the matching pods on their nodes, only with node access', async () => {
    const running = (name: string, id: string): KubeObject => ({
      ...pod(name),
      spec: { nodeName: 'drillbook-x-control-plane' },
      status: { containerStatuses: [{ name: 'backend', containerID: `containerd://${id}`, state: { running: {} } }] },
    });
    api.set(running('backend-1', 'aaa111'));
    api.set(running('backend-2', 'bbb222'));
    const spec = { kind: 'container-kill', namespace: 'gravl', selector: 'component=backend' };
    expect(injector.validate(spec)[0]).toMatch(/needs access to the nodes/);
    const calls: string[] = [];
    injector.withNodeExec(async (node, args) => void calls.push(`${node}: ${args.join(' ')}`));
    expect(injector.validate(spec)).toEqual([]);
    await injector.inject(spec, { labels: runLabels });
    expect(calls.sort()).toEqual([
      'drillbook-x-control-plane: ctr -n k8s.io task kill -s SIGKILL aaa111',
      'drillbook-x-control-plane: ctr -n k8s.io task kill -s SIGKILL bbb222',
    ]);
    expect(api.deleted).toEqual([]); // the pods stay; the kubelet restarts their containers
  });

  it('refuses objects without the managed-by label', async () => {
    api.set(pod('foreign', { component: 'backend' }));
    await expect(injector.inject({ kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' }, { labels: runLabels })).rejects.toThrow(/refusing to touch Pod gravl\/foreign/);
    api.set(deployment('img:v1', {}));
    await expect(injector.inject({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'img:v2' }, { labels: runLabels })).rejects.toThrow(/refusing to touch Deployment/);
    expect(api.deleted).toEqual([]);
  });

  it('set-image patches one container with its own field manager; the ledger holds the undo; revert restores image and replicas', async () => {
    api.set(deployment());
    const fault = await injector.inject({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'drillbook/gravl-backend:broken-bbbb' }, { labels: runLabels });
    const stored = () => api.objects.get('apps/v1/Deployment/gravl/backend') as KubeObject & { spec: { replicas: number; template: { spec: { containers: { name: string; image: string; args?: string[] }[] } } } };
    expect(stored().spec.template.spec.containers.map((c) => c.image)).toEqual(['drillbook/gravl-backend:broken-bbbb', 'x:1']);
    expect(stored().spec.template.spec.containers[0]!.args).toEqual(['serve']); // a patch, not a replacement
    expect(api.managers).toEqual([FAULT_FIELD_MANAGER]);
    const [entry] = ledger.list();
    expect(entry).toMatchObject({ runId: 'run-1', scenario: 'bad-release-rollback', faultKind: 'set-image' });
    expect(entry!.undo[0]).toMatchObject({ kind: 'kube-apply', cluster, fieldManager: REVERT_FIELD_MANAGER });

    // the runbook scaled to 0 and was interrupted: the revert brings back replicas and image
    await api.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'backend', namespace: 'gravl' }, spec: { replicas: 0 } }, 'drillbook-runbook');
    const evidence = await fault.revert();
    expect(evidence[0]!.value).toMatch(/re-applied Deployment gravl\/backend in kind-drillbook-test/);
    expect(stored().spec.replicas).toBe(3);
    expect(stored().spec.template.spec.containers[0]!.image).toBe('drillbook/gravl-backend:v2-aaaa');
    expect(ledger.list()).toEqual([]);
    await fault.revert(); // idempotent
    expect(stored().spec.replicas).toBe(3);
  });

  it('secret-delete keeps the copy out of the evidence and re-creates the secret without server fields on revert', async () => {
    api.set(secret);
    const fault = await injector.inject({ kind: 'secret-delete', namespace: 'gravl', name: 'app-secret' }, { labels: runLabels });
    expect(await api.read({ apiVersion: 'v1', kind: 'Secret', namespace: 'gravl', name: 'app-secret' })).toBeUndefined();
    expect(JSON.stringify(fault.evidence)).not.toContain('c2VjcmV0');
    expect(fault.evidence[0]!.value).toMatch(/keys: JWT_SECRET/);
    await fault.revert();
    const back = api.applied.at(-1)!;
    expect(back.metadata).toEqual({ name: 'app-secret', namespace: 'gravl', labels: ours });
    expect((back as { data?: unknown }).data).toEqual({ JWT_SECRET: 'c2VjcmV0' });
  });

  it('object-delete removes a CronJob and re-creates it on revert', async () => {
    const cron: KubeObject = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'postgres-backup-cronjob', namespace: 'gravl', labels: ours }, spec: { schedule: '0 2 * * *' } };
    api.set(cron);
    const fault = await injector.inject({ kind: 'object-delete', namespace: 'gravl', objectKind: 'CronJob', name: 'postgres-backup-cronjob' }, { labels: runLabels });
    expect(api.deleted.map((d) => `${d.kind}/${d.name}`)).toEqual(['CronJob/postgres-backup-cronjob']);
    expect(ledger.list()).toHaveLength(1);
    await fault.revert();
    expect(api.objects.get('batch/v1/CronJob/gravl/postgres-backup-cronjob')).toMatchObject({ spec: { schedule: '0 2 * * *' } });
    expect(ledger.list()).toEqual([]);
  });

  it('a missing target is an error that says so, and nothing is recorded', async () => {
    await expect(injector.inject({ kind: 'secret-delete', namespace: 'gravl', name: 'app-secret' }, { labels: runLabels })).rejects.toThrow(/Secret gravl\/app-secret does not exist/);
    await expect(injector.inject({ kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' }, { labels: runLabels })).rejects.toThrow(/no pod in gravl matches/);
    expect(ledger.list()).toEqual([]);
  });
});
