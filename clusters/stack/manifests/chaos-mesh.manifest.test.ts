// Chaos Mesh's install objects: the CRDs come out of crd.yaml as objects (and an empty file is an error), the
// controller is configured by environment with its namespace from the downward API and mounts the webhook cert.
import { describe, expect, it } from 'vitest';
import { CHAOS_CONTROLLER, CHAOS_MESH_NAMESPACE, chaosMeshController, chaosMeshCrds } from './chaos-mesh.manifest.ts';

describe('chaos-mesh manifests', () => {
  it('reads every CustomResourceDefinition of a multi-document crd.yaml, skipping empty documents', () => {
    const yaml = '---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: podchaos.chaos-mesh.org}\n---\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: networkchaos.chaos-mesh.org}\n';
    expect(chaosMeshCrds(yaml).map((c) => c.metadata.name)).toEqual(['podchaos.chaos-mesh.org', 'networkchaos.chaos-mesh.org']);
    expect(() => chaosMeshCrds('kind: ConfigMap\nmetadata: {name: x}\n')).toThrow(/no CustomResourceDefinition/);
  });

  it('runs the controller cluster-scoped, without leader election, with the webhook certificate mounted', () => {
    const objects = chaosMeshController('drillbook/chaos-mesh-controller:abc', { cert: 'CERT', key: 'KEY', ca: 'CA' });
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.metadata).toMatchObject({ name: CHAOS_CONTROLLER, namespace: CHAOS_MESH_NAMESPACE });
    const container = (deployment.spec as { template: { spec: { containers: { image: string; env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } }).template.spec.containers[0]!;
    expect(container.image).toBe('drillbook/chaos-mesh-controller:abc');
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({ NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } }, CLUSTER_SCOPED: 'true', ENABLE_LEADER_ELECTION: 'false' });
    expect(objects.find((o) => o.kind === 'Secret')).toMatchObject({ stringData: { 'tls.crt': 'CERT', 'tls.key': 'KEY', 'ca.crt': 'CA' } });
    expect(objects.filter((o) => o.kind.endsWith('Binding')).map((o) => o.metadata.name)).toHaveLength(3);
  });
});
