// Issue 13: a node-stop whose stop fails and whose rollback (docker start) fails too keeps its ledger entry, so
// `drillbook gc` can still start the nodes; the error says so.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import { LABELS } from '../../scenarios/ports.ts';
import { FaultLedger } from '../state/ledger.ts';
import { NodeStopFaultInjector, type Docker } from './node-stop.fault.ts';

const REGION = 'topology.kubernetes.io/region';
const labels = { [LABELS.runId]: 'unit', [LABELS.scenario]: 'region-loss' };
// a cluster name no real machine has: the rollback's docker calls find nothing and fail
const CLUSTER = 'drillbook-unit-nowhere-7f3a';

describe('node-stop that fails half-way', () => {
  it('keeps the docker-start undo in the ledger when the rollback fails too', async () => {
    const api = new FakeKubeApi();
    api.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: `${CLUSTER}-worker`, labels: { [REGION]: 'region-a' } } });
    const ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'node-fault-')), 'faults'));
    const docker: Docker = async (args) => {
      if (args[0] === 'ps') return `${CLUSTER}-worker`;
      if (args[0] === 'inspect') return `/${CLUSTER}-worker ${JSON.stringify({ kind: { IPAddress: '172.21.0.3', Aliases: [] } })}`;
      if (args[0] === 'stop') throw new Error('docker stop: daemon went away half-way');
      throw new Error(`docker ${args.join(' ')}: daemon went away`);
    };
    const injector = new NodeStopFaultInjector(api, CLUSTER, { ledger, docker, perform: async () => { throw new Error('docker start: daemon went away'); } });
    const error = await injector.inject({ kind: 'node-stop', selector: `${REGION}=region-a` }, { labels }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/daemon went away half-way/);
    expect(ledger.list().map((e) => [e.faultKind, e.undo.map((u) => u.kind)])).toEqual([['node-stop', ['docker-start']]]);
  });
});
