// Issue 13: every kube fault is in the ledger while it is in place, and a failed injection keeps in the ledger
// what its rollback could not undo (so `drillbook gc` still can).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { FaultLedger, type LedgerEntry } from '../state/ledger.ts';
import { setKubeApiFactory } from '../state/undo.ts';
import { KubeFaultInjector } from './kube.fault.ts';

const ours = { [LABELS.managedBy]: MANAGED_BY };
const runLabels = { ...ours, [LABELS.runId]: 'run-1', [LABELS.scenario]: 'crash' };
const cluster = { kubeconfig: '/nonexistent/kubeconfig', context: 'kind-drillbook-test' };
const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'gravl', labels: { ...ours, component: 'backend' } },
  spec: { nodeName: 'drillbook-x-control-plane' },
  status: { containerStatuses: [{ name: 'backend', containerID: `containerd://${name}-id`, state: { running: {} } }] },
});

/** An API whose writes all fail (the API server went away mid-fault). */
class BrokenWrites extends FakeKubeApi {
  override async apply(): Promise<KubeObject> {
    throw new Error('connection refused');
  }
}

let api: FakeKubeApi;
let ledger: FaultLedger;
let restore: () => void;
beforeEach(() => {
  api = new FakeKubeApi();
  ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'drillbook-ledger-')), 'faults'));
  restore = setKubeApiFactory(() => api);
});
afterEach(() => restore());

describe('every kube fault is in the ledger', () => {
  it('pod-kill is recorded before the pods go, and the revert clears it', async () => {
    api.set(pod('backend-1'));
    let atDelete: LedgerEntry[] = [];
    const del = api.delete.bind(api);
    api.delete = async (ref, options) => {
      atDelete = ledger.list();
      return del(ref, options);
    };
    const fault = await new KubeFaultInjector(api, cluster, ['gravl'], ledger).inject({ kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' }, { labels: runLabels });
    expect(atDelete.map((e) => [e.id, e.faultKind, e.runId])).toEqual([[fault.id, 'pod-kill', 'run-1']]);
    expect(atDelete[0]!.undo.length).toBeGreaterThan(0);
    expect(ledger.list()).toHaveLength(1);
    await fault.revert();
    expect(ledger.list()).toEqual([]);
  });

  it('container-kill is recorded before the kill, and the revert clears it', async () => {
    api.set(pod('backend-1'));
    const atKill: number[] = [];
    const injector = new KubeFaultInjector(api, cluster, ['gravl'], ledger).withNodeExec(async () => void atKill.push(ledger.list().length));
    const fault = await injector.inject({ kind: 'container-kill', namespace: 'gravl', selector: 'component=backend' }, { labels: runLabels });
    expect(atKill).toEqual([1]);
    await fault.revert();
    expect(ledger.list()).toEqual([]);
  });
});

describe('a failed kube injection keeps what it could not undo', () => {
  it('set-image: the patch fails and so does the rollback: the entry stays for gc and the error says so', async () => {
    const broken = new BrokenWrites();
    broken.set({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'backend', namespace: 'gravl', labels: ours },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'backend', image: 'drillbook/b:v1' }] } } },
    });
    restore();
    restore = setKubeApiFactory(() => broken);
    const error = await new KubeFaultInjector(broken, cluster, ['gravl'], ledger)
      .inject({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'drillbook/b:broken' }, { labels: runLabels })
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect(ledger.list().map((e) => e.faultKind)).toEqual(['set-image']);
    expect(ledger.list()[0]!.undo).toMatchObject([{ kind: 'kube-apply' }]);
    expect(String((error as Error).message)).toMatch(/drillbook gc/);
  });

  it('set-image: the patch fails but the rollback works: the entry goes', async () => {
    api.set({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'backend', namespace: 'gravl', labels: ours },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'backend', image: 'drillbook/b:v1' }] } } },
    });
    const apply = api.apply.bind(api);
    api.apply = async (o, manager) => {
      if (manager === 'drillbook-fault') throw new Error('admission webhook said no');
      return apply(o, manager);
    };
    await expect(
      new KubeFaultInjector(api, cluster, ['gravl'], ledger).inject({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'drillbook/b:broken' }, { labels: runLabels }),
    ).rejects.toThrow(/admission webhook said no/);
    expect(ledger.list()).toEqual([]);
  });
});
