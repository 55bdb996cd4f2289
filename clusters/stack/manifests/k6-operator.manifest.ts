// k6-operator for distributed load, from what is built here (tools/images: the k6-operator image holds the
// controller built from its release source; its CRDs come from the same source, cached beside the binary).
// Namespaced: the controller watches only the namespaces it is given (WATCH_NAMESPACES, a controller-runtime cache
// limited to them) and holds a Role in each, not the upstream ClusterRole; what is cluster-wide is the CRDs alone.
// One replica, no leader election (nothing to elect; the upstream default asks for a Lease it then needs RBAC for).
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../kube/kube-api.ts';

export const K6_OPERATOR_NAMESPACE = 'k6-operator-system';
export const K6_OPERATOR_CONTROLLER = 'k6-operator-controller';
export const TESTRUN_CRD = 'testruns.k6.io';
const SA = K6_OPERATOR_CONTROLLER;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The CustomResourceDefinitions of the given YAML files (config/crd/bases: TestRun, PrivateLoadZone). */
export function k6OperatorCrds(yamlFiles: readonly string[]): KubeObject[] {
  const crds = yamlFiles
    .flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as KubeObject | null))
    .filter((o): o is KubeObject => o !== null && typeof o === 'object' && o.kind === 'CustomResourceDefinition');
  if (!crds.some((c) => c.metadata.name === TESTRUN_CRD)) throw new Error(`no ${TESTRUN_CRD} CustomResourceDefinition in the k6-operator CRD files`);
  return crds;
}

/** What the controller does in each namespace it watches (upstream config/rbac/role.yaml, namespaced). */
const NAMESPACED_RULES = [
  { apiGroups: [''], resources: ['pods', 'pods/log', 'secrets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['services'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['k6.io'], resources: ['testruns', 'privateloadzones'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { apiGroups: ['k6.io'], resources: ['testruns/status', 'testruns/finalizers', 'privateloadzones/status', 'privateloadzones/finalizers'], verbs: ['get', 'patch', 'update'] },
];

export interface K6OperatorOptions {
  /** Namespaces whose TestRuns the controller runs (the load namespaces); at least one. */
  readonly watchNamespaces: readonly string[];
  readonly namespace?: string;
}

export function k6OperatorController(image: string, options: K6OperatorOptions): KubeObject[] {
  const ns = options.namespace ?? K6_OPERATOR_NAMESPACE;
  const watched = [...new Set(options.watchNamespaces)];
  const bad = watched.filter((n) => !DNS_LABEL.test(n));
  if (watched.length === 0 || bad.length > 0) {
    throw new Error(`k6-operator needs the namespaces it may run load in (DNS labels)${bad.length ? `; not valid: ${bad.join(', ')}` : ''}`);
  }
  const labels = { 'app.kubernetes.io/name': 'k6-operator', 'app.kubernetes.io/component': 'controller' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: ns } },
    ...watched.flatMap((target): KubeObject[] => [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: SA, namespace: target }, rules: NAMESPACED_RULES },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: SA, namespace: target },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SA },
        subjects: [{ kind: 'ServiceAccount', name: SA, namespace: ns }],
      },
    ]),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: K6_OPERATOR_CONTROLLER, namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: SA,
            securityContext: { runAsNonRoot: true, runAsUser: 65532 },
            containers: [
              {
                name: 'manager',
                image,
                imagePullPolicy: 'IfNotPresent',
                args: ['--metrics-bind-address=:8080', '--health-probe-bind-address=:8081'],
                env: [{ name: 'WATCH_NAMESPACES', value: watched.join(',') }],
                ports: [{ name: 'health', containerPort: 8081 }],
                readinessProbe: { httpGet: { path: '/readyz', port: 8081 }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: '/healthz', port: 8081 }, initialDelaySeconds: 15, periodSeconds: 20 },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
              },
            ],
          },
        },
      },
    },
  ];
}
