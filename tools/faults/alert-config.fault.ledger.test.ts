// Issue 13: an alertmanager-config fault whose apply fails and whose rollback (re-apply the saved ConfigMap) fails
// too keeps its ledger entry, so `drillbook gc` can still restore the ConfigMap.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { withLabels } from '../../clusters/kube/kube-client.ts';
import { configText, deployedAlertmanagerConfig } from '../../clusters/stack/manifests/alert-webhook.manifest.ts';
import { stackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { FaultLedger } from '../state/ledger.ts';
import { AlertConfigFaultInjector } from './alert-config.fault.ts';

const stack = stackOptions({
  images: { postgres: 'drillbook/postgres:16-a', backend: 'drillbook/gravl-backend:v2-b', alertmanager: 'drillbook/alertmanager:0.25-c' },
  db: { user: 'u', password: 'p', name: 'gravl' },
  jwtSecret: 'j',
});
const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'run-1', [LABELS.scenario]: 'kube-drills' };

describe('alertmanager-config that fails half-way', () => {
  it('keeps the ConfigMap undo in the ledger when the rollback fails too', async () => {
    const api = new FakeKubeApi();
    api.set(withLabels(deployedAlertmanagerConfig(stack), {}));
    api.apply = async (): Promise<KubeObject> => {
      throw new Error('API server unreachable');
    };
    const ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'alert-')), 'faults'));
    const injector = new AlertConfigFaultInjector(api, stack, { kubeconfig: '/nonexistent', context: 'kind-x' }, { ledger, loadTimeoutMs: 1_000 });
    const spec = { kind: 'alertmanager-config', namespace: 'gravl-monitoring', configMap: 'alertmanager-config', config: configText(deployedAlertmanagerConfig(stack)) };
    await expect(injector.inject(spec, { labels })).rejects.toThrow(/API server unreachable/);
    expect(ledger.list().map((e) => [e.faultKind, e.undo.map((u) => u.kind)])).toEqual([['alertmanager-config', ['kube-apply']]]);
  });
});
