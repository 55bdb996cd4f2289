// PostgreSQL across two regions (DISASTER_RECOVERY_COMPLETION.md § 4, "Multi-Region Failover Design"): the primary
// pinned to region A, a streaming replica (hot standby, physical replication slot, asynchronous) pinned to region B,
// seeded by a pg_basebackup init container. Services: `postgres-primary` and `postgres-replica` (one pod each, by
// pod name), and `postgres`, the name the backend connects to: it selects the pod that is primary now, so a failover
// repoints it (the runbook's "update DNS"). Plus the one-off psql Jobs a DBA runs during the failover (status,
// promote), pinned to the standby region: a Job scheduled onto a node of the lost region would never start.
// Each reports as its pod's termination message, `key=value` pairs readable from the API.
import type { KubeObject } from '../../kube/kube-api.ts';
import { REGION_LABEL, ZONE_LABEL } from '../../kind/kind-config.ts';
import { COMPONENT, type StackOptions } from './stack-options.ts';
import { dbAdminJob } from './db-admin.manifest.ts';

export const PRIMARY_STS = 'postgres-primary';
export const STANDBY_STS = 'postgres-replica';
/** The pods (one replica per StatefulSet). */
export const PRIMARY_POD = `${PRIMARY_STS}-0`;
export const STANDBY_POD = `${STANDBY_STS}-0`;
export const REPLICATION_USER = 'replicator';
export const REPLICATION_SLOT = 'standby_slot';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

export interface ReplicationOptions {
  /** Region of the primary (region A) and of the standby (region B). */
  readonly primaryRegion: string;
  readonly standbyRegion: string;
  /** Password of the replication role; generate per run. */
  readonly replicationPassword: string;
}

const DB_LABELS = { app: 'postgres', [COMPONENT]: 'database' };
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/** Required node affinity to one region. */
export function inRegion(region: string): Record<string, unknown> {
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: REGION_LABEL, operator: 'In', values: [region] }] }] } } };
}

/** Sourced by the image's entrypoint after initdb (it has `psql` and $PGDATA): the role, the slot, pg_hba. */
const PRIMARY_INIT = [
  '"${psql[@]}" --dbname postgres --set pw="$REPLICATION_PASSWORD" <<\'SQL\' >/dev/null',
  `CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD :'pw';`,
  `SELECT pg_create_physical_replication_slot('${REPLICATION_SLOT}');`,
  'SQL',
  // "host all ..." does not match replication connections: they need their own line
  `printf 'host replication ${REPLICATION_USER} all scram-sha-256\\n' >> "$PGDATA/pg_hba.conf"`,
  '',
].join('\n');

/** Init container of a standby (root, then as postgres): seed from `from` once; a restart keeps its data. */
const standbySeed = (from: string, slot: string, createSlot: boolean) => [
  'set -eu',
  'if [ -s "$PGDATA/PG_VERSION" ]; then echo "data directory present: not re-seeding"; exit 0; fi',
  `until pg_isready -h ${from} -p 5432 -q; do echo "waiting for ${from}"; sleep 1; done`,
  'mkdir -p "$PGDATA" && chown postgres:postgres /var/lib/postgresql/data "$PGDATA" && chmod 700 "$PGDATA"',
  // -R writes standby.signal and primary_conninfo (with the password given here) into postgresql.auto.conf
  `setpriv --reuid=postgres --regid=postgres --init-groups pg_basebackup -d "host=${from} port=5432 user=${REPLICATION_USER} password=$REPLICATION_PASSWORD application_name=$STANDBY_NAME" -D "$PGDATA" -X stream -S ${slot}${createSlot ? ' -C' : ''} -R`,
  `echo "seeded from ${from}"`,
].join('\n');

/** How a standby is seeded: from which Service, through which slot (created on the source when `createSlot`). */
export interface SeedFrom {
  readonly host: string;
  readonly slot: string;
  readonly createSlot: boolean;
}

