import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, ToolFailedError } from '../../scenarios/errors.ts';
import type { RunOptions, RunResult } from '../../tools/lib/exec.ts';
import { singleNodeConfig } from '../kind/kind-config.ts';
import { isHarnessKindContext } from './existing.provider.ts';
import { KindCluster, validateKindName } from './kind.provider.ts';
import { KubeClient } from './kube-client.ts';
import { FakeKubeApi } from './testing/fake-kube-api.ts';

function fakeKind(behaviour: { clusters?: string[]; createFails?: boolean }) {
  const calls: string[][] = [];
  const runner = async (_file: string, args: readonly string[], _options?: RunOptions): Promise<RunResult> => {
    calls.push([...args]);
    const ok = (stdout = ''): RunResult => ({ stdout, stderr: '', exitCode: 0, durationMs: 1 });
    if (args[0] === 'get' && args[1] === 'clusters') return ok((behaviour.clusters ?? []).join('\n'));
    if (args[0] === 'get' && args[1] === 'kubeconfig') return ok('apiVersion: v1\nkind: Config');
    if (args[0] === 'create' && behaviour.createFails) throw new ToolFailedError('kind', 'exited with code 1', { exitCode: 1, stderr: 'kubeadm init failed' });
    return ok();
  };
  return { calls, runner };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'kind-state-'));

function readyNodeClient() {
  const api = new FakeKubeApi();
  api.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  api.set({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system' }, spec: { replicas: 2 }, status: { replicas: 2, updatedReplicas: 2, availableReplicas: 2 } });
  api.set({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'drillbook-netpol', namespace: 'kube-system' }, status: { desiredNumberScheduled: 1, numberReady: 1 } });
  return () => new KubeClient(api);
}

describe('kind provider', () => {
  it('only accepts harness names (drillbook- prefix, DNS-safe)', () => {
    expect(validateKindName('drillbook-e2e')).toEqual([]);
    expect(validateKindName('prod')).toHaveLength(1);
    expect(() => new KindCluster('Drillbook_X')).toThrow(InvalidInputError);
  });

  it('refuses to start without a node image', async () => {
    await expect(new KindCluster('drillbook-x').start()).rejects.toThrow(/no node image/);
  });

  it('creates with the image and config, waits for nodes Ready, deletes once on dispose', async () => {
    const kind = fakeKind({});
    const cluster = await new KindCluster('drillbook-unit-create')
      .withConfig(singleNodeConfig())
      .withNodeImage('drillbook/kind-node:v1.33.13-abc')
      .withStateDir(tmp()).withRunner(kind.runner)
      .withClientFactory(readyNodeClient())
      .start();
    const create = kind.calls.find((c) => c[0] === 'create');
    expect(create).toEqual(expect.arrayContaining(['--name', 'drillbook-unit-create', '--image', 'drillbook/kind-node:v1.33.13-abc']));
    expect(cluster.context).toBe('kind-drillbook-unit-create');
    expect(cluster.reused).toBe(false);
    await cluster[Symbol.asyncDispose]();
    await cluster[Symbol.asyncDispose]();
    expect(kind.calls.filter((c) => c[0] === 'delete')).toHaveLength(1);
  });

  it('runs its fixups once the nodes are Ready and before the system readiness is judged', async () => {
    const kind = fakeKind({});
    const api = new FakeKubeApi();
    api.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    // CoreDNS becomes available only because of the fixup (as on a worker whose kube-proxy it repairs)
    const coredns = (available: number) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system' }, spec: { replicas: 2 }, status: { replicas: 2, updatedReplicas: 2, availableReplicas: available } });
    api.set(coredns(1));
    api.set({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'drillbook-netpol', namespace: 'kube-system' }, status: { desiredNumberScheduled: 1, numberReady: 1 } });
    const ran: string[] = [];
    const cluster = await new KindCluster('drillbook-unit-fixup')
      .withNodeImage('img').withStateDir(tmp()).withRunner(kind.runner).withClientFactory(() => new KubeClient(api))
      .withReadyTimeout(2_000)
      .withFixup(async (c) => {
        ran.push(c.name);
        api.set(coredns(2));
      })
      .start();
    expect(ran).toEqual(['drillbook-unit-fixup']);
    await cluster[Symbol.asyncDispose]();
  });

  it('reuses an existing cluster of that name and keeps it on dispose', async () => {
    const kind = fakeKind({ clusters: ['drillbook-unit-reuse'] });
    const cluster = await new KindCluster('drillbook-unit-reuse').withNodeImage('img').withStateDir(tmp()).withRunner(kind.runner).withClientFactory(readyNodeClient()).start();
    expect(cluster.reused).toBe(true);
    await cluster[Symbol.asyncDispose]();
    expect(kind.calls.some((c) => c[0] === 'create' || c[0] === 'delete')).toBe(false);
  });

  it('exports logs and deletes the half-created cluster when creation fails', async () => {
    const kind = fakeKind({ createFails: true });
    const logs = join(mkdtempSync(join(tmpdir(), 'kind-logs-')), 'logs');
    const error = await new KindCluster('drillbook-unit-fail').withNodeImage('img').withStateDir(tmp()).withRunner(kind.runner).withLogsDir(logs).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolFailedError);
    expect((error as Error).message).toContain(`node logs: ${logs}`);
    expect(kind.calls.map((c) => c[0])).toEqual(['get', 'create', 'export', 'delete']);
  });
});

describe('existing provider identity', () => {
  // identity only: whether a destructive scenario may run is the safety gate's call (scenarios/safety.ts)
  it('counts as created by drillbook only a harness-named kind cluster that kind still lists', () => {
    expect(isHarnessKindContext('prod-eu', [])).toBe(false);
    expect(isHarnessKindContext('kind-drillbook-e2e', ['drillbook-e2e'])).toBe(true);
    expect(isHarnessKindContext('kind-drillbook-gone', ['drillbook-e2e'])).toBe(false);
    expect(isHarnessKindContext('kind-someone-else', ['someone-else'])).toBe(false);
  });
});
