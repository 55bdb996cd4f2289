// Sealed Secrets' install objects: the module's CRD, and a controller with probes, limits, RBAC and a Service,
// every object labelled as drillbook's.
import { describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../../scenarios/ports.ts';
import { SEALED_SECRETS_CONTROLLER, SEALED_SECRETS_HTTP_PORT, SEALED_SECRETS_NAMESPACE, sealedSecretsController, sealedSecretsCrd } from './sealed-secrets.manifest.ts';

type Container = {
  image: string;
  args: string[];
  env: { name: string; valueFrom?: unknown }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  ports: { name: string; containerPort: number }[];
};
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

const crdYaml = (name: string) => `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\n  annotations: {a: b}\nspec: {group: bitnami.com}\n`;

describe('sealed-secrets manifests', () => {
  it("takes the SealedSecret CRD from the module's YAML, labelled, and refuses a file without it", () => {
    const crd = sealedSecretsCrd(`---\n${crdYaml('sealedsecrets.bitnami.com')}---\n`, { [LABELS.runId]: 'r1' });
    expect(crd.metadata).toMatchObject({ name: 'sealedsecrets.bitnami.com', annotations: { a: 'b' }, labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'r1' } });
    expect(crd.spec).toEqual({ group: 'bitnami.com' });
    expect(() => sealedSecretsCrd(crdYaml('other.bitnami.com'))).toThrow(/no sealedsecrets\.bitnami\.com CustomResourceDefinition/);
  });

  it('runs one controller with probes on its HTTP port, requests and limits, and a Service for its certificate', () => {
    const objects = sealedSecretsController('drillbook/sealed-secrets-controller:0.40.0-abc');
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as { metadata: { name: string; namespace: string }; spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string; containers: Container[] } } } };
    expect(deployment.metadata).toMatchObject({ name: SEALED_SECRETS_CONTROLLER, namespace: SEALED_SECRETS_NAMESPACE });
    expect(deployment.spec.replicas).toBe(1);
    const c = deployment.spec.template.spec.containers[0]!;
    expect(c.image).toBe('drillbook/sealed-secrets-controller:0.40.0-abc');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.ports).toContainEqual({ name: 'http', containerPort: SEALED_SECRETS_HTTP_PORT });
    expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
    expect(c.env.map((e) => e.name)).toContain('POD_NAMESPACE');
    const service = objects.find((o) => o.kind === 'Service') as unknown as { spec: { selector: Record<string, string>; ports: { port: number }[] } };
    expect(service.spec.ports[0]!.port).toBe(SEALED_SECRETS_HTTP_PORT);
    for (const [k, v] of Object.entries(service.spec.selector)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
  });

  it('grants what the controller does: SealedSecrets read and status, Secrets written, its keys in its own namespace', () => {
    const objects = sealedSecretsController('img');
    const rules = (kind: string) => (objects.find((o) => o.kind === kind) as unknown as { rules: Rule[] }).rules;
    const can = (rs: Rule[], group: string, resource: string, verb: string) => rs.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    const cluster = rules('ClusterRole');
    expect(can(cluster, 'bitnami.com', 'sealedsecrets', 'watch')).toBe(true);
    expect(can(cluster, 'bitnami.com', 'sealedsecrets/status', 'update')).toBe(true);
    expect(can(cluster, '', 'secrets', 'update')).toBe(true);
    expect(can(cluster, '', 'secrets', 'create')).toBe(true);
    expect(can(cluster, 'bitnami.com', 'sealedsecrets', 'create')).toBe(false);
    expect(can(rules('Role'), '', 'secrets', 'create')).toBe(true);
    const sa = SEALED_SECRETS_CONTROLLER;
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      const b = objects.find((o) => o.kind === kind) as unknown as { subjects: { name: string; namespace: string }[] };
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: SEALED_SECRETS_NAMESPACE }]);
    }
  });

  it("labels every object, and the pods, as drillbook's (with the run's labels)", () => {
    const objects = sealedSecretsController('img', { labels: { [LABELS.runId]: 'r1', [LABELS.managedBy]: 'someone-else' } });
    expect(objects.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Namespace', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
    for (const o of objects) expect(o.metadata.labels, o.kind).toMatchObject({ [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'r1' });
    const pod = (objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
    expect(pod[LABELS.managedBy]).toBe(MANAGED_BY);
  });

  it('refuses a namespace that is not a DNS label and a missing image', () => {
    expect(() => sealedSecretsController('img', { namespace: 'Sealed_Secrets' })).toThrow(/not a DNS label/);
    expect(() => sealedSecretsController('')).toThrow(/needs the controller image/);
  });
});