function postgresStatefulSet(o: StackOptions, name: string, region: string, role: 'primary' | 'standby', seedFrom: SeedFrom = { host: PRIMARY_STS, slot: REPLICATION_SLOT, createSlot: false }): KubeObject {
  const labels = { ...DB_LABELS, 'drillbook.io/db-instance': name };
  const container = {
    name: 'postgres',
    image: o.images.postgres,
    imagePullPolicy: 'IfNotPresent',
    // cluster_name tells which instance answers a query (the verification asks the `postgres` Service)
    args: ['postgres', '-c', `cluster_name=${region}`, '-c', 'wal_level=replica', '-c', 'max_wal_senders=5', '-c', 'max_replication_slots=5', '-c', 'hot_standby=on'],
    ports: [{ name: 'postgres', containerPort: 5432 }],
    env: [
      secretEnv('POSTGRES_USER', 'postgres-secret', 'POSTGRES_USER'),
      secretEnv('POSTGRES_PASSWORD', 'postgres-secret', 'POSTGRES_PASSWORD'),
      secretEnv('POSTGRES_DB', 'postgres-secret', 'POSTGRES_DB'),
      { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
      secretEnv('REPLICATION_PASSWORD', 'postgres-replication', 'REPLICATION_PASSWORD'),
    ],
    readinessProbe: { exec: { command: ['pg_isready', '-h', '127.0.0.1', '-p', '5432', '-q'] }, periodSeconds: 2, failureThreshold: 3 },
    livenessProbe: { exec: { command: ['pg_isready', '-h', '127.0.0.1', '-p', '5432', '-q'] }, initialDelaySeconds: 30, periodSeconds: 10 },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    volumeMounts: [
      { name: 'data', mountPath: '/var/lib/postgresql/data' },
      ...(role === 'primary' ? [{ name: 'init', mountPath: '/docker-entrypoint-initdb.d', readOnly: true }] : []),
    ],
  };
  const seed = {
    name: 'seed-from-primary',
    image: o.images.postgres,
    imagePullPolicy: 'IfNotPresent',
    command: ['/bin/sh', '-c', standbySeed(seedFrom.host, seedFrom.slot, seedFrom.createSlot)],
    env: [
      { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
      { name: 'STANDBY_NAME', value: region },
      secretEnv('REPLICATION_PASSWORD', 'postgres-replication', 'REPLICATION_PASSWORD'),
    ],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: o.namespaces.app, labels },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 10,
          affinity: inRegion(region),
          ...(role === 'standby' ? { initContainers: [seed] } : {}),
          containers: [container],
          ...(role === 'primary' ? { volumes: [{ name: 'init', configMap: { name: 'postgres-replication-init' } }] } : {}),
        },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data', labels: DB_LABELS }, spec: { storageClassName: o.storageClass, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    },
  };
}

function podService(o: StackOptions, name: string, pod: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.namespaces.app, labels: DB_LABELS },
    spec: { selector: { [POD_NAME_LABEL]: pod }, ports: [{ name: 'postgres', port: 5432, targetPort: 5432 }] },
  };
}

/** The `postgres` Service the backend uses, pointing at `pod` (the runbook's DNS record). */
export function databaseService(o: StackOptions, pod: string): KubeObject {
  return podService(o, 'postgres', pod);
}

/** Secret, init script and the NetworkPolicy that lets the standby stream from the primary. */
export function replicationFoundation(o: StackOptions, r: ReplicationOptions): KubeObject[] {
  const ns = o.namespaces.app;
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'postgres-replication', namespace: ns }, type: 'Opaque', data: { REPLICATION_USER: b64(REPLICATION_USER), REPLICATION_PASSWORD: b64(r.replicationPassword) } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'postgres-replication-init', namespace: ns }, data: { 'replication.sh': PRIMARY_INIT } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'database-replication-ingress', namespace: ns },
      spec: { podSelector: { matchLabels: { [COMPONENT]: 'database' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { [COMPONENT]: 'database' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }] },
    },
  ];
}

