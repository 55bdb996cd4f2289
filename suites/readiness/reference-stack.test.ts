// The kind reference stack's own manifests (clusters/stack/manifests) against the static rows of the sign-off
// matrix: what signoff deploys must be able to pass workloads (probes, requests and limits on every container),
// network-policies (default deny, allows, DNS on TCP and UDP 53) and rbac (namespaced Role, no secret writers),
// or GO is unreachable on the reference stack whatever the cluster does.
import type { V1Deployment, V1NetworkPolicy, V1Role, V1RoleBinding, V1StatefulSet, V1ClusterRole, V1ClusterRoleBinding } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { alertWebhook } from '../../clusters/stack/manifests/alert-webhook.manifest.ts';
import { stackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import { allObjects, referenceStack } from '../../clusters/stack/manifests/stack.manifest.ts';
import { tlsEdge } from '../../clusters/stack/manifests/tls-edge.manifest.ts';
import { evaluateReadiness } from './readiness.ts';
import { editSnapshot } from './testing/snapshots.ts';

const stack = stackOptions({
  images: { postgres: 'p', backend: 'b', frontend: 'f', prometheus: 'pr', alertmanager: 'am', loki: 'l', logShipper: 's' },
  namespaces: { app: 'gravl-staging', monitoring: 'gravl-monitoring', logging: 'gravl-logging' },
  db: { user: 'gravl_user', password: 'x'.repeat(32), name: 'gravl' },
  jwtSecret: 'j',
});
const objects = [...allObjects(referenceStack(stack)), ...tlsEdge(stack, { host: 'gravl.example.test', cert: 'C', key: 'K', nodePort: 30443, image: 'f' }), ...alertWebhook(stack, {})];
const of = <T>(kind: string) => objects.filter((o) => o.kind === kind) as unknown as T[];
const ready = <T extends { spec?: { replicas?: number }; status?: unknown }>(w: T): T => ({ ...w, status: { replicas: w.spec?.replicas ?? 1, readyReplicas: w.spec?.replicas ?? 1 } });

const deployed = editSnapshot((s) => {
  s.appNamespace = stack.namespaces.app;
  s.namespaces = Object.values(stack.namespaces).map((name) => ({ metadata: { name } }));
  s.deployments = of<V1Deployment>('Deployment').map(ready);
  s.statefulSets = of<V1StatefulSet>('StatefulSet').map(ready);
  s.roles = of<V1Role>('Role');
  s.roleBindings = of<V1RoleBinding>('RoleBinding');
  s.clusterRoles = [...s.clusterRoles, ...of<V1ClusterRole>('ClusterRole')];
  s.clusterRoleBindings = [...s.clusterRoleBindings, ...of<V1ClusterRoleBinding>('ClusterRoleBinding')];
  s.networkPolicies = of<V1NetworkPolicy>('NetworkPolicy');
});
const row = (id: string) => evaluateReadiness(deployed).find((r) => r.id === id)!;

describe('the kind reference stack against the static rows of the sign-off matrix', () => {
  it('workloads: every container of the app namespace (the TLS edge included) has both probes, requests and limits', () => {
    const r = row('workloads');
    expect(r.evidence, JSON.stringify(r.evidence)).toBeDefined();
    expect({ status: r.status, evidence: r.evidence }).toMatchObject({ status: 'PASS' });
    expect(JSON.stringify(r.evidence)).toMatch(/Deployment gravl-ingress: 1\/1 ready/);
  });

  it('network-policies: default deny, explicit allows, DNS egress on TCP and UDP 53', () => {
    const r = row('network-policies');
    expect(r.status, JSON.stringify(r.evidence)).toBe('PASS');
    expect(JSON.stringify(r.evidence)).toMatch(/TCP\+UDP/);
  });

  it('rbac: a namespaced Role for the app namespace, nothing that writes secrets, no cluster-admin binding', () => {
    const r = row('rbac-least-privilege');
    expect(r.status, JSON.stringify(r.evidence)).toBe('PASS');
  });
});
