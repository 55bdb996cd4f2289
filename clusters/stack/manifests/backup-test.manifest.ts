// The two one-off Jobs of the backup drill (BLOCKING_ISSUES_REMEDIATION.md § Issue #2, Steps 4 and 5):
// a run of the backup CronJob now (`kubectl create job --from=cronjob/...`), and a restore test that loads the
// newest dump into a throwaway PostgreSQL inside its own pod — local socket only, the live database is never
// touched — and reports what came back as its termination message (readable from the API, no log access needed).
import type { KubeObject } from '../../kube/kube-api.ts';
import { COMPONENT, type StackOptions } from './stack-options.ts';

/** What the restore test reports: `dump=<file> exercises=<n> workout_logs=<n>`. */
export interface RestoreReport {
  readonly dump: string;
  readonly rows: Readonly<Record<string, number>>;
}

const TABLES = ['exercises', 'workout_logs'] as const;

/** A Job from the CronJob's own template, as `kubectl create job --from=cronjob/NAME NAME-test` makes it. */
export function backupJobFrom(cronJob: KubeObject, name: string, labels: Record<string, string>): KubeObject {
  const template = (cronJob.spec as { jobTemplate?: { spec?: unknown } } | undefined)?.jobTemplate?.spec;
  if (!template) throw new Error(`CronJob ${cronJob.metadata.name} has no jobTemplate.spec`);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: cronJob.metadata.namespace, labels: { ...labels, [COMPONENT]: 'backup' }, annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } },
    spec: template,
  };
}

/**
 * `kubectl create job --from=cronjob/NAME NAME-manual-SUFFIX` exactly: the CronJob's jobTemplate (its labels and
 * annotations too), the annotation cronjob.kubernetes.io/instantiate=manual, and an ownerReference to the CronJob
 * (controller), so the Job counts as the CronJob's run (the readiness backup check) and goes with it when the CronJob
 * is deleted. `labels` (the run's) are added so nothing the harness creates is unlabelled.
 */
export function manualJobFromCronJob(cronJob: KubeObject, suffix: string, labels: Readonly<Record<string, string>>): KubeObject {
  const name = cronJob.metadata.name;
  const uid = cronJob.metadata.uid;
  if (!uid) throw new Error(`CronJob ${cronJob.metadata.namespace}/${name} has no metadata.uid: read it from the API server (an ownerReference needs it), not from its manifest`);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(suffix)) throw new Error(`manual Job suffix '${suffix}' must be a DNS label (lower-case letters, digits, '-')`);
  const jobName = `${name}-manual-${suffix}`;
  if (jobName.length > 63) throw new Error(`manual Job name '${jobName}' is longer than 63 characters: use a shorter suffix`);
  const template = (cronJob.spec as { jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown } } | undefined)?.jobTemplate;
  if (!template?.spec) throw new Error(`CronJob ${name} has no jobTemplate.spec`);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace: cronJob.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), ...labels },
      annotations: { ...(template.metadata?.annotations ?? {}), 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name, uid, controller: true }],
    },
    spec: template.spec,
  };
}

/** How the restore test runs: as the drill runs it (default), recording its outcome, or on a damaged copy of the dump. */
export interface RestoreTestOptions {
  /**
   * Write the outcome to the live database's backup_runs (kind 'restore-test', ok true/false): the row the backend
   * exports as gravl_backup_restore_test_last_ok, which GravlBackupRestoreTestFailed reads. `location` overrides
   * the row's location (default: the dump's file name).
   */
  readonly record?: { readonly location?: string };
  /**
   * Restore a copy of the newest dump cut to half its size (a dump truncated in transit): the restore fails, and
   * the Job still succeeds, reporting `dump=<file> restore=failed` (with `record`, the failure is in backup_runs).
   */
  readonly damaged?: boolean;
}

