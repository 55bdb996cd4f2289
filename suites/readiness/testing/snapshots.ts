// Fixture snapshots: a production-ready Gravl cluster, and the staging cluster the sign-off document describes.
// Tests take one and change the part they are about (structuredClone + edit), so each failure is explicit.
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { ClusterSnapshot } from '../snapshot.ts';

export const NOW = '2026-03-07T12:00:00.000Z';
const hoursAgo = (h: number) => new Date(Date.parse(NOW) - h * 3600_000);
const NS = 'gravl';

function container(name: string) {
  return {
    name,
    image: `gravl/${name}:1.4.2`,
    readinessProbe: { httpGet: { path: '/health', port: 3000 } },
    livenessProbe: { httpGet: { path: '/health', port: 3000 } },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  };
}

function deployment(name: string, replicas: number): V1Deployment {
  return {
    metadata: { name, namespace: NS },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container(name)] } } },
    status: { replicas, readyReplicas: replicas },
  };
}

function statefulSet(name: string): V1StatefulSet {
  return {
    metadata: { name, namespace: NS },
    spec: { replicas: 1, serviceName: name, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container(name)] } } },
    status: { replicas: 1, readyReplicas: 1 },
  };
}

/** Every check passes. */
export function readySnapshot(): ClusterSnapshot {
  return {
    takenAtWall: NOW,
    appNamespace: NS,
    nodes: [{ metadata: { name: 'gravl-control-plane' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }],
    storageClasses: [{ metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'rancher.io/local-path' }],
    namespaces: [{ metadata: { name: NS } }, { metadata: { name: 'kube-system' } }],
    clusterRoles: [{ metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }],
    clusterRoleBindings: [
      { metadata: { name: 'cluster-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:masters' }] },
    ],
    roles: [
      {
        metadata: { name: 'gravl-deployer', namespace: NS },
        rules: [
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'patch'] },
          { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] },
        ],
      },
    ],
    roleBindings: [
      {
        metadata: { name: 'gravl-deployer', namespace: NS },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gravl-deployer' },
        subjects: [{ kind: 'ServiceAccount', name: 'gravl-deployer', namespace: NS }],
      },
    ],
    networkPolicies: [
      { metadata: { name: 'default-deny', namespace: NS }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
      {
        metadata: { name: 'allow-dns', namespace: NS },
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }] },
      },
      {
        metadata: { name: 'backend-to-db', namespace: NS },
        spec: { podSelector: { matchLabels: { app: 'postgres' } }, policyTypes: ['Ingress'], ingress: [{ _from: [{ podSelector: { matchLabels: { app: 'backend' } } }] }] },
      },
    ],
    secrets: [
      { name: 'postgres-secret', namespace: NS, type: 'Opaque', keys: ['POSTGRES_PASSWORD', 'POSTGRES_USER'], ownerKinds: ['SealedSecret'], appliedFromManifest: false, labels: {} },
      { name: 'gravl-tls', namespace: NS, type: 'kubernetes.io/tls', keys: ['tls.crt', 'tls.key'], ownerKinds: ['Certificate'], appliedFromManifest: false, labels: {} },
    ],
    deployments: [deployment('backend', 3), deployment('frontend', 2)],
    statefulSets: [statefulSet('postgres')],
    cronJobs: [
      {
        metadata: { name: 'postgres-backup', namespace: NS },
        spec: { schedule: '0 2 * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
        status: { lastSuccessfulTime: hoursAgo(10), lastScheduleTime: hoursAgo(10) },
      },
    ],
    jobs: [
      {
        metadata: { name: 'postgres-backup-29551234', namespace: NS, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'postgres-backup', uid: 'u1' }] },
        status: { succeeded: 1, startTime: hoursAgo(10), completionTime: hoursAgo(9.9) },
      },
    ],
    ingresses: [{ metadata: { name: 'gravl-ingress', namespace: NS }, spec: { tls: [{ hosts: ['gravl.example.com'], secretName: 'gravl-tls' }] } }],
    crds: ['sealedsecrets.bitnami.com', 'certificates.cert-manager.io', 'clusterissuers.cert-manager.io'],
    issuers: [{ kind: 'ClusterIssuer', metadata: { name: 'letsencrypt-prod' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }],
    certificates: [],
    tlsCertificates: [{ secret: 'gravl-tls', namespace: NS, subject: 'CN=gravl.example.com', issuer: 'CN=R11, O=Let\'s Encrypt, C=US', notAfter: '2026-05-30T00:00:00.000Z', selfSigned: false }],
    credentials: [
      {
        ref: `${NS}/postgres-secret#POSTGRES_PASSWORD`,
        user: 'gravl_user',
        value: 'q7Vd2mK9pX4zL1sR8tY6wE3nB5cH0jGfA2',
        writtenAt: hoursAgo(24 * 20).toISOString(),
        writtenAtSource: 'managedFields: kubectl-client-side-apply Update of f:data',
      },
    ],
    unreadable: {},
    facts: {
      prometheusTargets: [
        { job: 'backend', instance: 'backend:3001', health: 'up' },
        { job: 'postgres-exporter', instance: 'postgres:9187', health: 'up' },
      ],
      alerting: {
        receivers: [{ name: 'oncall-webhook', kind: 'webhook', configured: true }],
        testAlert: { receiver: 'oncall-webhook', delivered: true, latencyMs: 4200, detail: 'received by the harness webhook sink' },
      },
      loki: { query: '{namespace="gravl"}', lines: 1843, newestAgeMs: 12_000 },
      load: {
        profile: 'signoff',
        requests: 36_120,
        errorRate: 0.0002,
        rps: 120.4,
        p50Ms: 31,
        p95Ms: 142,
        p99Ms: 301,
        thresholds: [
          { name: 'p95<200ms', limit: 200, actual: 142, ok: true },
          { name: 'p99<500ms', limit: 500, actual: 301, ok: true },
          { name: 'errors<0.1%', limit: 0.001, actual: 0.0002, ok: true },
        ],
        passed: true,
        series: [],
      },
      migrations: { expected: ['001_init', '002_exercises', '003_workouts', '004_indexes'], applied: ['001_init', '002_exercises', '003_workouts', '004_indexes'] },
      restarts: {
        namespace: NS,
        before: [{ pod: 'backend-7f9c-abcde', container: 'backend', restarts: 1 }, { pod: 'postgres-0', container: 'postgres', restarts: 0 }],
        after: [{ pod: 'backend-7f9c-abcde', container: 'backend', restarts: 1 }, { pod: 'postgres-0', container: 'postgres', restarts: 0 }],
      },
    },
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

/** A deep copy of the ready snapshot, editable. */
export function editSnapshot(edit: (s: Mutable<ClusterSnapshot>) => void): ClusterSnapshot {
  const s = structuredClone(readySnapshot()) as Mutable<ClusterSnapshot>;
  edit(s);
  return s;
}

/** The staging cluster as PRODUCTION_SIGN_OFF.md found it: cert-manager missing, backups not deployed, defaults. */
export function stagingAsSignedOff(): ClusterSnapshot {
  return editSnapshot((s) => {
    s.issuers = [];
    s.tlsCertificates = [];
    s.crds = [];
    s.secrets = [{ name: 'postgres-secret', namespace: NS, type: 'Opaque', keys: ['POSTGRES_PASSWORD'], ownerKinds: [], appliedFromManifest: false, labels: {} }];
    s.cronJobs = [];
    s.jobs = [];
    s.credentials = [{ ref: `${NS}/postgres-secret#POSTGRES_PASSWORD`, user: 'gravl_user', value: 'gravl_password' }];
    s.facts = { ...s.facts, load: undefined, restarts: undefined, alerting: { receivers: [{ name: 'slack', kind: 'slack', configured: false }] }, loki: { query: '{namespace="gravl"}', lines: 0, newestAgeMs: null } };
    s.networkPolicies = s.networkPolicies.filter((p) => p.metadata?.name !== 'allow-dns').map((p) => (p.metadata?.name === 'default-deny' ? { ...p, spec: { podSelector: {}, policyTypes: ['Ingress'] } } : p));
  });
}
