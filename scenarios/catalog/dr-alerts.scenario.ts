// DISASTER_RECOVERY_COMPLETION.md § Monitoring & Alerting lists seven DR alerts. Each drill here makes one of them
// fire for real and follows it to the end: it creates the condition the alert is about (the primary database down,
// no backup recorded for a day, a truncated backup, a slow upload, a restore test that fails on a damaged dump),
// waits until AlertManager holds the alert and the receiver got the firing notification, applies the fix an
// on-call engineer would (start the database, run a backup now, re-run the restore test), and verifies that the
// alert resolved in Prometheus and AlertManager and that the receiver got the resolved notification.
// The drill cluster runs the rules with every hold capped (clusters/stack/alert-rules.ts): GravlNoRecentBackup's
// 30 minutes cannot be waited out in a drill. Expressions and thresholds run as written; the evidence lists each
// capped hold, and promtool proves the holds as written (clusters/images/prometheus/rules.test.yml).
// WALArchiveLagging needs the stack's WAL archive on (the monthly drill's one-node cluster has it); its 15 minutes
// are not waited out: the segment that really fails to archive has its wait aged (its status file's time), and the
// evidence says so. HighReplicationLag is not drilled here: the one-node stack has no standby (the two-region stack
// has one, but no Prometheus), and its condition takes 1 GB of unreplayed WAL.
import { defineScenario, type Probe, type RunbookStep, type Scenario, type ScenarioContext } from '../define.ts';
import type { FaultSpec } from '../ports.ts';
import { backendReady } from './gravl.env.ts';
import type { GravlDrAlertsEnv } from './gravl-dr-alerts.env.ts';

type Env = GravlDrAlertsEnv;
type Ctx = ScenarioContext<Env>;

const REF = 'DISASTER_RECOVERY_COMPLETION.md § Monitoring & Alerting';
/** How often AlertManager may notify one alert group in the drill: the resolved notification lands within it. */
export const DRILL_GROUP_INTERVAL = '30s';
/** Until AlertManager holds the alert: a capped hold (15 s), a scrape and two evaluations (5 s each), margin. */
const DETECT_MS = 240_000;
const DELIVERY_MS = 90_000;

/**
 * When this drill's condition was created (wall clock, per run and drill): notifications before it belong to an
 * earlier drill or run (the receiver keeps them), so the probes count only those after it.
 */
const since = new Map<string, number>();
const sinceKey = (ctx: Ctx) => `${ctx.runId}/${ctx.scenarioId}`;
const deliveriesSince = async (ctx: Ctx, alert: string, status: 'firing' | 'resolved', waitMs: number) => {
  const from = since.get(sinceKey(ctx)) ?? Number.POSITIVE_INFINITY;
  const all = await ctx.env.webhookDeliveries(`"alertname":"${alert}"`, waitMs, ctx.signal);
  return all.filter((d) => d.status === status && d.alertnames.includes(alert) && Date.parse(d.receivedAtWall) >= from);
};

/** A DR alert as the drills know it: the rule's name, its number and name in the DR document, and its input. */
export interface DrAlert {
  readonly rule: string;
  readonly drName: string;
  /** A PromQL expression for what the alert reads, and the steady state's bounds for it. */
  readonly input: { readonly name: string; readonly expr: string; readonly tolerance: { readonly min?: number; readonly max?: number } };
}

const alertManagerReady: Probe<Env> = { name: 'AlertManager GET /-/ready (service proxy)', tolerance: { equals: 200 }, measure: (ctx: Ctx) => ctx.env.alertManagerReadyStatus(ctx.signal) };

function probes(alert: DrAlert): { loaded: Probe<Env>; inactive: Probe<Env>; quietInAm: Probe<Env>; resolvedDelivered: Probe<Env> } {
  const state = async (ctx: Ctx) => (await ctx.env.alertRule(alert.rule, ctx.signal))?.state ?? 'not loaded';
  return {
    loaded: { name: `rule ${alert.rule} loaded in Prometheus, state`, tolerance: { oneOf: ['inactive', 'pending', 'firing'] }, measure: state },
    inactive: { name: `rule ${alert.rule} in Prometheus, state`, tolerance: { equals: 'inactive' }, measure: state },
    quietInAm: {
      name: `${alert.rule} alerts active in AlertManager`,
      tolerance: { max: 0 },
      measure: async (ctx: Ctx) => (await ctx.env.activeAlertsNamed(alert.rule, ctx.signal)).length,
    },
    resolvedDelivered: {
      name: `resolved notifications for ${alert.rule} at the receiver since the condition`,
      tolerance: { min: 1 },
      measure: async (ctx: Ctx) => (await deliveriesSince(ctx, alert.rule, 'resolved', 0)).length,
    },
  };
}

