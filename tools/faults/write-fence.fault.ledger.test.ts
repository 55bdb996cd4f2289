// Issue 13: a write fence whose fence Job fails and whose rollback (the unfence Job) cannot be applied keeps its
// ledger entry, so `drillbook gc` can still lift the fence.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { LABELS } from '../../scenarios/ports.ts';
import { FaultLedger } from '../state/ledger.ts';
import { setKubeApiFactory } from '../state/undo.ts';
import { WriteFenceFaultInjector } from './write-fence.fault.ts';

const labels = { [LABELS.runId]: 'unit', [LABELS.scenario]: 'region-failback' };
class BrokenWrites extends FakeKubeApi {
  override async apply(): Promise<KubeObject> {
    throw new Error('API server unreachable');
  }
}
let restore = () => undefined as void;
afterEach(() => restore());

describe('write-fence that fails half-way', () => {
  it('keeps the unfence undo in the ledger when the rollback fails too', async () => {
    restore = setKubeApiFactory(() => new BrokenWrites());
    const ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'fence-')), 'faults'));
    const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'db-unfence-x', namespace: 'gravl' } };
    const deps = {
      regions: ['region-a', 'region-b'],
      target: { kubeconfig: '/nonexistent', context: 'kind-x' },
      fence: async () => {
        throw new Error('fence Job timed out');
      },
      unfenceJob: () => job,
      isStandby: async () => false,
      runJob: async () => 'ok',
    };
    const injector = new WriteFenceFaultInjector(deps, ledger);
    await expect(injector.inject({ kind: 'write-fence', region: 'region-a' }, { labels })).rejects.toThrow(/fence Job timed out/);
    expect(ledger.list().map((e) => [e.faultKind, e.undo.map((u) => u.kind)])).toEqual([['write-fence', ['kube-apply']]]);
  });
});
