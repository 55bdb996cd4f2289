import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { loadYaml, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { collectionPath, pluralOf, toWire } from './client-node.kube-api.ts';

describe('client-node adapter', () => {
  it('keeps NetworkPolicy peers through the typed serializer (a plain object loses `from`)', () => {
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'n' },
      spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { a: 'b' } } }] }] },
    };
    const typed = loadYaml<KubernetesObject>(JSON.stringify(policy));
    const wire = ObjectSerializer.serialize(typed, 'V1NetworkPolicy') as typeof policy;
    expect(wire.spec.ingress[0]?.from).toEqual([{ podSelector: { matchLabels: { a: 'b' } } }]);
  });

  it('turns what it reads back into the API’s JSON, so a saved NetworkPolicy re-applies with its peers', () => {
    const typed = loadYaml<KubernetesObject>(
      JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'p', namespace: 'n', creationTimestamp: '2026-12-01T20:00:00Z' },
        spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { a: 'b' } } }] }] },
      }),
    );
    expect(JSON.stringify(typed)).toContain('"_from"'); // what client-node hands back
    const wire = toWire(typed, 'networking.k8s.io/v1', 'NetworkPolicy') as unknown as { metadata: { creationTimestamp: unknown }; spec: { ingress: { from: unknown }[] } };
    expect(wire.spec.ingress[0]!.from).toEqual([{ podSelector: { matchLabels: { a: 'b' } } }]);
    expect(JSON.stringify(wire)).not.toContain('_from');
    expect(typeof wire.metadata.creationTimestamp).toBe('string');
  });

  it('builds collection paths for core and grouped kinds', () => {
    expect(pluralOf('NetworkPolicy')).toBe('networkpolicies');
    expect(pluralOf('Ingress')).toBe('ingresses');
    expect(collectionPath({ apiVersion: 'v1', kind: 'Pod', namespace: 'x' })).toBe('/api/v1/namespaces/x/pods');
    expect(collectionPath({ apiVersion: 'apps/v1', kind: 'Deployment' })).toBe('/apis/apps/v1/deployments');
  });
});
