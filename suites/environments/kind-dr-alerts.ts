// The DR alert drills' operations on a cluster running the Gravl stack with Prometheus (scenarios/catalog/
// gravl-dr-alerts.env.ts): Prometheus's and AlertManager's APIs through the API server's service proxy (nothing
// published on the host), the conditions as kube faults (statefulset-scale, job-with-undo: psql Jobs whose undo
// Job is in the ledger first), and the runbook's operations (start the primary, the restore test, recorded).
import { statefulSetReady } from '../../clusters/kube/conditions.ts';
import type { KubeObject, ServiceRef } from '../../clusters/kube/kube-api.ts';
import { AlertManagerProxy } from '../../clusters/stack/alertmanager.proxy.ts';
import { durationSeconds } from '../../clusters/stack/alert-rules.ts';
import { ALERTMANAGER, alertmanagerConfigWithWebhook, hasEndpoint } from '../../clusters/stack/manifests/alert-webhook.manifest.ts';
import { WAL_ARCHIVE_DIR } from '../../clusters/stack/manifests/app.manifest.ts';
import { restoreTestJob } from '../../clusters/stack/manifests/backup-test.manifest.ts';
import { dbAdminJob } from '../../clusters/stack/manifests/db-admin.manifest.ts';
import { CAPPED_HOLDS_ANNOTATION } from '../../clusters/stack/manifests/observability.manifest.ts';
import { withLabels } from '../../clusters/kube/kube-client.ts';
import type { ActiveAlert, GravlDrAlertsOps, HoldCap, LoadedAlertRule, RuleState } from '../../scenarios/catalog/gravl-dr-alerts.env.ts';
import type { GravlAlertingEnv } from '../../scenarios/catalog/gravl-alerting.env.ts';
import type { FaultSpec } from '../../scenarios/ports.ts';
import { ALERTING_FIELD_MANAGER } from './kind-alerting.ts';
import { jobRunner, suffix, type KubeDrillDeps } from './kind-drill-deps.ts';
import { serviceJson } from './kind-signoff.ts';

/** The database StatefulSet of the stack (clusters/stack/manifests/app.manifest.ts). */
const DATABASE = 'postgres';

/** A psql Job whose script ends with its report as the termination message. */
function psqlJob(d: KubeDrillDeps, name: string, sql: string): KubeObject {
  const script = [`psql -v ON_ERROR_STOP=1 -qtA <<'SQL' > /tmp/out`, sql, 'SQL', 'tr "\\n" " " < /tmp/out | tee /dev/termination-log', 'printf " done" >> /dev/termination-log'].join('\n');
  return dbAdminJob(d.stack, name, { ...d.runLabels }, script, { deadlineSeconds: 110 });
}

/** The finished WAL segments waiting for the archive (their .ready status files), as SQL. */
const WAITING_SEGMENTS = "pg_ls_archive_statusdir() WHERE name LIKE '%.ready'";
/**
 * A shell command the database server runs (COPY ... TO PROGRAM, as the superuser the stack connects with; its
 * working directory is the data directory): the drills reach the archive target and pg_wal as the server sees them.
 */
const onServer = (command: string) => `COPY (SELECT 1) TO PROGRAM '${command.replaceAll("'", "''")}';`;
/**
 * PL/pgSQL lines that poll `condition` every 0.5 s for up to `seconds` and raise `failure` if it never held
 * (a named dollar quote: the kubelet turns $$ in a container's command into $).
 */
const sqlWaitUntil = (condition: string, seconds: number, failure: string): string[] => [
  'DO $wait$ BEGIN',
  `  FOR i IN 1..${seconds * 2} LOOP`,
  `    EXIT WHEN ${condition};`,
  '    PERFORM pg_sleep(0.5);',
  '  END LOOP;',
  `  IF NOT (${condition}) THEN RAISE EXCEPTION '${failure.replaceAll("'", "''")}'; END IF;`,
  'END $wait$;',
];
/** The archive target's write bit for its owner (the server's user): cleared, the archiver's cp fails; set, it archives. */
const archiveWritable = (writable: boolean) => onServer(`chmod u${writable ? '+' : '-'}w ${WAL_ARCHIVE_DIR}`);

/** The Prometheus rule groups (GET /api/v1/rules?type=alert) as far as the drills read them. */
interface RulesResponse {
  data?: { groups?: { rules?: { name?: string; state?: string; duration?: number; query?: string }[] }[] };
}