export function replicatedPrimary(o: StackOptions, r: ReplicationOptions): KubeObject[] {
  return [podService(o, PRIMARY_STS, PRIMARY_POD), databaseService(o, PRIMARY_POD), postgresStatefulSet(o, PRIMARY_STS, r.primaryRegion, 'primary')];
}

export function replicatedStandby(o: StackOptions, r: ReplicationOptions): KubeObject[] {
  return [podService(o, STANDBY_STS, STANDBY_POD), postgresStatefulSet(o, STANDBY_STS, r.standbyRegion, 'standby')];
}

/**
 * The failback's re-seed: the StatefulSet `name` (in `region`) re-created as a standby of the instance behind
 * `seedFrom.host` (its old data directory must be gone first: a diverged former primary cannot stream).
 */
export function reseededStandby(o: StackOptions, name: string, region: string, seedFrom: SeedFrom): KubeObject {
  return postgresStatefulSet(o, name, region, 'standby', seedFrom);
}

/** The backend pinned to one region, its replicas spread over that region's zones. */
export function pinToRegion(deployment: KubeObject, region: string): KubeObject {
  const spec = deployment.spec as { selector: { matchLabels: Record<string, string> }; template: { spec: Record<string, unknown> } };
  return {
    ...deployment,
    spec: {
      ...spec,
      template: {
        ...spec.template,
        spec: {
          ...spec.template.spec,
          affinity: inRegion(region),
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: spec.selector.matchLabels } }],
        },
      },
    },
  };
}

// ------------------------------------------------------------------------------------------ one-off psql Jobs

/** What the status Job reports about one instance. */
export interface InstanceStatus {
  /** cluster_name: the region the instance runs in. */
  readonly instance: string;
  readonly inRecovery: boolean;
  /** The WAL receiver's status on a standby ('streaming'), 'none' on a primary. */
  readonly walReceiver: string;
  /** Bytes received but not replayed yet (0 on a primary). */
  readonly replayLagBytes: number;
  /** Standbys streaming from this instance (on a primary). */
  readonly streamingStandbys: number;
  readonly workoutLogs: number;
  /** default_transaction_read_only is on (the switchover's fence). */
  readonly readOnly: boolean;
}

const STATUS_SQL = [
  "select 'instance=' || current_setting('cluster_name')",
  "select 'recovery=' || pg_is_in_recovery()",
  "select 'wal_receiver=' || coalesce((select status from pg_stat_wal_receiver limit 1), 'none')",
  "select 'lag_bytes=' || coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::bigint",
  "select 'standbys=' || count(*) from pg_stat_replication where state = 'streaming'",
  "select 'workout_logs=' || count(*) from workout_logs",
  "select 'read_only=' || current_setting('default_transaction_read_only')",
].join(' union all ');

const STATUS = `psql -v ON_ERROR_STOP=1 -tA -c "${STATUS_SQL}" >> /tmp/report\ntr "\\n" " " < /tmp/report | tee /dev/termination-log`;

function kv(message: string): Record<string, string> {
  return Object.fromEntries(
    message
      .trim()
      .split(/\s+/)
      .filter((s) => s.includes('='))
      .map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)]),
  );
}

export function parseInstanceStatus(message: string): InstanceStatus {
  const f = kv(message);
  const n = (k: string) => Number(f[k]);
  if (!f.instance || !['true', 'false'].includes(f.recovery ?? '') || ![n('lag_bytes'), n('standbys'), n('workout_logs')].every(Number.isFinite)) {
    throw new Error(`unexpected instance status: "${message.trim()}"`);
  }
  return { instance: f.instance, inRecovery: f.recovery === 'true', walReceiver: f.wal_receiver ?? 'none', replayLagBytes: n('lag_bytes'), streamingStandbys: n('standbys'), workoutLogs: n('workout_logs'), readOnly: f.read_only === 'on' };
}

/** Did pg_promote() say it promoted? (`promoted=true ...`) */
export function parsePromoted(message: string): boolean {
  return kv(message).promoted === 'true';
}

