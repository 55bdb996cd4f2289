// Builds a ClusterSnapshot from a live cluster with @kubernetes/client-node. Small on purpose: list calls and
// mapping only; every judgement lives in the pure checks (readiness.ts). Exercised by the e2e tier.
//
// Secret values: Secrets are listed (the API has no metadata-only list for them), then reduced at once to
// SecretMeta (keys, owners, whether kubectl applied them from a manifest) and, for TLS secrets, the
// certificate's validity. The only values kept are the database credentials named in `credentialRefs`; they are
// returned in `secrets` too, so the caller registers them for redact() before anything is written.
//
// A list call that fails (403 not allowed, 404 API group absent, a timeout) is recorded in `unreadable` with why,
// never as an empty list: "could not look" must not read as "looked and found none" (readiness.ts gates on it).
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
import { allUnreadable, type ClusterSnapshot, type CredentialSample, type HarnessFacts, type KubeObject, type SecretMeta, type SnapshotList, type TlsCertificateFact } from './snapshot.ts';

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
      issuer: cert.issuer.replace(/\n/g, ', '),
      notAfter: new Date(cert.validTo).toISOString(),
      selfSigned: isSelfSigned(cert),
    };
  } catch {
    return null;
  }
}

/**
 * Self-signed when either holds: the issuer name equals the subject (a root served as the leaf), or the signature
 * verifies with the certificate's own public key (self-signed whatever names it carries). Either way no CA vouches
 * for it. A leaf signed by a separate CA key (Let's Encrypt, a company CA, the drill's CA) passes both tests.
 */
