// A stack someone else deployed carries none of drillbook's labels: in the namespaces the config explicitly allows
// for that context, the allow-list stands in for the labels; anywhere else the guard still refuses.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { FaultLedger } from '../state/ledger.ts';
import { setKubeApiFactory } from '../state/undo.ts';
import { KubeFaultInjector } from './kube.fault.ts';

const runLabels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'run-9', [LABELS.scenario]: 'secret-missing' };
const cluster = { kubeconfig: '/nonexistent/kubeconfig', context: 'staging' };
const theirs = { 'app.kubernetes.io/managed-by': 'helm', component: 'backend' };
const secret = (namespace: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace, labels: { 'app.kubernetes.io/managed-by': 'helm' }, uid: 'u', resourceVersion: '3' }, data: { JWT_SECRET: 'czM=' } });
const pod = (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: theirs } });

let api: FakeKubeApi;
let ledger: FaultLedger;
let restore: () => void;
beforeEach(() => {
  api = new FakeKubeApi();
  ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'drillbook-ledger-')), 'faults'));
  restore = setKubeApiFactory(() => api);
});
afterEach(() => restore());

describe('KubeFaultInjector on a stack drillbook did not deploy', () => {
  it('breaks unlabelled objects of an allowed namespace, through the ledger, and the revert brings them back as they were (no labels added)', async () => {
    const injector = new KubeFaultInjector(api, cluster, ['gravl-staging'], ledger).withUnlabelledObjectsIn(['gravl-staging']);
    api.set(secret('gravl-staging'));
    const fault = await injector.inject({ kind: 'secret-delete', namespace: 'gravl-staging', name: 'app-secret' }, { labels: runLabels });
    expect(await api.read({ apiVersion: 'v1', kind: 'Secret', namespace: 'gravl-staging', name: 'app-secret' })).toBeUndefined();
    expect(ledger.list()).toEqual([expect.objectContaining({ runId: 'run-9', faultKind: 'secret-delete' })]);
    await fault.revert();
    const back = await api.read({ apiVersion: 'v1', kind: 'Secret', namespace: 'gravl-staging', name: 'app-secret' });
    expect(back?.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'helm' });
    expect(ledger.list()).toEqual([]);
  });

  it('pod-kill of their pods in the allowed namespace', async () => {
    const injector = new KubeFaultInjector(api, cluster, ['gravl-staging'], ledger).withUnlabelledObjectsIn(['gravl-staging']);
    api.set(pod('gravl-staging', 'backend-1'));
    await injector.inject({ kind: 'pod-kill', namespace: 'gravl-staging', selector: 'component=backend' }, { labels: runLabels });
    expect(api.deleted.map((d) => d.name)).toEqual(['backend-1']);
  });

  it('without the allow-list the same unlabelled objects are refused and nothing is deleted or recorded', async () => {
    const injector = new KubeFaultInjector(api, cluster, ['gravl-staging'], ledger);
    api.set(secret('gravl-staging'));
    api.set(pod('gravl-staging', 'backend-1'));
    await expect(injector.inject({ kind: 'secret-delete', namespace: 'gravl-staging', name: 'app-secret' }, { labels: runLabels })).rejects.toThrow(/refusing to touch Secret gravl-staging\/app-secret: it has no app.kubernetes.io\/managed-by=drillbook label/);
    await expect(injector.inject({ kind: 'pod-kill', namespace: 'gravl-staging', selector: 'component=backend' }, { labels: runLabels })).rejects.toThrow(/refusing to touch Pod/);
    expect(api.deleted).toEqual([]);
    expect(ledger.list()).toEqual([]);
  });

  it('an allowed namespace does not open another one: unlabelled objects elsewhere stay refused, and the namespace outside the injector is refused up front', async () => {
    const injector = new KubeFaultInjector(api, cluster, ['gravl-staging', 'gravl-logging'], ledger).withUnlabelledObjectsIn(['gravl-staging']);
    api.set(secret('gravl-logging'));
    await expect(injector.inject({ kind: 'secret-delete', namespace: 'gravl-logging', name: 'app-secret' }, { labels: runLabels })).rejects.toThrow(
      /refusing to touch Secret gravl-logging\/app-secret: .*not one allowed in allowDestructive.contexts \(gravl-staging\)/,
    );
    expect(injector.validate({ kind: 'secret-delete', namespace: 'kube-system', name: 'x' })[0]).toMatch(/kube-system/);
    expect(() => new KubeFaultInjector(api, cluster, ['gravl-staging'], ledger).withUnlabelledObjectsIn(['kube-system'])).toThrow(/kube-system is not among the namespaces/);
    expect(api.deleted).toEqual([]);
  });
});
