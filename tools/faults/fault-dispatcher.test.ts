// The dispatcher routes each spec to exactly one injector, by kind and engine, and refuses two injectors claiming
// the same kind when it is built.
import { describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import type { FaultSpec, InjectedFault } from '../../scenarios/ports.ts';
import { ChaosMeshFaultInjector } from './chaos-mesh.fault.ts';
import { FaultDispatcher, type RoutedInjector } from './fault-dispatcher.ts';
import { KubeFaultInjector } from './kube.fault.ts';

const cluster = { kubeconfig: '/nonexistent', context: 'kind-x' };

function fake(name: string, kinds: string[], engine?: string): RoutedInjector & { seen: string[] } {
  const seen: string[] = [];
  return {
    name,
    kinds,
    engine,
    seen,
    validate: (spec: FaultSpec) => (spec.namespace === 'bad' ? [`namespace: bad (${name})`] : []),
    inject: async (spec: FaultSpec): Promise<InjectedFault> => {
      seen.push(spec.kind);
      return { id: `${name}-1`, spec, evidence: [], revert: async () => [] };
    },
  };
}

describe('FaultDispatcher', () => {
  it('refuses two injectors claiming the same kind for the same engine, naming both', () => {
    expect(() => new FaultDispatcher([fake('kube', ['pod-kill', 'set-image']), fake('other', ['set-image', 'pod-kill'])])).toThrow(
      /two fault injectors claim the same kind:\n {2}- set-image: claimed by kube and by other\n {2}- pod-kill: claimed by kube and by other/,
    );
  });

  it('takes the kube and Chaos Mesh injectors together: Chaos Mesh is picked with engine chaos-mesh', () => {
    const api = new FakeKubeApi();
    const faults = new FaultDispatcher([new KubeFaultInjector(api, cluster, ['gravl']), new ChaosMeshFaultInjector(api, cluster, ['gravl'])]);
    expect(faults.kinds).toContain('pod-kill');
    expect(faults.kinds).toContain('chaos-mesh:pod-kill');
    expect(faults.validate({ kind: 'pod-kill', namespace: 'gravl', selector: 'a=b' })).toEqual([]);
    expect(faults.validate({ kind: 'pod-kill', engine: 'chaos-mesh', namespace: 'gravl', selector: 'a=b' })).toEqual([]);
    expect(faults.validate({ kind: 'network-delay', namespace: 'gravl', selector: 'a=b' })[0]).toMatch(/^unknown fault kind 'network-delay'; this run's injectors take: .*chaos-mesh:network-delay/);
    expect(faults.validate({ kind: 'pod-kill', engine: 'litmus' })[0]).toMatch(/^unknown fault kind 'litmus:pod-kill'/);
  });

  it('routes each spec to its one injector, validate and inject alike; a nested dispatcher is flattened', async () => {
    const kube = fake('kube', ['pod-kill']);
    const chaos = fake('chaos-mesh', ['pod-kill'], 'chaos-mesh');
    const fence = fake('write-fence', ['write-fence']);
    const faults = new FaultDispatcher([new FaultDispatcher([kube, chaos]), fence]);
    expect(faults.name).toBe('kube+chaos-mesh+write-fence');
    expect(faults.validate({ kind: 'write-fence', namespace: 'bad' })).toEqual(['namespace: bad (write-fence)']);
    await faults.inject({ kind: 'pod-kill' }, { labels: {} });
    await faults.inject({ kind: 'pod-kill', engine: 'chaos-mesh' }, { labels: {} });
    await faults.inject({ kind: 'write-fence' }, { labels: {} });
    expect([kube.seen, chaos.seen, fence.seen]).toEqual([['pod-kill'], ['pod-kill'], ['write-fence']]);
    await expect(faults.inject({ kind: 'nope' }, { labels: {} })).rejects.toThrow(/unknown fault kind 'nope'/);
  });

  it('refuses an injector that declares no kinds', () => {
    const bare = { name: 'bare', validate: () => [], inject: async () => Promise.reject(new Error('x')) };
    expect(() => new FaultDispatcher([bare])).toThrow(/fault injector bare declares no kinds/);
  });

  it('an injector refuses an engine that is not its own', () => {
    const kube = new KubeFaultInjector(new FakeKubeApi(), cluster, ['gravl']);
    expect(kube.validate({ kind: 'pod-kill', engine: 'chaos-mesh', namespace: 'gravl', selector: 'a=b' })[0]).toMatch(/^engine: 'chaos-mesh' is not this injector's/);
  });
});