/** How long the preparation may take to bring the alert's input within bounds and the alert quiet (a stale one resolves). */
const QUIET_MS = 150_000;

/**
 * The last preparation step: the alert's input within its bounds (e.g. a backup younger than 24 h), the rule
 * inactive in Prometheus, nothing of it active in AlertManager, and the receiver's last notification of it not a
 * firing one; waited on, since an alert that fired before the preparation (a fresh cluster has no backup yet)
 * resolves only after an evaluation and AlertManager's next flush. Until that flush has sent the resolved
 * notification, AlertManager's notification log still holds "firing" for the group: the drill's condition, firing
 * the same alert again, would be no change to it and never notified (the e2e run saw exactly that).
 * Then the start time: notifications before it belong to earlier drills or runs.
 */
const quietBeforeTheCondition = (alert: DrAlert): RunbookStep<Env> => ({
  name: `${alert.input.name} within bounds, ${alert.rule} quiet in Prometheus and AlertManager`,
  timeoutMs: QUIET_MS + 10_000,
  run: async (ctx: Ctx) => {
    const started = ctx.clock.now();
    const { min, max } = alert.input.tolerance;
    for (;;) {
      const value = await ctx.env.promQuery(alert.input.expr, ctx.signal);
      const rule = await ctx.env.alertRule(alert.rule, ctx.signal);
      const active = await ctx.env.activeAlertsNamed(alert.rule, ctx.signal);
      const lastNotified = (await ctx.env.webhookDeliveries(`"alertname":"${alert.rule}"`, 0, ctx.signal))
        .filter((d) => d.alertnames.includes(alert.rule))
        .sort((a, b) => Date.parse(a.receivedAtWall) - Date.parse(b.receivedAtWall))
        .at(-1)?.status;
      const inBounds = value !== undefined && (min === undefined || value >= min) && (max === undefined || value <= max);
      if (inBounds && rule?.state === 'inactive' && active.length === 0 && lastNotified !== 'firing') {
        ctx.evidence(alert.input.name, value, 'metric');
        since.set(sinceKey(ctx), ctx.clock.wallNow());
        return;
      }
      if (ctx.clock.now() - started > QUIET_MS) {
        throw new Error(
          `before the condition: ${alert.input.expr} = ${value ?? 'no series'} (wanted ${min ?? '-inf'}..${max ?? '+inf'}), rule ${rule?.state ?? 'not loaded'}, ${active.length} active in AlertManager, the receiver's last notification ${lastNotified ?? 'none'} (wanted not firing); is Prometheus scraping the backend, and AlertManager notifying the receiver?`,
        );
      }
      await ctx.clock.sleep(2_000, ctx.signal);
    }
  },
});

interface DrAlertDrill {
  readonly id: string;
  readonly alert: DrAlert;
  readonly title: string;
  readonly description: string;
  readonly needs: NonNullable<Parameters<typeof defineScenario<Env>>[0]['needs']>;
  /** What must be in place before the condition (e.g. a fresh backup). */
  readonly prepare?: readonly RunbookStep<Env>[];
  readonly inject: (env: Env) => readonly FaultSpec[];
  /** The on-call engineer's fix. */
  readonly fix: readonly RunbookStep<Env>[];
  /** How long the alert may take to resolve after the fix (a rule over a 5-minute window holds that long). */
  readonly verifyTimeoutMs?: number;
}

/** The receiver routed, notifications grouped 30 s apart, the capped holds in the evidence; then the start time. */
const receiverRouted: RunbookStep<Env> = {
  name: 'AlertManager routes to the in-cluster receiver (the remediated config)',
  // the webhook Ready (up to 110 s) and AlertManager reloaded until the kubelet refreshed its file (up to 150 s)
  timeoutMs: 280_000,
  runbookRef: 'BLOCKING_ISSUES_REMEDIATION.md § Issue #3 (the receiver the DR alerts page through)',
  run: async (ctx: Ctx) => {
    ctx.evidence('receiver', await ctx.env.routeWithGroupInterval(DRILL_GROUP_INTERVAL, ctx.signal), 'command');
    const capped = await ctx.env.cappedHolds(ctx.signal);
    ctx.evidence('holds capped on this drill cluster (expressions and thresholds as written)', capped, 'json');
  },
};

