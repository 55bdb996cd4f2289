// What the region-loss drill needs from a cluster spread over two regions (DISASTER_RECOVERY_COMPLETION.md § 4):
// the PostgreSQL primary in one region, a streaming standby in the other, the backend served from the standby's
// region; the loss of a whole region as a fault, and the failover runbook's operations (health check of the
// secondary, promote, repoint the database name, restart the applications). The environment
// (suites/environments/gravl-kind-regions.env.ts) implements it on a two-region kind cluster.
import type { FaultSpec } from '../ports.ts';
import type { GravlEnv } from './gravl.env.ts';

/** One PostgreSQL instance as psql sees it. */
export interface InstanceState {
  /** The region it runs in (its cluster_name). */
  readonly instance: string;
  readonly inRecovery: boolean;
  /** 'streaming' on a healthy standby, 'none' on a primary. */
  readonly walReceiver: string;
  readonly replayLagBytes: number;
  readonly streamingStandbys: number;
  readonly workoutLogs: number;
  /** New transactions are read-only (default_transaction_read_only: the fence of a switchover). */
  readonly readOnly?: boolean;
}

export interface RegionNode {
  readonly name: string;
  readonly region: string;
  /** The control plane's view: the node's Ready condition. */
  readonly ready: boolean;
}

export interface GravlRegionEnv extends GravlEnv {
  readonly namespace: string;
  /** Region of the primary (lost in the drill) and of the standby (the failover target). */
  readonly primaryRegion: string;
  readonly standbyRegion: string;
  readonly backendReplicas: number;

  /** Fault: every node of `region` goes down at once. */
  regionDown(region: string): FaultSpec;
  /** Nodes by region with their Ready condition, as the control plane reports them now. */
  regionNodes(signal: AbortSignal): Promise<readonly RegionNode[]>;
  /** Backend pods Ready now. */
  readyBackendPods(signal: AbortSignal): Promise<number>;

  /** psql on the instance the backend's `postgres` name points at now. */
  serving(signal: AbortSignal): Promise<InstanceState>;
  /** psql on the standby (directly, not through `postgres`). Runbook: "health check secondary region". */
  standbyStatus(signal: AbortSignal): Promise<InstanceState>;
  /** `SELECT pg_promote()` on the standby; its state afterwards. */
  promoteStandby(signal: AbortSignal): Promise<InstanceState & { readonly promoted: boolean }>;
  /** Repoints the `postgres` name at the standby (the runbook's "update DNS"); returns what was done. */
  repointDatabase(signal: AbortSignal): Promise<string>;
  /** `kubectl rollout restart deployment/backend` and wait for the rollout (the runbook's "restart applications"). */
  restartBackend(signal: AbortSignal): Promise<string>;

  // ---- fail-back (DISASTER_RECOVERY_COMPLETION.md § 4 "Failback Process"): instances named by their region
  /** psql on the instance of `region` (directly). */
  instanceStatus(region: string, signal: AbortSignal): Promise<InstanceState>;
  /** pg_dump of the instance `postgres` points at now; its size. */
  backupServing(signal: AbortSignal): Promise<{ readonly bytes: number; readonly instance: string }>;
  /** Wipes the instance of `region` and re-seeds it (pg_basebackup) as a standby of the other region's instance. */
  reseedAsStandby(region: string, signal: AbortSignal): Promise<string>;
  /** Fault: the instance of `region` takes no more writes (read-only for new transactions), the switchover's fence. */
  writeFence(region: string): FaultSpec;
  /** The instance's current WAL position (pg_current_wal_lsn()). */
  walPosition(region: string, signal: AbortSignal): Promise<string>;
  /** Has the standby of `region` replayed up to `lsn`? */
  replayedTo(region: string, lsn: string, signal: AbortSignal): Promise<{ readonly caughtUp: boolean; readonly replayLsn: string }>;
  /** `SELECT pg_promote()` on the instance of `region`. */
  promote(region: string, signal: AbortSignal): Promise<InstanceState & { readonly promoted: boolean }>;
  /** Repoints the `postgres` name at the instance of `region`. */
  repointDatabaseTo(region: string, signal: AbortSignal): Promise<string>;
}