export function isSelfSigned(cert: X509Certificate): boolean {
  if (cert.subject === cert.issuer) return true;
  try {
    return cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/**
 * When the API server last recorded a write of a Secret's data: the newest managedFields entry owning f:data or
 * f:stringData (its `time` is that manager's last change), else the creationTimestamp (data written at creation).
 */
export function secretWrittenAt(s: V1Secret): { at: string; source: string } | null {
  const writes = (s.metadata?.managedFields ?? [])
    .filter((m) => m.time && m.fieldsV1 && typeof m.fieldsV1 === 'object' && ('f:data' in m.fieldsV1 || 'f:stringData' in m.fieldsV1))
    .map((m) => ({ t: new Date(m.time!).getTime(), m }))
    .filter((x) => !Number.isNaN(x.t))
    .sort((a, b) => b.t - a.t);
  const newest = writes[0];
  if (newest) return { at: new Date(newest.t).toISOString(), source: `managedFields: ${newest.m.manager ?? '?'} ${newest.m.operation ?? '?'} of the data` };
  const created = s.metadata?.creationTimestamp;
  if (created && !Number.isNaN(new Date(created).getTime())) return { at: new Date(created).toISOString(), source: 'creationTimestamp (no managedFields entry for the data)' };
  return null;
}

export function credentialFrom(secrets: readonly V1Secret[], ref: CredentialRef): CredentialSample | null {
  const s = secrets.find((x) => x.metadata?.namespace === ref.namespace && x.metadata?.name === ref.secret);
  const raw = s?.data?.[ref.key];
  if (s === undefined || raw === undefined) return null;
  const written = secretWrittenAt(s);
  return {
    ref: `${ref.namespace}/${ref.secret}#${ref.key}`,
    ...(ref.user ? { user: ref.user } : {}),
    value: Buffer.from(raw, 'base64').toString('utf8'),
    ...(written ? { writtenAt: written.at, writtenAtSource: written.source } : {}),
  };
}

/** Why a list call failed, in one line: 'HTTP 403 Forbidden: roles.rbac... is forbidden: User ...'. */
export function describeListError(error: unknown): string {
  const e = error as { code?: number; body?: unknown; message?: string };
  if (typeof e?.code === 'number') {
    let body = e.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        /* plain text body */
      }
    }
    const b = (body ?? {}) as { reason?: string; message?: string };
    const message = typeof body === 'string' ? body : (b.message ?? '');
    const reason = b.reason ?? ({ 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound' } as Record<number, string>)[e.code] ?? '';
    return `HTTP ${e.code}${reason ? ` ${reason}` : ''}${message ? `: ${message.split('\n')[0]}` : ''}`;
  }
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
}

/** Reads one list; a failure is recorded in `unreadable` under `name` (with why) and gives [] to the snapshot. */
export async function readList<T>(unreadable: Partial<Record<SnapshotList, string>>, name: SnapshotList, call: () => Promise<{ items: T[] }>): Promise<T[]> {
  try {
    return (await call()).items;
  } catch (error) {
    unreadable[name] = describeListError(error);
    return [];
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
  let nodesError = '';
  try {
    nodes = (await core.listNode()).items;
  } catch (error) {
    nodes = null;
    nodesError = describeListError(error);
  }
  const takenAtWall = (options.now?.() ?? new Date()).toISOString();
  const base = { takenAtWall, appNamespace: ns, facts: options.facts ?? {} };
  if (nodes === null) {
    return {
      snapshot: { ...base, nodes: null, storageClasses: [], namespaces: [], clusterRoles: [], clusterRoleBindings: [], roles: [], roleBindings: [], networkPolicies: [], secrets: [], deployments: [], statefulSets: [], cronJobs: [], jobs: [], ingresses: [], crds: [], issuers: [], certificates: [], tlsCertificates: [], credentials: [], unreadable: allUnreadable(`the API server did not answer (listing nodes: ${nodesError})`) },
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
  const unreadable: Partial<Record<SnapshotList, string>> = {};
  const read = <T>(name: SnapshotList, call: () => Promise<{ items: T[] }>) => readList(unreadable, name, call);
  const [storageClasses, namespaces, clusterRoles, clusterRoleBindings, roles, roleBindings, networkPolicies, rawSecrets, deployments, statefulSets, cronJobs, jobs, ingresses, crdList] = await Promise.all([
    read('storageClasses', () => storage.listStorageClass()),
    read('namespaces', () => core.listNamespace()),
    read('clusterRoles', () => rbac.listClusterRole()),
    read('clusterRoleBindings', () => rbac.listClusterRoleBinding()),
    read('roles', () => rbac.listNamespacedRole({ namespace: ns })),
    read('roleBindings', () => rbac.listNamespacedRoleBinding({ namespace: ns })),
    read('networkPolicies', () => net.listNamespacedNetworkPolicy({ namespace: ns })),
    read('secrets', () => core.listNamespacedSecret({ namespace: ns })),
    read('deployments', () => apps.listNamespacedDeployment({ namespace: ns })),
    read('statefulSets', () => apps.listNamespacedStatefulSet({ namespace: ns })),
    read('cronJobs', () => batch.listNamespacedCronJob({ namespace: ns })),
    read('jobs', () => batch.listNamespacedJob({ namespace: ns })),
    read('ingresses', () => net.listNamespacedIngress({ namespace: ns })),
    read('crds', () => ext.listCustomResourceDefinition()),
  ]);
  // Derived lists share their source's fate: no Secrets read, no certificates or credentials known.
  if (unreadable.secrets) {
    unreadable.tlsCertificates = unreadable.secrets;
    if ((options.credentialRefs ?? []).length > 0) unreadable.credentials = unreadable.secrets;
  }
  const crds = crdList.map((c) => c.metadata?.name ?? '').filter(Boolean);
  throwIfAborted(options.signal, 'readiness snapshot');
  // cert-manager objects: none when its CRD is not installed (a read, empty answer); unknown when the CRD list
  // itself or the objects could not be read.
  const listCustom = async (name: SnapshotList, group: string, plural: string, namespaced: boolean): Promise<KubeObject[]> => {
    if (unreadable.crds) {
      unreadable[name] = `the CRD list was unreadable (${unreadable.crds})`;
      return [];
    }
    if (!crds.includes(`${plural}.${group}`)) return [];
    return read(name, () =>
      (namespaced
        ? custom.listNamespacedCustomObject({ group, version: 'v1', namespace: ns, plural })
        : custom.listClusterCustomObject({ group, version: 'v1', plural })) as Promise<{ items: KubeObject[] }>,
    );
  };
  const [clusterIssuers, issuers, certificates] = await Promise.all([
    listCustom('issuers', 'cert-manager.io', 'clusterissuers', false),
    listCustom('issuers', 'cert-manager.io', 'issuers', true),
    listCustom('certificates', 'cert-manager.io', 'certificates', true),
  ]);
  const credentials: CredentialSample[] = [];
  const notFound: string[] = [];
  for (const r of options.credentialRefs ?? []) {
    const c = credentialFrom(rawSecrets, r);
    if (c) credentials.push(c);
    else notFound.push(`${r.namespace}/${r.secret}#${r.key}`);
  }
  // A TLS secret whose certificate cannot be parsed is a certificate nobody can judge: unreadable, not absent.
  const unparsable = rawSecrets.filter((x) => x.type === 'kubernetes.io/tls' && toTlsFact(x) === null).map((x) => `${x.metadata?.namespace}/${x.metadata?.name}`);
  if (unparsable.length > 0 && !unreadable.tlsCertificates) unreadable.tlsCertificates = `${unparsable.join(', ')}: tls.crt holds no parsable PEM certificate`;
  if (notFound.length > 0 && !unreadable.credentials) unreadable.credentials = `${notFound.join(', ')}: no such Secret or key in the namespace's Secrets`;
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
    unreadable,
  };
  return { snapshot, secrets: credentials.map((c) => c.value) };
}
