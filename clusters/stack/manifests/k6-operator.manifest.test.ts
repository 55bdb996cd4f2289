// k6-operator's install objects: its CRDs out of the source's YAML, and a controller limited to the load namespaces.
import { describe, expect, it } from 'vitest';
import { K6_OPERATOR_NAMESPACE, k6OperatorController, k6OperatorCrds } from './k6-operator.manifest.ts';

type Deployment = { spec: { template: { spec: { serviceAccountName: string; containers: { image: string; args: string[]; env: { name: string; value: string }[] }[] } } } };

describe('k6-operator manifests', () => {
  it('reads the CRDs of the source, and refuses files without the TestRun CRD', () => {
    const crd = (name: string) => `---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: ${name}}\n`;
    expect(k6OperatorCrds([crd('testruns.k6.io'), `${crd('privateloadzones.k6.io')}---\n`]).map((c) => c.metadata.name)).toEqual(['testruns.k6.io', 'privateloadzones.k6.io']);
    expect(() => k6OperatorCrds([crd('privateloadzones.k6.io')])).toThrow(/no testruns\.k6\.io/);
  });

  it('runs one controller that watches only the load namespaces, with a Role (not a ClusterRole) in each', () => {
    const objects = k6OperatorController('drillbook/k6-operator:1.6.0-abc', { watchNamespaces: ['load-a', 'load-b', 'load-a'] });
    expect(objects.some((o) => o.kind.startsWith('Cluster'))).toBe(false);
    expect(objects.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace)).toEqual(['load-a', 'load-b']);
    const bindings = objects.filter((o) => o.kind === 'RoleBinding');
    expect(bindings.map((b) => (b as unknown as { subjects: { namespace: string }[] }).subjects[0]!.namespace)).toEqual([K6_OPERATOR_NAMESPACE, K6_OPERATOR_NAMESPACE]);
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as Deployment & { metadata: { namespace: string } };
    expect(deployment.metadata.namespace).toBe(K6_OPERATOR_NAMESPACE);
    const c = deployment.spec.template.spec.containers[0]!;
    expect(c.image).toBe('drillbook/k6-operator:1.6.0-abc');
    expect(c.env).toContainEqual({ name: 'WATCH_NAMESPACES', value: 'load-a,load-b' });
    expect(c.args).not.toContain('--leader-elect');
    const role = objects.find((o) => o.kind === 'Role') as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    const can = (group: string, resource: string, verb: string) => role.rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    expect(can('batch', 'jobs', 'create')).toBe(true);
    expect(can('k6.io', 'testruns/status', 'update')).toBe(true);
    expect(can('', 'services', 'create')).toBe(true);
  });

  it('refuses to install without a namespace to watch, or with one that is not a DNS label', () => {
    expect(() => k6OperatorController('img', { watchNamespaces: [] })).toThrow(/needs the namespaces/);
    expect(() => k6OperatorController('img', { watchNamespaces: ['Load_A'] })).toThrow(/not valid: Load_A/);
  });
});
