// What the readiness checks look at: plain Kubernetes objects as @kubernetes/client-node returns them, plus
// facts the harness measured itself. A snapshot is data only, so every check is a pure function over it and is
// unit-tested with fixture snapshots. `collect.ts` builds one from a live cluster.
//
// Secret VALUES never enter a snapshot except the database credentials the credentials check must judge; those
// travel in `credentials`, are registered as run secrets by the collector (so redact() removes them from every
// output) and the check only ever reports their length and whether they match a known default.
import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1CronJob,
  V1Deployment,
  V1Ingress,
  V1Job,
  V1Namespace,
  V1NetworkPolicy,
  V1Node,
  V1Role,
  V1RoleBinding,
  V1StatefulSet,
  V1StorageClass,
} from '@kubernetes/client-node';
import type { LoadResult } from '../../scenarios/ports.ts';

/** A Secret without its data: what the collector keeps. */
export interface SecretMeta {
  readonly name: string;
  readonly namespace: string;
  readonly type: string;
  /** Data keys only, never values. */
  readonly keys: readonly string[];
  /** Kinds of the owners (SealedSecret, ExternalSecret, Certificate...). */
  readonly ownerKinds: readonly string[];
  /** True when `kubectl apply` left a last-applied-configuration: the plaintext came from a manifest file. */
  readonly appliedFromManifest: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/** A TLS certificate's validity, parsed from a kubernetes.io/tls Secret's tls.crt by the collector. */
export interface TlsCertificateFact {
  readonly secret: string;
  readonly namespace: string;
  readonly subject: string;
  readonly issuer?: string;
  readonly notAfter: string;
  /**
   * True when the certificate vouches for itself: its issuer name equals its subject (a root presented as the
   * serving certificate) OR its signature verifies with its own public key (self-signed whatever the names say).
   * A leaf issued by any separate CA (Let's Encrypt, a company CA, the drill's CA on kind) is not self-signed.
   */
  readonly selfSigned: boolean;
}

/** A custom resource (cert-manager Issuer/Certificate, SealedSecret, ExternalSecret...), as returned. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: Record<string, unknown>;
  readonly status?: { readonly conditions?: readonly { readonly type?: string; readonly status?: string; readonly message?: string }[] } & Record<string, unknown>;
}

export interface PrometheusTargetFact {
  readonly job: string;
  readonly instance: string;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError?: string;
}

export interface AlertingFact {
  /** Receivers from the AlertManager config, with whether each has a real destination configured. */
  readonly receivers: readonly { readonly name: string; readonly kind: string; readonly configured: boolean }[];
  /** The test alert the harness fired, if it did. */
  readonly testAlert?: { readonly receiver: string; readonly delivered: boolean; readonly latencyMs: number | null; readonly detail: string };
}

export interface LokiFact {
  readonly query: string;
  readonly lines: number;
  /** Age of the newest line when queried (ms), null when none. */
  readonly newestAgeMs: number | null;
}

export interface MigrationsFact {
  readonly expected: readonly string[];
  readonly applied: readonly string[];
}

/** Sensitive: the one place a secret value may sit in memory. The collector registers `value` as a run secret. */
export interface CredentialSample {
  /** e.g. 'gravl/postgres-secret#POSTGRES_PASSWORD' */
  readonly ref: string;
  readonly user?: string;
  readonly value: string;
  /**
   * When the API server last recorded a write of the Secret's data (ISO), and from what: the newest
   * `metadata.managedFields` entry that owns `f:data`/`f:stringData`, else the Secret's creationTimestamp. Only
   * server-recorded times count (an annotation is whatever the writer claims). Absent: no time could be read.
   */
  readonly writtenAt?: string;
  readonly writtenAtSource?: string;
}

/** One container of an application pod and its restartCount (status.containerStatuses[].restartCount). */
export interface ContainerRestarts {
  readonly pod: string;
  readonly container: string;
  readonly restarts: number;
}

/**
 * The application pods' container restart counts right before and right after the sign-off load
 * (PRODUCTION_GO_LIVE.md § 6.1: no pod restarts under load). Pods of Deployments and StatefulSets only (a Job's pod
 * is not the application).
 */
export interface RestartsFact {
  readonly namespace: string;
  readonly before: readonly ContainerRestarts[];
  readonly after: readonly ContainerRestarts[];
}

export interface HarnessFacts {
  readonly prometheusTargets?: readonly PrometheusTargetFact[];
  readonly alerting?: AlertingFact;
  readonly loki?: LokiFact;
  readonly load?: LoadResult;
  readonly migrations?: MigrationsFact;
  readonly restarts?: RestartsFact;
  /** Why a fact above is absent, when the harness tried and failed to measure it (e.g. 'GET .../targets: HTTP 503'). */
  readonly unmeasured?: Readonly<Partial<Record<'prometheusTargets' | 'alerting' | 'loki' | 'load' | 'migrations' | 'restarts', string>>>;
}

/** The list fields of a snapshot: each was read from the API (then [] means none exist) or is unreadable. */
export const SNAPSHOT_LISTS = [
  'storageClasses',
  'namespaces',
  'clusterRoles',
  'clusterRoleBindings',
  'roles',
  'roleBindings',
  'networkPolicies',
  'secrets',
  'deployments',
  'statefulSets',
  'cronJobs',
  'jobs',
  'ingresses',
  'crds',
  'issuers',
  'certificates',
  'tlsCertificates',
  'credentials',
] as const;
export type SnapshotList = (typeof SNAPSHOT_LISTS)[number];

export interface ClusterSnapshot {
  /** Wall-clock instant of the snapshot (ISO); the checks' "now", so they stay pure. */
  readonly takenAtWall: string;
  /** The application's namespace, e.g. 'gravl'. */
  readonly appNamespace: string;
  /** null when the API server could not be reached. */
  readonly nodes: readonly V1Node[] | null;
  readonly storageClasses: readonly V1StorageClass[];
  readonly namespaces: readonly V1Namespace[];
  readonly clusterRoles: readonly V1ClusterRole[];
  readonly clusterRoleBindings: readonly V1ClusterRoleBinding[];
  readonly roles: readonly V1Role[];
  readonly roleBindings: readonly V1RoleBinding[];
  readonly networkPolicies: readonly V1NetworkPolicy[];
  readonly secrets: readonly SecretMeta[];
  readonly deployments: readonly V1Deployment[];
  readonly statefulSets: readonly V1StatefulSet[];
  readonly cronJobs: readonly V1CronJob[];
  readonly jobs: readonly V1Job[];
  readonly ingresses: readonly V1Ingress[];
  /** Names of installed CRDs, e.g. 'sealedsecrets.bitnami.com'. */
  readonly crds: readonly string[];
  readonly issuers: readonly KubeObject[];
  readonly certificates: readonly KubeObject[];
  readonly tlsCertificates: readonly TlsCertificateFact[];
  readonly credentials: readonly CredentialSample[];
  /**
   * The lists the collector could NOT read, each with why ('HTTP 403 Forbidden: roles is forbidden...', 'no
   * cluster answered'). Such a list is [] in the snapshot but means "unknown", not "none": a check that reads it
   * is never PASS (readiness.ts). A list absent from this record was read.
   */
  readonly unreadable: Readonly<Partial<Record<SnapshotList, string>>>;
  readonly facts: HarnessFacts;
}

/** Every list unreadable for one reason (no cluster answered). */
export function allUnreadable(reason: string): Record<SnapshotList, string> {
  return Object.fromEntries(SNAPSHOT_LISTS.map((l) => [l, reason])) as Record<SnapshotList, string>;
}
