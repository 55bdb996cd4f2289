// Inputs of the reference stack's manifests. Image tags are parameters (from ensureImage() in
// tools/images/images.ts, convention drillbook/<name>:<version>-<hash8>): nothing here hardcodes a tag.
export interface StackImages {
  postgres: string;
  backend: string;
  /** Optional parts: a stack without them still deploys (smaller e2e runs). */
  frontend?: string;
  prometheus?: string;
  alertmanager?: string;
  loki?: string;
  /** Log shipper (promtail) DaemonSet. */
  logShipper?: string;
}

export interface StackNamespaces {
  app: string;
  monitoring: string;
  logging: string;
}

export interface StackOptions {
  images: StackImages;
  namespaces: StackNamespaces;
  /** Database credentials; generate per run, never commit. */
  db: { user: string; password: string; name: string };
  jwtSecret: string;
  backendReplicas: number;
  /** NodePort of the backend Service (published on 127.0.0.1 through the kind config). */
  backendNodePort: number;
  frontendNodePort: number;
  /** StorageClass for every PVC. `local-path` on kind; `standard` reproduces the seeds' Loki failure. */
  storageClass: string;
  /** StorageClass for Loki only (defaults to storageClass). */
  lokiStorageClass?: string;
  /** Loki on an emptyDir instead of a PVC (BLOCKING_ISSUES_REMEDIATION.md Issue #1 option A: staging only). */
  lokiEmptyDir?: boolean;
  /**
   * A drill cluster's Prometheus runs the alert rules with every hold (`for`) capped at this many seconds, and
   * scrapes and evaluates every 5 s, so a drill sees an alert fire and resolve in minutes
   * (clusters/stack/alert-rules.ts). Unset: the rules as written, every 15 s.
   */
  alertHoldCapSeconds?: number;
  /**
   * Continuous WAL archiving (DISASTER_RECOVERY_COMPLETION.md: WAL to S3 for point-in-time recovery): the database
   * archives each finished segment into a volume of its pod (the stack has no S3), and switches segments at least
   * every `timeoutSeconds` (archive_timeout: the archive's RPO on a quiet database). Unset: no archive.
   */
  walArchive?: { timeoutSeconds: number };
}

export const DEFAULT_NAMESPACES: StackNamespaces = {
  app: 'gravl-production',
  monitoring: 'gravl-monitoring',
  logging: 'gravl-logging',
};

export function stackOptions(partial: Pick<StackOptions, 'images' | 'db' | 'jwtSecret'> & Partial<StackOptions>): StackOptions {
  return {
    namespaces: DEFAULT_NAMESPACES,
    backendReplicas: 2,
    backendNodePort: 30080,
    frontendNodePort: 30081,
    storageClass: 'local-path',
    ...partial,
  };
}

/** Component labels, as the seeds select them (`-l component=backend`). */
export const COMPONENT = 'component';