function drAlertDrill(d: DrAlertDrill): Scenario<Env> {
  const p = probes(d.alert);
  return defineScenario<Env>({
    id: d.id,
    title: d.title,
    description: d.description,
    runbookRef: REF,
    runbookFingerprint: 'sha256:2691e9deecfa6b68',
    tags: ['dr', 'alerting', 'kube', 'monthly'],
    destructive: true,
    needs: d.needs,
    // Detection: the alert active in AlertManager (hold capped at 15 s, 5 s scrapes and evaluations). RTO: until
    // the alert resolved and its resolved notification arrived, against ROLLBACK.md's 15 minutes.
    objectives: { detectionSeconds: 120, rtoSeconds: 900, rtoSource: 'verify' },
    steadyState: [backendReady, alertManagerReady, p.loaded],
    setup: [receiverRouted, ...(d.prepare ?? []), quietBeforeTheCondition(d.alert)],
    inject: d.inject,
    detect: {
      name: `${d.alert.rule} active in AlertManager (GET /api/v2/alerts)`,
      timeoutMs: DETECT_MS,
      intervalMs: 2_000,
      check: async (ctx: Ctx) => {
        const active = await ctx.env.activeAlertsNamed(d.alert.rule, ctx.signal);
        return { detected: active.length > 0, value: active.length > 0 ? active : await ctx.env.alertRule(d.alert.rule, ctx.signal) };
      },
    },
    recover: [
      {
        name: 'the firing notification reaches the receiver',
        timeoutMs: DELIVERY_MS + 10_000,
        runbookRef: `${REF}: ${d.alert.drName}`,
        run: async (ctx: Ctx) => {
          const started = ctx.clock.now();
          let firing = await deliveriesSince(ctx, d.alert.rule, 'firing', 0);
          while (firing.length === 0 && ctx.clock.now() - started < DELIVERY_MS) firing = await deliveriesSince(ctx, d.alert.rule, 'firing', Math.max(1, DELIVERY_MS - (ctx.clock.now() - started)));
          if (firing.length === 0) throw new Error(`no firing notification of ${d.alert.rule} reached the receiver within ${DELIVERY_MS} ms`);
          ctx.evidence('firing notification', firing[0], 'json');
          ctx.evidence(d.alert.input.name, (await ctx.env.promQuery(d.alert.input.expr, ctx.signal)) ?? 'no series', 'metric');
        },
      },
      ...d.fix,
    ],
    verify: [backendReady, alertManagerReady, p.inactive, p.quietInAm, p.resolvedDelivered],
    verifyTimeoutMs: d.verifyTimeoutMs ?? 240_000,
  });
}

const runBackupNow: RunbookStep<Env> = {
  name: 'run a backup now',
  timeoutMs: 300_000,
  runbookRef: 'BLOCKING_ISSUES_REMEDIATION.md § Issue #2 Step 4: kubectl create job --from=cronjob/postgres-backup-cronjob',
  run: async (ctx: Ctx) => {
    const backup = await ctx.env.runBackupJobOnce(ctx.signal);
    ctx.evidence('backup', backup, 'json');
    if (backup.bytes <= 0) throw new Error(`the backup job wrote an empty file ${backup.file}`);
  },
};

