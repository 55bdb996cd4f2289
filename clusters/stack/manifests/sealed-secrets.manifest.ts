// Sealed Secrets for the drills' clusters, from what is built here (tools/images: the sealed-secrets-controller image
// holds the controller built from its Go module; the CRD is that module's own YAML, cached beside the binary).
// The controller watches every namespace (the upstream default: taking over an app's Secrets needs it there) with
// the upstream ClusterRole (SealedSecrets read, their status, Secrets it writes, events, namespaces get) and a Role
// in its own namespace for the sealing keys it generates there. Its Service serves the sealing certificate on
// :8080/v1/cert.pem, which `kubeseal --fetch-cert` (and installSealedSecrets, through the API server's proxy) read.
// Every object carries drillbook's managed-by label (gc and the fault guard know it).
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../kube/kube-api.ts';
import { LABELS, MANAGED_BY, type Labels } from '../../../scenarios/ports.ts';

export const SEALED_SECRETS_NAMESPACE = 'sealed-secrets';
export const SEALED_SECRETS_CONTROLLER = 'sealed-secrets-controller';
export const SEALED_SECRETS_CRD = 'sealedsecrets.bitnami.com';
/** The Service port of the controller's HTTP API (/v1/cert.pem, /healthz, /readyz). */
export const SEALED_SECRETS_HTTP_PORT = 8080;
export const SEALED_SECRETS_METRICS_PORT = 8081;
/** The Secrets holding the controller's sealing keys are named <prefix>-xxxxx in its namespace. */
export const SEALED_SECRETS_KEY_PREFIX = 'sealed-secrets-key';

/** The SealedSecret CustomResourceDefinition of the module's YAML (helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml). */
export function sealedSecretsCrd(crdYaml: string, labels: Labels = {}): KubeObject {
  const crd = parseAllDocuments(crdYaml)
    .map((d) => d.toJS() as KubeObject | null)
    .find((o): o is KubeObject => o !== null && typeof o === 'object' && o.kind === 'CustomResourceDefinition' && o.metadata?.name === SEALED_SECRETS_CRD);
  if (!crd) throw new Error(`no ${SEALED_SECRETS_CRD} CustomResourceDefinition in the Sealed Secrets CRD file`);
  return { ...crd, metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, ...drillbookLabels(labels) } } };
}

export interface SealedSecretsOptions {
  readonly namespace?: string;
  /** Extra labels (the run's) on every object, beside managed-by=drillbook. */
  readonly labels?: Labels;
}

function drillbookLabels(labels: Labels): Record<string, string> {
  return { ...labels, [LABELS.managedBy]: MANAGED_BY };
}

const CLUSTER_RULES = [
  { apiGroups: ['bitnami.com'], resources: ['sealedsecrets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['bitnami.com'], resources: ['sealedsecrets/status'], verbs: ['update'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'create', 'update', 'delete', 'watch'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
];
/** The sealing keys, generated on the fly in the controller's namespace (names unknown beforehand). */
const KEY_RULES = [{ apiGroups: [''], resources: ['secrets'], verbs: ['create', 'list'] }];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Namespace, ServiceAccount, RBAC, Deployment (probes, requests/limits) and Service of the controller. */
export function sealedSecretsController(image: string, options: SealedSecretsOptions = {}): KubeObject[] {
  const ns = options.namespace ?? SEALED_SECRETS_NAMESPACE;
  if (!DNS_LABEL.test(ns)) throw new Error(`Sealed Secrets namespace ${JSON.stringify(ns)} is not a DNS label (lowercase letters, digits, dashes)`);
  if (!image) throw new Error('Sealed Secrets needs the controller image (ensureImage("sealed-secrets-controller"))');
  const common = drillbookLabels(options.labels ?? {});
  const selector = { 'app.kubernetes.io/name': 'sealed-secrets', 'app.kubernetes.io/component': 'controller' };
  const labels = { ...common, ...selector };
  const name = SEALED_SECRETS_CONTROLLER;
  const clusterRole = `drillbook-${name}`;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: common } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, labels } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: clusterRole, labels }, rules: CLUSTER_RULES },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterRole, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `${name}-keys`, namespace: ns, labels }, rules: KEY_RULES },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${name}-keys`, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-keys` },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas: 1,
        // one controller owns the keys: never two at once during a rollout
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            securityContext: { runAsNonRoot: true, runAsUser: 1001, fsGroup: 65534 },
            containers: [
              {
                name: 'controller',
                image,
                imagePullPolicy: 'IfNotPresent',
                args: [`--key-prefix=${SEALED_SECRETS_KEY_PREFIX}`, '--update-status', '--log-format=json'],
                env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
                ports: [
                  { name: 'http', containerPort: SEALED_SECRETS_HTTP_PORT },
                  { name: 'metrics', containerPort: SEALED_SECRETS_METRICS_PORT },
                ],
                readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 10, periodSeconds: 20 },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                // a 4096-bit key is generated at first start: CPU for a few seconds, then idle
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels },
      spec: { selector, ports: [{ name: 'http', port: SEALED_SECRETS_HTTP_PORT, targetPort: 'http' }] },
    },
  ];
}