function psqlJob(o: StackOptions, name: string, labels: Record<string, string>, host: string, region: string, script: string): KubeObject {
  return dbAdminJob(o, name, labels, [': > /tmp/report', script].join('\n'), {
    host,
    affinity: inRegion(region),
    deadlineSeconds: 120,
    extraEnv: [{ name: 'PGCONNECT_TIMEOUT', value: '5' }],
    resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '1', memory: '128Mi' } },
  });
}

/** Status of the instance behind `host` (a Service name), from a Job in `region`. */
export function instanceStatusJob(o: StackOptions, name: string, labels: Record<string, string>, host: string, region: string): KubeObject {
  return psqlJob(o, name, labels, host, region, STATUS);
}

/** Fences an instance: new transactions are read-only (ALTER SYSTEM + reload), then its status and current WAL position. */
export function fenceWritesJob(o: StackOptions, name: string, labels: Record<string, string>, host: string, region: string): KubeObject {
  const sql = "alter system set default_transaction_read_only = on";
  return psqlJob(o, name, labels, host, region, `psql -v ON_ERROR_STOP=1 -tA -c "${sql}" >/dev/null\npsql -v ON_ERROR_STOP=1 -tA -c "select pg_reload_conf()" >/dev/null\nsleep 1\npsql -v ON_ERROR_STOP=1 -tA -c "select 'lsn=' || pg_current_wal_lsn()" >> /tmp/report\n${STATUS}`);
}

/** Lifts the fence of fenceWritesJob (on the instance that becomes primary again). */
export function unfenceJob(o: StackOptions, name: string, labels: Record<string, string>, host: string, region: string): KubeObject {
  return psqlJob(o, name, labels, host, region, `psql -v ON_ERROR_STOP=1 -tA -c "alter system reset default_transaction_read_only" >/dev/null\npsql -v ON_ERROR_STOP=1 -tA -c "select pg_reload_conf()" >/dev/null\n${STATUS}`);
}

/** The instance's current WAL position (`lsn=`). */
export function walPositionJob(o: StackOptions, name: string, labels: Record<string, string>, host: string, region: string): KubeObject {
  return psqlJob(o, name, labels, host, region, `psql -v ON_ERROR_STOP=1 -tA -c "select 'lsn=' || pg_current_wal_lsn()" >> /tmp/report\n${STATUS}`);
}

/** A standby's replay position (`replay_lsn=`), and whether it has reached `lsn` (`caught_up=`). */
export function replayedJob(o: StackOptions, name: string, labels: Record<string, string>, host: string, region: string, lsn: string): KubeObject {
  if (!/^[0-9A-F]+\/[0-9A-F]+$/i.test(lsn)) throw new Error(`not an LSN: '${lsn}'`);
  return psqlJob(o, name, labels, host, region, `psql -v ON_ERROR_STOP=1 -tA -c "select 'replay_lsn=' || pg_last_wal_replay_lsn() union all select 'caught_up=' || (pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn)" >> /tmp/report\n${STATUS}`);
}

/** pg_dump of the instance behind `host` (custom format) into the Job's scratch space; reports its size. */
export function dumpJob(o: StackOptions, name: string, labels: Record<string, string>, host: string, region: string): KubeObject {
  return psqlJob(o, name, labels, host, region, `pg_dump -Fc -f /tmp/backup.dump\nprintf 'dump_bytes=%s ' "$(stat -c %s /tmp/backup.dump)" >> /tmp/report\n${STATUS}`);
}

/** A value of a Job report (`key=value`). */
export function reportValue(message: string, key: string): string | undefined {
  return kv(message)[key];
}

/** `SELECT pg_promote()` on the instance behind `host` (waits up to 60 s for the promotion), then its status. */
export function promoteJob(o: StackOptions, name: string, labels: Record<string, string>, host: string, region: string): KubeObject {
  return psqlJob(o, name, labels, host, region, `psql -v ON_ERROR_STOP=1 -tA -c "select 'promoted=' || pg_promote(true, 60)" >> /tmp/report\n${STATUS}`);
}
