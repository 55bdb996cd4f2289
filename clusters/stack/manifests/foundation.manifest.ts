// Namespaces, RBAC, secrets and NetworkPolicies: default deny (ingress and egress) in every stack namespace,
// DNS egress to kube-dns, and explicit allows along the stack's real paths.
import type { KubeObject } from '../../kube/kube-api.ts';
import { COMPONENT, type StackOptions } from './stack-options.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function namespaces(o: StackOptions): KubeObject[] {
  return Object.values(o.namespaces).map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name, 'pod-security.kubernetes.io/warn': 'baseline' } },
  }));
}

export function rbac(o: StackOptions): KubeObject[] {
  const ns = o.namespaces.app;
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'gravl-backend', namespace: ns }, automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'gravl-deployer', namespace: ns } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'gravl-deployer', namespace: ns },
      rules: [
        { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
        { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'configmaps'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'gravl-deployer', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gravl-deployer' },
      subjects: [{ kind: 'ServiceAccount', name: 'gravl-deployer', namespace: ns }],
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'prometheus', namespace: o.namespaces.monitoring } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'gravl-prometheus' },
      rules: [{ apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'nodes'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'gravl-prometheus' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'gravl-prometheus' },
      subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: o.namespaces.monitoring }],
    },
  ];
}

export function secrets(o: StackOptions): KubeObject[] {
  const ns = o.namespaces.app;
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'postgres-secret', namespace: ns },
      type: 'Opaque',
      data: { POSTGRES_USER: b64(o.db.user), POSTGRES_PASSWORD: b64(o.db.password), POSTGRES_DB: b64(o.db.name), 'db-user': b64(o.db.user), 'db-password': b64(o.db.password) },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace: ns }, type: 'Opaque', data: { JWT_SECRET: b64(o.jwtSecret) } },
  ];
}

type Peer = Record<string, unknown>;
const pods = (component: string): Peer => ({ podSelector: { matchLabels: { [COMPONENT]: component } } });
const inNamespace = (name: string, component?: string): Peer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
  ...(component ? { podSelector: { matchLabels: { [COMPONENT]: component } } } : {}),
});
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));

function policy(ns: string, name: string, selector: Record<string, string>, spec: { ingress?: unknown[]; egress?: unknown[] }): KubeObject {
  const policyTypes = [...(spec.ingress ? ['Ingress'] : []), ...(spec.egress ? ['Egress'] : [])];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: ns },
    spec: { podSelector: Object.keys(selector).length ? { matchLabels: selector } : {}, policyTypes, ...spec },
  };
}

export function networkPolicies(o: StackOptions): KubeObject[] {
  const { app, monitoring, logging } = o.namespaces;
  const all: KubeObject[] = [];
  for (const ns of [app, monitoring, logging]) {
    all.push(policy(ns, 'default-deny-all', {}, { ingress: [], egress: [] }));
    all.push(
      policy(ns, 'allow-dns-egress', {}, {
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, ...tcp(53)] }],
      }),
    );
  }
  all.push(
    // Only the backend, the migration Job, the backup Job and the DBA's one-off Jobs (the runbooks' psql, restore)
    // may talk to PostgreSQL.
    policy(app, 'database-ingress', { [COMPONENT]: 'database' }, {
      ingress: [{ from: [pods('backend'), pods('migration'), pods('backup'), pods('db-admin')], ports: tcp(5432) }],
    }),
    policy(app, 'database-clients-egress', {}, { egress: [{ to: [pods('database')], ports: tcp(5432) }] }),
    // Backend: from the frontend, from outside the cluster (NodePort / ingress), metrics from Prometheus.
    policy(app, 'backend-ingress', { [COMPONENT]: 'backend' }, {
      ingress: [
        { from: [pods('frontend'), pods('ingress')], ports: tcp(3000) },
        { from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] } }], ports: tcp(3000) },
        { from: [inNamespace(monitoring, 'prometheus')], ports: tcp(3000, 3001) },
      ],
    }),
    policy(app, 'frontend-ingress', { [COMPONENT]: 'frontend' }, {
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] } }], ports: tcp(8080) }],
    }),
    policy(app, 'frontend-to-backend-egress', { [COMPONENT]: 'frontend' }, { egress: [{ to: [pods('backend')], ports: tcp(3000) }] }),
    // The TLS edge (gravl-ingress): HTTPS from outside the cluster, to the backend only.
    policy(app, 'ingress-edge', { [COMPONENT]: 'ingress' }, {
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] } }], ports: tcp(8443) }],
      egress: [{ to: [pods('backend')], ports: tcp(3000) }],
    }),
    // Logs leave every app pod only through the shipper on the node; Prometheus scrapes into the app namespace.
    policy(monitoring, 'prometheus-egress', { [COMPONENT]: 'prometheus' }, {
      egress: [{ to: [inNamespace(app)], ports: tcp(3000, 3001) }, { to: [pods('alertmanager')], ports: tcp(9093) }, { ports: tcp(6443) }],
    }),
    policy(monitoring, 'alertmanager-ingress', { [COMPONENT]: 'alertmanager' }, { ingress: [{ from: [pods('prometheus')], ports: tcp(9093) }] }),
    policy(logging, 'loki-ingress', { [COMPONENT]: 'loki' }, {
      ingress: [{ from: [pods('log-shipper'), pods('log-reader')], ports: tcp(3100) }, { from: [inNamespace(monitoring, 'prometheus')], ports: tcp(3100) }],
    }),
    // The operator's LogQL queries (the log-flow check): a one-off pod in the logging namespace.
    policy(logging, 'log-reader-egress', { [COMPONENT]: 'log-reader' }, { egress: [{ to: [pods('loki')], ports: tcp(3100) }] }),
    policy(logging, 'log-shipper-egress', { [COMPONENT]: 'log-shipper' }, { egress: [{ to: [pods('loki')], ports: tcp(3100) }, { ports: tcp(6443) }] }),
  );
  return all;
}
