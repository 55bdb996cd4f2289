// One-off Jobs a DBA runs against the live PostgreSQL during a rollback (ROLLBACK.md § Scenario 2 and the full
// rollback): the runbook's `kubectl exec postgres-0 -- psql ...` as a Job (status: server version, schema version,
// row counts), and the restore of a pg_dump archive from the backup volume into the live database. Each reports
// as its pod's termination message, `key=value` pairs readable from the API without log access.
import type { KubeObject } from '../../kube/kube-api.ts';
import { COMPONENT, type StackOptions } from './stack-options.ts';

/** What a database report says. `weightKg`: the column v2 needs still exists. */
export interface DatabaseReport {
  readonly server: string;
  readonly schema: number;
  readonly rows: Readonly<Record<'exercises' | 'workout_logs', number>>;
  readonly weightKg: boolean;
}

const REPORT_SQL = [
  "select 'server=' || current_setting('server_version')",
  "select 'schema=' || coalesce((select max(version) from schema_migrations), 0)",
  "select 'exercises=' || count(*) from exercises",
  "select 'workout_logs=' || count(*) from workout_logs",
  "select 'weight_kg=' || count(*) from information_schema.columns where table_name = 'workout_logs' and column_name = 'weight_kg'",
].join(' union all ');

/** The report: psql's answers on one line, also the pod's termination message (no pipefail in dash: psql first). */
const REPORT = `psql -v ON_ERROR_STOP=1 -tA -c "${REPORT_SQL}" > /tmp/report\ntr "\\n" " " < /tmp/report | tee /dev/termination-log`;

export function parseDatabaseReport(message: string): DatabaseReport {
  const f = Object.fromEntries(message.trim().split(/\s+/).map((kv) => kv.split('=') as [string, string]));
  const n = (k: string) => Number(f[k]);
  if (!f.server || ![n('schema'), n('exercises'), n('workout_logs'), n('weight_kg')].every(Number.isInteger)) {
    throw new Error(`unexpected database report: "${message.trim()}"`);
  }
  return { server: f.server, schema: n('schema'), rows: { exercises: n('exercises'), workout_logs: n('workout_logs') }, weightKg: n('weight_kg') === 1 };
}

export interface DbAdminJobOptions {
  /** The server (a Service name); default the stack's `postgres`. */
  host?: string;
  /** Mount the backup volume read-only at /backups. */
  withBackups?: boolean;
  /** Where the pod may run (the region drills keep it in the surviving region). */
  affinity?: unknown;
  deadlineSeconds?: number;
  extraEnv?: readonly { name: string; value: string }[];
  resources?: { requests: Record<string, string>; limits: Record<string, string> };
}

/** A one-off psql Job against the live database; component=db-admin, the label database-ingress lets through. */
export function dbAdminJob(o: StackOptions, name: string, labels: Record<string, string>, script: string, options: DbAdminJobOptions = {}): KubeObject {
  const withBackups = options.withBackups ?? false;
  const podLabels = { ...labels, [COMPONENT]: 'db-admin' };
  const fromSecret = (key: string) => ({ secretKeyRef: { name: 'postgres-secret', key } });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: o.namespaces.app, labels: podLabels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: options.deadlineSeconds ?? 280,
      template: {
        metadata: { labels: podLabels },
        spec: {
          restartPolicy: 'Never',
          ...(options.affinity ? { affinity: options.affinity } : {}),
          containers: [
            {
              name: 'psql',
              image: o.images.postgres,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', ['set -eu', script].join('\n')],
              env: [
                { name: 'PGHOST', value: options.host ?? 'postgres' },
                ...(options.extraEnv ?? []),
                { name: 'PGUSER', valueFrom: fromSecret('POSTGRES_USER') },
                { name: 'PGPASSWORD', valueFrom: fromSecret('POSTGRES_PASSWORD') },
                { name: 'PGDATABASE', valueFrom: fromSecret('POSTGRES_DB') },
              ],
              terminationMessagePolicy: 'FallbackToLogsOnError',
              resources: options.resources ?? { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
              ...(withBackups ? { volumeMounts: [{ name: 'backups', mountPath: '/backups', readOnly: true }] } : {}),
            },
          ],
          ...(withBackups ? { volumes: [{ name: 'backups', persistentVolumeClaim: { claimName: 'postgres-backups', readOnly: true } }] } : {}),
        },
      },
    },
  };
}

/** ROLLBACK.md § Scenario 2 step 2 ("check database status"): server version, schema version, row counts. */
export function databaseStatusJob(o: StackOptions, name: string, labels: Record<string, string>): KubeObject {
  return dbAdminJob(o, name, labels, REPORT);
}

/**
 * Restores a pg_dump custom-format archive from the backup volume into the live database, in one transaction
 * (all or nothing): every object in the archive is dropped and re-created (`--clean --if-exists`), so what a
 * failed migration changed in those tables is gone. Then the same report as the status Job.
 */
export function restoreDatabaseJob(o: StackOptions, name: string, labels: Record<string, string>, dumpFile: string): KubeObject {
  if (!/^\/backups\/[A-Za-z0-9._-]+\.dump$/.test(dumpFile)) throw new Error(`restore: '${dumpFile}' is not a dump on the backup volume (/backups/<name>.dump)`);
  const restore = `pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error -d "$PGDATABASE" '${dumpFile}'`;
  return dbAdminJob(o, name, labels, `${restore}\n${REPORT}`, { withBackups: true });
}

/** The applied migrations' names in version order (schema_migrations), as `applied=001_init,002_add_rpe`. */
export function schemaMigrationsJob(o: StackOptions, name: string, labels: Record<string, string>): KubeObject {
  const sql = "select 'applied=' || coalesce(string_agg(name, ',' order by version), '') from schema_migrations";
  return dbAdminJob(o, name, labels, `psql -v ON_ERROR_STOP=1 -tA -c "${sql}" > /tmp/report\ntr -d "\\n" < /tmp/report | tee /dev/termination-log`);
}

export function parseSchemaMigrations(message: string): string[] {
  const m = /^applied=([A-Za-z0-9_,]*)$/.exec(message.trim());
  if (!m) throw new Error(`unexpected schema_migrations report: "${message.trim()}"`);
  return m[1] ? m[1].split(',') : [];
}