/** A backup the alert can compare with: the drill's own, so the 7-day average has samples before the fault. */
const freshBackup: RunbookStep<Env> = { ...runBackupNow, name: 'a fresh backup (the baseline the alert compares with)' };
export const PRIMARY_DATABASE_DOWN: DrAlert = {
  rule: 'GravlPrimaryDatabaseDown',
  drName: '7. PrimaryDatabaseDown',
  input: { name: 'writable primary behind the backend', expr: 'max(gravl_database_primary_up)', tolerance: { min: 1, max: 1 } },
};
export const NO_DAILY_BACKUP: DrAlert = {
  rule: 'GravlNoRecentBackup',
  drName: '1. NoDailyBackup',
  input: { name: 'hours since the newest successful backup', expr: '(time() - max(gravl_backup_last_success_timestamp_seconds)) / 3600', tolerance: { min: 0, max: 24 } },
};
export const BACKUP_SIZE_DEVIATION: DrAlert = {
  rule: 'GravlBackupSizeDeviation',
  drName: '2. BackupSizeDeviation',
  input: { name: 'newest backup size, bytes', expr: 'max(gravl_backup_last_size_bytes)', tolerance: { min: 1 } },
};
export const S3_UPLOAD_SLOW: DrAlert = {
  rule: 'GravlS3UploadSlow',
  drName: '4. S3UploadSlow',
  input: { name: 'newest backup upload, seconds', expr: 'max(gravl_backup_last_upload_duration_seconds)', tolerance: { min: 0, max: 1200 } },
};
export const WAL_ARCHIVE_LAGGING: DrAlert = {
  rule: 'GravlWALArchiveLagging',
  drName: '3. WALArchiveLagging',
  input: { name: 'seconds the oldest WAL segment has waited for the archive', expr: 'max(gravl_pg_wal_archive_lag_seconds)', tolerance: { min: 0, max: 900 } },
};
export const RESTORE_TEST_FAILED: DrAlert = {
  rule: 'GravlBackupRestoreTestFailed',
  drName: '6. BackupRestoreTestFailed',
  input: { name: 'newest restore test ok (1) or failed (0)', expr: 'min(gravl_backup_restore_test_last_ok)', tolerance: { min: 1, max: 1 } },
};

export const drAlertPrimaryDatabaseDown = drAlertDrill({
  id: 'dr-alert-primary-database-down',
  alert: PRIMARY_DATABASE_DOWN,
  title: 'The primary database goes down: GravlPrimaryDatabaseDown fires, the primary is started again, it resolves',
  description: "The database StatefulSet scaled to 0 (its volume kept): the backend's gravl_database_primary_up reads 0.",
  needs: ['backend', 'database', 'alerting'],
  inject: (env) => [env.primaryDatabaseDown()],
  fix: [
    {
      name: 'start the primary database',
      timeoutMs: 240_000,
      runbookRef: 'DISASTER_RECOVERY_COMPLETION.md § Monitoring & Alerting: 7. PrimaryDatabaseDown (Critical if primary down)',
      run: async (ctx: Ctx) => ctx.evidence('start', await ctx.env.startPrimaryDatabase(ctx.signal), 'command'),
    },
  ],
});

export const drAlertNoDailyBackup = drAlertDrill({
  id: 'dr-alert-no-daily-backup',
  alert: NO_DAILY_BACKUP,
  title: 'No backup recorded for a day: GravlNoRecentBackup fires, a backup is run now, it resolves',
  description: 'The backup_runs rows of the last 24 h are held aside (as if the nightly job had not run since yesterday); the revert puts them back.',
  needs: ['backend', 'database', 'backup', 'alerting'],
  prepare: [freshBackup],
  inject: (env) => [env.recentBackupsWithheld()],
  fix: [runBackupNow],
});

export const drAlertBackupSizeDeviation = drAlertDrill({
  id: 'dr-alert-backup-size-deviation',
  alert: BACKUP_SIZE_DEVIATION,
  title: 'A backup a tenth of the usual size: GravlBackupSizeDeviation fires, a good backup is run, it resolves',
  description: "A backup run recorded as the backup job writes it, with a tenth of the newest dump's size (a truncated dump); the revert deletes that row.",
  needs: ['backend', 'database', 'backup', 'alerting'],
  prepare: [freshBackup],
  inject: (env) => [env.backupRunRecorded({ sizeFactor: 0.1 })],
  fix: [runBackupNow],
});

export const drAlertS3UploadSlow = drAlertDrill({
  id: 'dr-alert-s3-upload-slow',
  alert: S3_UPLOAD_SLOW,
  title: 'A backup whose upload took 25 minutes: GravlS3UploadSlow fires, a backup is run again, it resolves',
  description: 'A backup run recorded as the backup job writes it, with a 25-minute upload; the revert deletes that row.',
  needs: ['backend', 'database', 'backup', 'alerting'],
  prepare: [freshBackup],
  inject: (env) => [env.backupRunRecorded({ sizeFactor: 1, uploadSeconds: 1500 })],
  fix: [runBackupNow],
});

