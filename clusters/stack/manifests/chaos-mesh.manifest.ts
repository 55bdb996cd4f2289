// Chaos Mesh's controller for the drills' clusters, from the image built here (tools/images: chaos-mesh-controller,
// chaos-controller-manager from its Go module): its 23 CRDs (manifests/crd.yaml of the same source), a namespace,
// the RBAC of the upstream chart (controller part), the webhook server's certificate (the controller will not
// start without one, even with no webhook configured) and the Deployment, configured by environment as the
// chart does. No admission webhooks are registered: nothing then defaults `spec.selector.namespaces`, so the
// drills' chaos objects always name their namespace (tools/chaos/chaos-mesh.manifests.ts does). No chaos-daemon:
// PodChaos pod-kill and pod-failure are done by the controller through the API; what enters containers is not.
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../kube/kube-api.ts';

export const CHAOS_MESH_NAMESPACE = 'chaos-mesh';
export const CHAOS_CONTROLLER = 'chaos-controller-manager';
/** The Service name the webhook certificate is for (the chart's). */
export const CHAOS_WEBHOOK_HOST = `chaos-mesh-controller-manager.${CHAOS_MESH_NAMESPACE}.svc`;

/** The CRDs of manifests/crd.yaml, as objects (server-side apply only: workflownodes alone is 1.3 MB). */
export function chaosMeshCrds(crdYaml: string): KubeObject[] {
  const docs = parseAllDocuments(crdYaml).map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => o !== null && typeof o === 'object');
  const crds = docs.filter((o) => o.kind === 'CustomResourceDefinition');
  if (crds.length === 0) throw new Error('no CustomResourceDefinition in the Chaos Mesh crd.yaml');
  return crds;
}

export interface WebhookCert {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

const SA = CHAOS_CONTROLLER;

export function chaosMeshController(image: string, tls: WebhookCert): KubeObject[] {
  const ns = CHAOS_MESH_NAMESPACE;
  const labels = { 'app.kubernetes.io/name': 'chaos-mesh', 'app.kubernetes.io/component': 'controller-manager' };
  const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, roleKind: 'ClusterRole' | 'Role'): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name, ...(kind === 'RoleBinding' ? { namespace: ns } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name },
    subjects: [{ kind: 'ServiceAccount', name: SA, namespace: ns }],
  });
  const env = Object.entries({
    CLUSTER_SCOPED: 'true',
    ENABLE_FILTER_NAMESPACE: 'false',
    ENABLE_LEADER_ELECTION: 'false',
    SECURITY_MODE: 'false',
    CHAOSD_SECURITY_MODE: 'false',
    CHAOS_DAEMON_SERVICE_PORT: '31767',
    WEBHOOK_PORT: '10250',
    METRICS_PORT: '10080',
    ENABLED_CONTROLLERS: '*',
    ENABLED_WEBHOOKS: '*',
    QPS: '30',
    BURST: '50',
    TZ: 'UTC',
  }).map(([name, value]) => ({ name, value }));
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: ns } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `${SA}-target-namespace` },
      rules: [
        { apiGroups: [''], resources: ['pods', 'configmaps', 'secrets'], verbs: ['get', 'list', 'watch', 'delete', 'update', 'patch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['create'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: [''], resources: ['events'], verbs: ['patch', 'create', 'watch', 'list', 'get'] },
        { apiGroups: ['chaos-mesh.org'], resources: ['*'], verbs: ['*'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `${SA}-cluster-level` },
      rules: [
        { apiGroups: [''], resources: ['nodes', 'persistentvolumes', 'persistentvolumeclaims', 'namespaces', 'services'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: `${SA}-control-plane`, namespace: ns },
      rules: [
        { apiGroups: [''], resources: ['services', 'secrets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['*'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['*'] },
      ],
    },
    binding('ClusterRoleBinding', `${SA}-target-namespace`, 'ClusterRole'),
    binding('ClusterRoleBinding', `${SA}-cluster-level`, 'ClusterRole'),
    binding('RoleBinding', `${SA}-control-plane`, 'Role'),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'chaos-mesh-webhook-certs', namespace: ns },
      type: 'Opaque',
      stringData: { 'tls.crt': tls.cert, 'tls.key': tls.key, 'ca.crt': tls.ca },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: CHAOS_CONTROLLER, namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: SA,
            containers: [
              {
                name: 'chaos-mesh',
                image,
                imagePullPolicy: 'IfNotPresent',
                env: [{ name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }, ...env],
                ports: [{ name: 'webhook', containerPort: 10250 }, { name: 'http', containerPort: 10080 }],
                readinessProbe: { httpGet: { path: '/metrics', port: 10080 }, periodSeconds: 2 },
                resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
                volumeMounts: [{ name: 'webhook-certs', mountPath: '/etc/webhook/certs', readOnly: true }],
              },
            ],
            volumes: [{ name: 'webhook-certs', secret: { secretName: 'chaos-mesh-webhook-certs' } }],
          },
        },
      },
    },
  ];
}
