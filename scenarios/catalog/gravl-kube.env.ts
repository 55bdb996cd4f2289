// What the Kubernetes rollback scenarios need from a cluster running the Gravl stack, on top of GravlEnv: the
// faults of ROLLBACK.md's scenarios as data, watches that see the symptoms the runbook names, and the runbook's
// kubectl operations. The environment (suites/environments/gravl-kind.env.ts) implements it over the API.
import type { FaultSpec } from '../ports.ts';
import type { GravlEnv } from './gravl.env.ts';
import type { GravlAlertingEnv } from './gravl-alerting.env.ts';
import type { GravlLoggingEnv } from './gravl-logging.env.ts';
import type { GravlTlsEnv } from './gravl-tls.env.ts';

export interface WatchResult {
  /** What the watch saw when it resolved, for the journal. */
  readonly detail: string;
  /** How many pods showed the symptom. */
  readonly pods: number;
}

/**
 * The backend's release on Kubernetes: ROLLBACK.md Scenarios 1 and 4 (a bad release, a deleted secret) and the
 * runbook's kubectl operations on the backend Deployment.
 */
export interface GravlReleaseEnv extends GravlEnv {
  /** The application namespace (ROLLBACK.md's gravl-production). */
  readonly namespace: string;
  /** Backend replicas in the steady state (ROLLBACK.md scales back to 3). */
  readonly backendReplicas: number;
  /** The image running before the drill: what a rollback goes back to. */
  readonly previousBackendImage: string;
  /** A release of the backend that crashes at start. */
  readonly brokenBackendImage: string;

  /** Fault: a bad release of the backend is deployed (`kubectl set image` to the broken build). */
  badRelease(): FaultSpec;
  /** Fault: the app secret the backend reads at start is deleted. */
  secretDeleted(): FaultSpec;
  /** Fault: every backend pod is killed (the pods restart, as they do after any deploy or node loss). */
  backendPodsKilled(): FaultSpec;

  /** Resolves when at least `count` backend pods wait in one of `reasons` (CrashLoopBackOff...). */
  watchBackendWaiting(reasons: readonly string[], count: number, signal: AbortSignal): Promise<WatchResult>;
  /** Backend pods that are Ready right now. */
  readyBackendPods(signal: AbortSignal): Promise<number>;
  /** Backend pods waiting in CrashLoopBackOff right now. */
  crashLoopingBackendPods(signal: AbortSignal): Promise<number>;

  /** `kubectl scale deployment backend --replicas=N`; returns what was done. */
  scaleBackend(replicas: number, signal: AbortSignal): Promise<string>;
  /** `kubectl set image deployment/backend backend=IMAGE`. */
  setBackendImage(image: string, signal: AbortSignal): Promise<string>;
  /** `kubectl rollout status deployment/backend` (a watch until every replica is updated and available). */
  backendRolloutStatus(signal: AbortSignal): Promise<string>;
  /** `kubectl rollout restart deployment/backend` and wait for the rollout. */
  restartBackend(signal: AbortSignal): Promise<string>;
  /** Re-apply the app secret from its source of truth (the stack's sealed/managed definition). */
  restoreAppSecret(signal: AbortSignal): Promise<string>;
}

/** The backup job of BLOCKING_ISSUES_REMEDIATION.md § Issue #2: deployed, run once, restored into a scratch instance. */
export interface GravlBackupEnv extends GravlEnv {
  /** Fault: the backup CronJob is not deployed (BLOCKING_ISSUES_REMEDIATION.md § Issue #2). */
  backupCronJobDeleted(): FaultSpec;
  /** Is the backup CronJob deployed? */
  backupCronJobDeployed(signal: AbortSignal): Promise<boolean>;
  /** Resolves when the backup CronJob is gone. */
  watchBackupCronJobGone(signal: AbortSignal): Promise<WatchResult>;
  /** `kubectl apply -f postgres-backup-cronjob.yaml` from the stack's definition. */
  deployBackupCronJob(signal: AbortSignal): Promise<string>;
  /** `kubectl create job --from=cronjob/postgres-backup-cronjob`, waited on until it succeeds. */
  runBackupJobOnce(signal: AbortSignal): Promise<BackupRun>;
  /** Restore the newest backup into a scratch PostgreSQL (never the live one) and count what came back. */
  restoreLatestBackupToScratch(signal: AbortSignal): Promise<RestoreCheck>;
  /** Exercises the live database holds, through the backend (for comparison with a restore). */
  liveExerciseCount(signal: AbortSignal): Promise<number>;
}

/** A release with a database migration (ROLLBACK.md § Scenario 2 and the full rollback): the DBA's operations. */
export interface GravlMigrationEnv extends GravlReleaseEnv, GravlBackupEnv {
  /** The next release of the backend, whose migration fails part-way (ROLLBACK.md § Scenario 2). */
  readonly nextBackendImage: string;
  /** The schema version the previous (current) release runs on. */
  readonly previousSchemaVersion: number;
  /** Fault: the backend is rolled out at the next release (`kubectl set image`); it needs the next schema. */
  nextRelease(): FaultSpec;
  /** Fault: the next release's migration Job runs (it fails after committing part of the release). */
  failedMigration(): FaultSpec;
  /** Resolves when an attempt of the migration Job has failed, with its error. */
  watchMigrationFailed(signal: AbortSignal): Promise<WatchResult>;
  /** `kubectl exec postgres-0 -- psql -c "SELECT version()"` and the schema and row counts, as a one-off Job. */
  databaseStatus(signal: AbortSignal): Promise<DatabaseState>;
  /** Restores a backup (a file runBackupJobOnce wrote) into the live database; reports the state after. */
  restoreDatabase(file: string, signal: AbortSignal): Promise<DatabaseState & { readonly ms: number }>;
  /** `kubectl delete job db-migration`, waited on until gone; says how many attempts it had made. */
  stopMigrationJob(signal: AbortSignal): Promise<string>;
  /** `kubectl delete job db-migration` + `kubectl apply -f db-migration-job.yaml` (the previous release), waited on. */
  rerunPreviousMigration(signal: AbortSignal): Promise<string>;
  /** Re-applies every object of the stack at the previous version (infrastructure as code), backend kept at 0 replicas. */
  reapplyStackDefinition(signal: AbortSignal): Promise<string>;
}

/** Everything the one-node kind environment offers: each scenario asks only for the capabilities it uses. */
export interface GravlKubeEnv extends GravlMigrationEnv, GravlAlertingEnv, GravlLoggingEnv, GravlTlsEnv {}

export interface DatabaseState {
  readonly server: string;
  /** Highest applied migration. */
  readonly schema: number;
  readonly rows: Readonly<Record<'exercises' | 'workout_logs', number>>;
  /** The column the previous release writes still exists. */
  readonly weightKg: boolean;
}

export interface BackupRun {
  readonly job: string;
  readonly file: string;
  readonly bytes: number;
  readonly ms: number;
}

export interface RestoreCheck {
  readonly dump: string;
  /** Rows per table in the scratch instance after the restore. */
  readonly rows: Readonly<Record<string, number>>;
  readonly ms: number;
}
