// Builds a ClusterSnapshot from a live cluster with @kubernetes/client-node. Small on purpose: list calls and
// mapping only; every judgement lives in the pure checks (readiness.ts). Exercised by the e2e tier.
//
// Secret values: Secrets are listed (the API has no metadata-only list for them), then reduced at once to
// SecretMeta (keys, owners, whether kubectl applied them from a manifest) and, for TLS secrets, the
// certificate's validity. The only values kept are the database credentials named in `credentialRefs`; they are
// returned in `secrets` too, so the caller registers them for redact() before anything is written.
import { X509Certificate } from 'node:crypto';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  StorageV1Api,
  type V1Secret,
} from '@kubernetes/client-node';
import { throwIfAborted } from '../../scenarios/errors.ts';
import type { ClusterSnapshot, CredentialSample, HarnessFacts, KubeObject, SecretMeta, TlsCertificateFact } from './snapshot.ts';

export interface CredentialRef {
  readonly namespace: string;
  readonly secret: string;
  readonly key: string;
  /** The database user, to catch password == user. */
  readonly user?: string;
}

export interface CollectOptions {
  readonly appNamespace: string;
  /** Default: KubeConfig.loadFromDefault() with `context` selected if given. */
  readonly kubeConfig?: KubeConfig;
  readonly context?: string;
  readonly credentialRefs?: readonly CredentialRef[];
  /** Facts the harness measured (Prometheus targets, alert delivery, Loki, load, migrations). */
  readonly facts?: HarnessFacts;
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

export interface CollectedSnapshot {
  readonly snapshot: ClusterSnapshot;
  /** Secret values read while collecting: register them with the run's redaction. */
  readonly secrets: readonly string[];
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A Secret reduced to what the checks may see. */
export function toSecretMeta(s: V1Secret): SecretMeta {
  return {
    name: s.metadata?.name ?? '',
    namespace: s.metadata?.namespace ?? '',
    type: s.type ?? 'Opaque',
    keys: Object.keys({ ...(s.data ?? {}), ...(s.stringData ?? {}) }).sort(),
    ownerKinds: (s.metadata?.ownerReferences ?? []).map((o) => o.kind),
    appliedFromManifest: Boolean(s.metadata?.annotations?.[LAST_APPLIED]),
    labels: { ...(s.metadata?.labels ?? {}) },
  };
}

/** The first certificate of a kubernetes.io/tls Secret's tls.crt; null when absent or unparsable. */
export function toTlsFact(s: V1Secret): TlsCertificateFact | null {
  const b64 = s.data?.['tls.crt'];
  if (s.type !== 'kubernetes.io/tls' || !b64) return null;
  try {
    const pem = Buffer.from(b64, 'base64').toString('utf8');
    const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
    if (!first) return null;
    const cert = new X509Certificate(first);
    return {
      secret: s.metadata?.name ?? '',
      namespace: s.metadata?.namespace ?? '',
      subject: cert.subject.replace(/\n/g, ', '),
      notAfter: new Date(cert.validTo).toISOString(),
      selfSigned: cert.subject === cert.issuer,
    };
  } catch {
    return null;
  }
}

export function credentialFrom(secrets: readonly V1Secret[], ref: CredentialRef): CredentialSample | null {
  const s = secrets.find((x) => x.metadata?.namespace === ref.namespace && x.metadata?.name === ref.secret);
  const raw = s?.data?.[ref.key];
  if (raw === undefined) return null;
  return { ref: `${ref.namespace}/${ref.secret}#${ref.key}`, ...(ref.user ? { user: ref.user } : {}), value: Buffer.from(raw, 'base64').toString('utf8') };
}

async function orEmpty<T>(p: Promise<{ items: T[] }>): Promise<T[]> {
  try {
    return (await p).items;
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 404 || code === 403) return []; // API group not installed, or not allowed: the check will say PENDING
    throw error;
  }
}

export async function collectSnapshot(options: CollectOptions): Promise<CollectedSnapshot> {
  const kc = options.kubeConfig ?? new KubeConfig();
  if (!options.kubeConfig) {
    kc.loadFromDefault();
    if (options.context) kc.setCurrentContext(options.context);
  }
  const ns = options.appNamespace;
  const core = kc.makeApiClient(CoreV1Api);
  throwIfAborted(options.signal, 'readiness snapshot');
  let nodes: ClusterSnapshot['nodes'];
  try {
    nodes = (await core.listNode()).items;
  } catch {
    nodes = null;
  }
  const takenAtWall = (options.now?.() ?? new Date()).toISOString();
  const base = { takenAtWall, appNamespace: ns, facts: options.facts ?? {} };
  if (nodes === null) {
    return {
      snapshot: { ...base, nodes: null, storageClasses: [], namespaces: [], clusterRoles: [], clusterRoleBindings: [], roles: [], roleBindings: [], networkPolicies: [], secrets: [], deployments: [], statefulSets: [], cronJobs: [], jobs: [], ingresses: [], crds: [], issuers: [], certificates: [], tlsCertificates: [], credentials: [] },
      secrets: [],
    };
  }
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const storage = kc.makeApiClient(StorageV1Api);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  throwIfAborted(options.signal, 'readiness snapshot');
  const [storageClasses, namespaces, clusterRoles, clusterRoleBindings, roles, roleBindings, networkPolicies, rawSecrets, deployments, statefulSets, cronJobs, jobs, ingresses, crdList] = await Promise.all([
    orEmpty(storage.listStorageClass()),
    orEmpty(core.listNamespace()),
    orEmpty(rbac.listClusterRole()),
    orEmpty(rbac.listClusterRoleBinding()),
    orEmpty(rbac.listNamespacedRole({ namespace: ns })),
    orEmpty(rbac.listNamespacedRoleBinding({ namespace: ns })),
    orEmpty(net.listNamespacedNetworkPolicy({ namespace: ns })),
    orEmpty(core.listNamespacedSecret({ namespace: ns })),
    orEmpty(apps.listNamespacedDeployment({ namespace: ns })),
    orEmpty(apps.listNamespacedStatefulSet({ namespace: ns })),
    orEmpty(batch.listNamespacedCronJob({ namespace: ns })),
    orEmpty(batch.listNamespacedJob({ namespace: ns })),
    orEmpty(net.listNamespacedIngress({ namespace: ns })),
    orEmpty(ext.listCustomResourceDefinition()),
  ]);
  const crds = crdList.map((c) => c.metadata?.name ?? '').filter(Boolean);
  throwIfAborted(options.signal, 'readiness snapshot');
  const listCustom = async (group: string, plural: string, namespaced: boolean): Promise<KubeObject[]> => {
    if (!crds.includes(`${plural}.${group}`)) return [];
    const list = namespaced
      ? custom.listNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural })
      : custom.listClusterCustomObject({ group, version: 'v1', plural });
    return orEmpty(list as Promise<{ items: KubeObject[] }>);
  };
  const [clusterIssuers, issuers, certificates] = await Promise.all([
    listCustom('cert-manager.io', 'clusterissuers', false),
    listCustom('cert-manager.io', 'issuers', true),
    listCustom('cert-manager.io', 'certificates', true),
  ]);
  const credentials = (options.credentialRefs ?? []).map((r) => credentialFrom(rawSecrets, r)).filter((c): c is CredentialSample => c !== null);
  const snapshot: ClusterSnapshot = {
    ...base,
    nodes,
    storageClasses,
    namespaces,
    clusterRoles,
    clusterRoleBindings,
    roles,
    roleBindings,
    networkPolicies,
    secrets: rawSecrets.map(toSecretMeta),
    deployments,
    statefulSets,
    cronJobs,
    jobs,
    ingresses,
    crds,
    issuers: [...clusterIssuers, ...issuers],
    certificates,
    tlsCertificates: rawSecrets.map(toTlsFact).filter((t): t is TlsCertificateFact => t !== null),
    credentials,
  };
  return { snapshot, secrets: credentials.map((c) => c.value) };
}