export function kindDrAlertsEnv(d: KubeDrillDeps, alerting: GravlAlertingEnv): GravlDrAlertsOps {
  const { client, stack } = d;
  const ns = stack.namespaces.app;
  const monitoring = stack.namespaces.monitoring;
  const prometheus: ServiceRef = { namespace: monitoring, name: 'prometheus', port: 9090 };
  const promGet = serviceJson(client.api, prometheus);
  const am = new AlertManagerProxy(client.api, monitoring);
  const runJob = jobRunner(d);

  return {
    cappedHolds: async (signal) => {
      const cm = await client.api.read({ apiVersion: 'v1', kind: 'ConfigMap', namespace: monitoring, name: 'prometheus-config' }, { signal });
      if (!cm) throw new Error(`ConfigMap ${monitoring}/prometheus-config is missing: is Prometheus deployed (the stack's prometheus image)?`);
      const raw = cm.metadata.annotations?.[CAPPED_HOLDS_ANNOTATION];
      return raw ? (JSON.parse(raw) as HoldCap[]) : [];
    },
    alertRule: async (alert, signal) => {
      const body = (await promGet('/api/v1/rules?type=alert', signal)) as RulesResponse;
      const rule = (body.data?.groups ?? []).flatMap((g) => g.rules ?? []).find((r) => r.name === alert);
      if (!rule) return undefined;
      const state = (['inactive', 'pending', 'firing'] as const).find((s) => s === rule.state) ?? 'inactive';
      return { state: state as RuleState, holdSeconds: Number(rule.duration ?? 0), query: String(rule.query ?? '') } satisfies LoadedAlertRule;
    },
    promQuery: async (expr, signal) => {
      const body = (await promGet(`/api/v1/query?query=${encodeURIComponent(expr)}`, signal)) as { data?: { result?: { value?: [number, string] }[] } };
      const value = body.data?.result?.[0]?.value?.[1];
      return value === undefined ? undefined : Number(value);
    },
    activeAlertsNamed: async (alertname, signal) =>
      (await am.alerts(signal))
        .filter((a) => a.status?.state === 'active' && a.labels.alertname === alertname)
        .map((a) => {
          const full = a as typeof a & { startsAt?: string; receivers?: { name?: string }[] };
          return { labels: a.labels, startsAt: String(full.startsAt ?? ''), receivers: (full.receivers ?? []).map((r) => String(r.name ?? '')) } satisfies ActiveAlert;
        }),
    routeWithGroupInterval: async (groupInterval, signal) => {
      const deployed = await alerting.deployAlertWebhook(signal);
      const config = alertmanagerConfigWithWebhook(stack, d.runLabels, { groupInterval });
      await client.api.apply(withLabels(config, d.runLabels), ALERTING_FIELD_MANAGER, { signal });
      const wanted = durationSeconds(groupInterval);
      const { reloads } = await am.reloadUntil(`AlertManager routes to the webhook, group_interval ${groupInterval}`, hasEndpoint, 150_000, signal);
      // the route's timers are not in the receiver view: read them from the running config
      const running = await am.runningOriginal(signal);
      const interval = /group_interval:\s*(\S+)/.exec(running)?.[1];
      if (interval === undefined || durationSeconds(interval) !== wanted) throw new Error(`AlertManager runs group_interval ${interval ?? '(default 5m)'}, not ${groupInterval}, after ${reloads} reload(s)`);
      return `${deployed}; ${ALERTMANAGER.configMap}: route -> webhook, group_wait 10s, group_interval ${groupInterval}; running after ${reloads} reload(s)`;
    },

    primaryDatabaseDown: (): FaultSpec => ({ kind: 'statefulset-scale', namespace: ns, statefulset: DATABASE, replicas: 0 }),
    recentBackupsWithheld: (): FaultSpec => {
      const name = `dr-backups-held-${suffix()}`;
      const table = `drillbook_${name.replaceAll('-', '_')}`;
      return {
        kind: 'job-with-undo',
        namespace: ns,
        job: psqlJob(
          d,
          name,
          [
            'BEGIN;',
            `CREATE TABLE ${table} AS SELECT * FROM backup_runs WHERE kind = 'full' AND ok AND finished_at > now() - interval '24 hours';`,
            `DELETE FROM backup_runs WHERE id IN (SELECT id FROM ${table});`,
            'COMMIT;',
            `SELECT 'held ' || count(*) || ' backup run(s) of the last 24 h' FROM ${table};`,
          ].join('\n'),
        ),
        revertJob: psqlJob(
          d,
          `${name}-undo`,
          // idempotent: gc may create it after the revert already ran
          [
            // a named dollar quote: the kubelet turns $$ in a container's command into $
            'DO $undo$ BEGIN',
            `  IF to_regclass('${table}') IS NOT NULL THEN`,
            `    INSERT INTO backup_runs SELECT * FROM ${table} ON CONFLICT (id) DO NOTHING;`,
            `    DROP TABLE ${table};`,
            '  END IF;',
            'END $undo$;',
            "SELECT 'backup runs put back';",
          ].join('\n'),
        ),
      };
    },
    backupRunRecorded: ({ sizeFactor, uploadSeconds }): FaultSpec => {
      const name = `dr-backup-run-${suffix()}`;
      const location = `drillbook-fault:${name}`;
      const upload = uploadSeconds === undefined ? 'upload_seconds' : String(Number(uploadSeconds));
      return {
        kind: 'job-with-undo',
        namespace: ns,
        job: psqlJob(
          d,
          name,
          [
            // a run as the backup job records it, from the newest one: a tenth of its size (a truncated dump), or its upload slow
            `INSERT INTO backup_runs (kind, location, ok, size_bytes, upload_seconds)`,
            `  SELECT 'full', '${location}', true, round(size_bytes * ${Number(sizeFactor)}), ${upload}`,
            "  FROM backup_runs WHERE kind = 'full' AND ok AND size_bytes IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1",
            '  RETURNING \'recorded size \' || size_bytes || \' B, upload \' || coalesce(upload_seconds::text, \'?\') || \' s\';',
          ].join('\n'),
        ),
        revertJob: psqlJob(d, `${name}-undo`, `DELETE FROM backup_runs WHERE location = '${location}';\nSELECT 'deleted the recorded run';`),
      };
    },
    restoreTestFailedOnDamagedDump: (): FaultSpec => {
      const name = `dr-restore-damaged-${suffix()}`;
      const location = `drillbook-fault:${name}`;
      return {
        kind: 'job-with-undo',
        namespace: ns,
        job: restoreTestJob(stack, name, { ...d.runLabels }, { record: { location }, damaged: true }),
        revertJob: psqlJob(d, `${name}-undo`, `DELETE FROM backup_runs WHERE kind = 'restore-test' AND location = '${location}';\nSELECT 'deleted the failed restore test run';`),
      };
    },

    walArchiveRefused: (agedMinutes): FaultSpec => {
      const name = `dr-wal-refused-${suffix()}`;
      const minutes = Math.max(1, Math.round(agedMinutes));
      return {
        kind: 'job-with-undo',
        namespace: ns,
        job: psqlJob(
          d,
          name,
          [
            "DO $check$ BEGIN IF current_setting('archive_mode') = 'off' THEN RAISE EXCEPTION 'archive_mode is off: this database archives no WAL'; END IF; END $check$;",
            // the target refuses writes (a bucket whose policy changed): the archiver's cp fails from now on
            archiveWritable(false),
            // some WAL, then the segment finished: it waits for the archive (a named dollar quote: the kubelet turns $$ into $)
            "SELECT 'finished WAL segment ' || pg_walfile_name(pg_switch_wal()) || ';' FROM (SELECT pg_logical_emit_message(false, 'drillbook', 'WAL archive drill')) AS wrote;",
            ...sqlWaitUntil(`EXISTS (SELECT 1 FROM ${WAITING_SEGMENTS})`, 30, 'no WAL segment waits for the archive 30 s after pg_switch_wal()'),
            // its wait aged: as if the archive had refused it for that long (the 15-minute threshold is not waited out)
            onServer(`for f in pg_wal/archive_status/*.ready; do [ -e "$f" ] && touch -d "${minutes} minutes ago" "$f"; done; true`),
            `SELECT 'waiting for the archive: ' || string_agg(name || ' since ' || to_char(modification, 'HH24:MI:SS'), ', ') FROM ${WAITING_SEGMENTS};`,
          ].join('\n'),
        ),
        revertJob: psqlJob(d, `${name}-undo`, `${archiveWritable(true)}\nSELECT 'the WAL archive target is writable again, the archiver woken' WHERE pg_reload_conf();`),
      };
    },

    startPrimaryDatabase: async (signal) => {
      const started = performance.now();
      await client.api.apply({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: DATABASE, namespace: ns }, spec: { replicas: 1 } }, 'drillbook-runbook-dr', { signal });
      const verdict = await client.waitFor(statefulSetReady(ns, DATABASE), { timeoutMs: 200_000, signal, hint: `kubectl -n ${ns} describe statefulset ${DATABASE}` });
      return `kubectl -n ${ns} scale statefulset ${DATABASE} --replicas=1: ${verdict.detail} after ${Math.round(performance.now() - started)} ms`;
    },
    restoreWalArchive: async (signal) => {
      const job = psqlJob(
        d,
        `dr-wal-restored-${suffix()}`,
        [
          archiveWritable(true),
          // SIGHUP wakes the archiver, which otherwise retries a failed segment only after a minute
          "SELECT 'archiver woken;' WHERE pg_reload_conf();",
          ...sqlWaitUntil(`NOT EXISTS (SELECT 1 FROM ${WAITING_SEGMENTS})`, 90, 'WAL segments still wait for the archive 90 s after it was made writable'),
          "SELECT 'archiver caught up: ' || archived_count || ' archived, last ' || coalesce(last_archived_wal, '-') || ', ' || failed_count || ' failed attempts' FROM pg_stat_archiver;",
        ].join('\n'),
      );
      const { message, ms } = await runJob(job, signal);
      return `the archive target made writable, the archiver woken (pg_reload_conf): ${message} (${ms} ms)`;
    },
    runRestoreTest: async (signal) => {
      const job = restoreTestJob(stack, `backup-restore-test-${suffix()}`, { ...d.runLabels }, { record: {} });
      const { message, ms } = await runJob(job, signal);
      return { job: job.metadata.name, report: message, ms };
    },
  };
}