/** The restore test's shell script (run as root in the postgres image; PostgreSQL itself runs as postgres). */
export function restoreTestScript(dumpGlob = '/backups/*.dump', options: RestoreTestOptions = {}): string {
  const count = TABLES.map((t) => `select '${t}=' || count(*) from ${t}`).join(' union all ');
  const asPostgres = [
    'set -eu',
    'initdb -D /tmp/pgdata -U postgres --auth=trust >/dev/null',
    `pg_ctl -D /tmp/pgdata -o "-c listen_addresses='' -k /tmp" -w start >/dev/null`,
    'createdb -h /tmp -U postgres gravl',
    'pg_restore -h /tmp -U postgres -d gravl --no-owner --no-privileges --exit-on-error "$RESTORE_FROM"',
    `psql -h /tmp -U postgres -d gravl -tA -c "${count}"`,
  ].join('\n');
  const location = options.record?.location === undefined ? '$(basename "$DUMP")' : options.record.location.replaceAll("'", '');
  return [
    'set -eu',
    `DUMP="$(ls -1t ${dumpGlob} | head -n 1)"`,
    ...(options.damaged
      ? ['cp "$DUMP" /tmp/damaged.dump', 'truncate -s $(( $(stat -c %s "$DUMP") / 2 )) /tmp/damaged.dump', 'chmod 644 /tmp/damaged.dump', 'RESTORE_FROM=/tmp/damaged.dump']
      : ['RESTORE_FROM="$DUMP"']),
    'export RESTORE_FROM',
    // the inner script goes through a file: no quoting of quotes inside quotes
    `cat > /tmp/restore.sh <<'RESTORE'\n${asPostgres}\nRESTORE`,
    'chmod 755 /tmp/restore.sh',
    'if su -s /bin/sh postgres -c /tmp/restore.sh > /tmp/counts 2> /tmp/restore.err; then ok=true; else ok=false; fi',
    ...(options.record ? [`psql -v ON_ERROR_STOP=1 -qc "INSERT INTO backup_runs (kind, location, ok) VALUES ('restore-test', '${location}', $ok)"`] : []),
    'if [ "$ok" = true ]; then',
    '  printf "dump=%s %s" "$(basename "$DUMP")" "$(tr "\\n" " " < /tmp/counts)" | tee /dev/termination-log',
    ...(options.damaged
      ? ['else', '  printf "dump=%s restore=failed %s" "$(basename "$DUMP")" "$(tail -n 1 /tmp/restore.err | tr -d \'"\')" | tee /dev/termination-log']
      : ['else', '  cat /tmp/restore.err >&2', '  tail -n 3 /tmp/restore.err > /dev/termination-log', '  exit 1']),
    'fi',
  ].join('\n');
}

export function parseRestoreReport(message: string): RestoreReport {
  const fields = Object.fromEntries(message.trim().split(/\s+/).map((kv) => kv.split('=') as [string, string]));
  const { dump, ...counts } = fields;
  const rows = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]));
  if (!dump || TABLES.some((t) => !Number.isInteger(rows[t]))) throw new Error(`unexpected restore test report: "${message.trim()}"`);
  return { dump, rows };
}

export function restoreTestJob(o: StackOptions, name: string, labels: Record<string, string>, options: RestoreTestOptions = {}): KubeObject {
  // recording talks to the live database: the backup component is one the database-ingress policy lets through
  const podLabels = { ...labels, [COMPONENT]: options.record ? 'backup' : 'backup-restore' };
  const fromSecret = (key: string) => ({ secretKeyRef: { name: 'postgres-secret', key } });
  const env = options.record
    ? [{ name: 'PGHOST', value: 'postgres' }, { name: 'PGUSER', valueFrom: fromSecret('POSTGRES_USER') }, { name: 'PGPASSWORD', valueFrom: fromSecret('POSTGRES_PASSWORD') }, { name: 'PGDATABASE', valueFrom: fromSecret('POSTGRES_DB') }]
    : [];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: o.namespaces.app, labels: podLabels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 280,
      template: {
        metadata: { labels: podLabels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'restore',
              image: o.images.postgres,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', restoreTestScript('/backups/*.dump', options)],
              ...(env.length ? { env } : {}),
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              volumeMounts: [{ name: 'backups', mountPath: '/backups', readOnly: true }],
            },
          ],
          volumes: [{ name: 'backups', persistentVolumeClaim: { claimName: 'postgres-backups', readOnly: true } }],
        },
      },
    },
  };
}
