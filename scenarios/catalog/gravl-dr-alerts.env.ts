// What the DR alert drills (DISASTER_RECOVERY_COMPLETION.md § Monitoring & Alerting, "Alert Rules (7 total)") need
// from a cluster running the Gravl stack with Prometheus, AlertManager and the in-cluster webhook receiver: the rule
// as Prometheus runs it, the alerts AlertManager holds, the notifications the receiver got, instant queries for the
// alert's input, the conditions as faults and the runbook operations that clear them.
// The environment (suites/environments/kind-dr-alerts.ts) implements it over the Kubernetes API.
import type { FaultSpec } from '../ports.ts';
import type { GravlAlertingEnv } from './gravl-alerting.env.ts';
import type { GravlBackupEnv } from './gravl-kube.env.ts';

/** A rule's state in Prometheus (GET /api/v1/rules). */
export type RuleState = 'inactive' | 'pending' | 'firing';

export interface LoadedAlertRule {
  readonly state: RuleState;
  /** The hold (`for`) Prometheus runs, in seconds. */
  readonly holdSeconds: number;
  /** The expression as loaded. */
  readonly query: string;
}

/** One hold the drill cluster runs shorter than written (clusters/stack/alert-rules.ts). */
export interface HoldCap {
  readonly alert: string;
  readonly written: string;
  readonly drill: string;
}

/** An alert AlertManager holds as active (GET /api/v2/alerts). */
export interface ActiveAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly startsAt: string;
  /** AlertManager's receivers for it (its route). */
  readonly receivers: readonly string[];
}

/** What a restore test reported (the Job's termination message) and whether it recorded its outcome. */
export interface RecordedRestoreTest {
  readonly job: string;
  readonly report: string;
  readonly ms: number;
}

/** What the DR alert drills add to the backup and alerting environments. */
export interface GravlDrAlertsEnv extends GravlBackupEnv, GravlAlertingEnv, GravlDrAlertsOps {}

/** Each fault's Jobs get names of their own (a suffix per call), so a fault computed twice never collides. */
export interface GravlDrAlertsOps {
  /** The holds this cluster's Prometheus runs capped (written -> drill); empty when it runs the rules as written. */
  cappedHolds(signal: AbortSignal): Promise<readonly HoldCap[]>;
  /** The alert rule as Prometheus runs it; undefined when no loaded rule has that name. */
  alertRule(alert: string, signal: AbortSignal): Promise<LoadedAlertRule | undefined>;
  /** The first value of an instant query (GET /api/v1/query); undefined when the result is empty. */
  promQuery(expr: string, signal: AbortSignal): Promise<number | undefined>;
  /** The alerts AlertManager holds as active with this alertname. */
  activeAlertsNamed(alertname: string, signal: AbortSignal): Promise<readonly ActiveAlert[]>;
  /** Makes the route group notifications at most this far apart, and reloads AlertManager (evidence string). */
  routeWithGroupInterval(groupInterval: string, signal: AbortSignal): Promise<string>;

  /** Fault: the primary database's StatefulSet scaled to 0 (the database down, its volume kept). */
  primaryDatabaseDown(): FaultSpec;
  /** Fault: the backup_runs rows of the last 24 h held aside (no backup recorded for a day); the revert puts them back. */
  recentBackupsWithheld(): FaultSpec;
  /** Fault: a backup run recorded as the backup job writes it, with the newest run's size times `sizeFactor` and this upload time. */
  backupRunRecorded(run: { readonly sizeFactor: number; readonly uploadSeconds?: number }): FaultSpec;
  /** Fault: the restore test ran on a damaged copy of the newest dump and recorded its failure; the revert deletes that row. */
  restoreTestFailedOnDamagedDump(): FaultSpec;
  /**
   * Fault: the WAL archive target refuses writes, so the archiver fails on every segment; a segment is finished
   * and its wait for the archive aged by `agedMinutes` (its status file's time), as if it had failed that long.
   * The revert makes the target writable again.
   */
  walArchiveRefused(agedMinutes: number): FaultSpec;

  /** The runbook's "restart the primary": its StatefulSet scaled back to 1, waited on until Ready. */
  startPrimaryDatabase(signal: AbortSignal): Promise<string>;
  /** The scheduled restore test, now: the newest dump restored into a scratch instance, the outcome recorded. */
  runRestoreTest(signal: AbortSignal): Promise<RecordedRestoreTest>;
  /** The on-call fix for a refusing archive target: writable again, the archiver woken, waited on until no segment waits. */
  restoreWalArchive(signal: AbortSignal): Promise<string>;
}