export const drAlertRestoreTestFailed = drAlertDrill({
  id: 'dr-alert-restore-test-failed',
  alert: RESTORE_TEST_FAILED,
  title: 'The restore test fails on a damaged dump: GravlBackupRestoreTestFailed fires, a good backup is restored, it resolves',
  description: 'The restore test runs on a copy of the newest dump cut to half its size, pg_restore fails and the test records the failure; the revert deletes that row.',
  needs: ['backend', 'database', 'backup', 'alerting'],
  prepare: [
    freshBackup,
    {
      name: 'a restore test that passes (the baseline)',
      timeoutMs: 300_000,
      run: async (ctx: Ctx) => ctx.evidence('restore test', await ctx.env.runRestoreTest(ctx.signal), 'json'),
    },
  ],
  inject: (env) => [env.restoreTestFailedOnDamagedDump()],
  fix: [
    runBackupNow,
    {
      name: 're-run the restore test on the new backup',
      timeoutMs: 300_000,
      runbookRef: 'DISASTER_RECOVERY_COMPLETION.md § Monitoring & Alerting: 6. BackupRestoreTestFailed (Critical on test failure)',
      run: async (ctx: Ctx) => ctx.evidence('restore test', await ctx.env.runRestoreTest(ctx.signal), 'json'),
    },
  ],
});

/** How long the drill ages the refused segment's wait: past WALArchiveLagging's 15 minutes. */
export const WAL_WAIT_AGED_MINUTES = 20;

export const drAlertWalArchiveLagging = drAlertDrill({
  id: 'dr-alert-wal-archive-lagging',
  alert: WAL_ARCHIVE_LAGGING,
  title: 'The WAL archive refuses writes: GravlWALArchiveLagging fires, the archive target is fixed, the backlog archives, it resolves',
  description: `The archive target's write permission removed (a bucket whose policy changed), so archive_command fails; a WAL segment is finished and waits, its wait aged to ${WAL_WAIT_AGED_MINUTES} minutes (the 15-minute threshold is not waited out). The revert restores the permission.`,
  needs: ['backend', 'database', 'alerting'],
  prepare: [
    {
      name: 'the database archives WAL (the lag metric has a series)',
      timeoutMs: 70_000,
      run: async (ctx: Ctx) => {
        const started = ctx.clock.now();
        let lag = await ctx.env.promQuery(WAL_ARCHIVE_LAGGING.input.expr, ctx.signal);
        while (lag === undefined && ctx.clock.now() - started < 60_000) {
          await ctx.clock.sleep(5_000, ctx.signal);
          lag = await ctx.env.promQuery(WAL_ARCHIVE_LAGGING.input.expr, ctx.signal);
        }
        if (lag === undefined) throw new Error('gravl_pg_wal_archive_lag_seconds has no series: the database archives no WAL (archive_mode off) or the backend cannot read pg_wal/archive_status (superuser or pg_monitor); turn on the stack\'s WAL archive (walArchive)');
        ctx.evidence('WAL archive lag before the fault, seconds', lag, 'metric');
      },
    },
  ],
  inject: (env) => [env.walArchiveRefused(WAL_WAIT_AGED_MINUTES)],
  fix: [
    {
      name: 'make the archive target writable again and let the archiver catch up',
      timeoutMs: 150_000,
      runbookRef: 'DISASTER_RECOVERY_COMPLETION.md § Monitoring & Alerting: 3. WALArchiveLagging (Warning if lag >15 min)',
      run: async (ctx: Ctx) => ctx.evidence('archive', await ctx.env.restoreWalArchive(ctx.signal), 'command'),
    },
  ],
  // the rule reads the lag's 5-minute maximum (wal:lag:max:5m): it resolves 5 minutes after the backlog archived
  verifyTimeoutMs: 480_000,
});

/** The DR alert drills, in the order the monthly drill runs them (the database down last: it restarts the backend's pool). */
export const DR_ALERT_DRILLS = [drAlertNoDailyBackup, drAlertBackupSizeDeviation, drAlertWalArchiveLagging, drAlertS3UploadSlow, drAlertRestoreTestFailed, drAlertPrimaryDatabaseDown] as const;
