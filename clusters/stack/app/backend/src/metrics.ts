// Prometheus metrics: request counts, latency histogram, error counts, build info, backup freshness, and the
// database facts the DR alerts of DISASTER_RECOVERY_COMPLETION.md evaluate (clusters/images/prometheus/gravl.rules.yml):
// restore-test result, the last full backup's size and upload duration, writable primary, WAL archive lag,
// replication lag. Each is read at scrape time.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
  errors: Counter<'route' | 'kind'>;
  logsWritten: Counter;
}

/** What the backend reads from its database for the DR alerts. Each may throw: the gauge then says "unknown". */
export interface DatabaseFacts {
  /** The newest restore-test row of backup_runs: ok or not; undefined when no restore test recorded a run. */
  restoreTestOk(): Promise<boolean | undefined>;
  /**
   * The newest ok full backup of backup_runs: its dump's bytes and the seconds the job took to write it to the
   * backup volume (the runbook's S3 upload). Undefined when there is none; a field is undefined when not recorded.
   */
  lastFullBackup(): Promise<{ sizeBytes?: number; uploadSeconds?: number } | undefined>;
  /** The database answers as a writable primary (not in recovery). */
  primaryUp(): Promise<boolean>;
  /** Seconds the oldest finished WAL segment has waited for the archive (0 when none waits); undefined when archiving is off. */
  walArchiveLagSeconds(): Promise<number | undefined>;
  /** Bytes of WAL each connected standby has not replayed yet (empty on a standby or without replicas). */
  replicationLagBytes(): Promise<readonly { readonly standby: string; readonly bytes: number }[]>;
}

/**
 * How long a scrape waits for one database fact. A scrape must answer within Prometheus's scrape timeout (10 s, or
 * the interval when shorter: 5 s on a drill cluster), and a database that went away can take the pool's whole
 * connect timeout to fail (the NetworkPolicy drops the SYN to a Service without endpoints): past this, the fact is
 * unknown (absent), and "a writable primary answers" is false.
 */
export const FACT_TIMEOUT_MS = 2_000;

/** `promise`, or a rejection after `ms` (the promise itself is left to settle on its own). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createMetrics(version: string, lastBackup: () => Promise<number | undefined>, database?: DatabaseFacts, options: { factTimeoutMs?: number } = {}): Metrics {
  const factTimeoutMs = options.factTimeoutMs ?? FACT_TIMEOUT_MS;
  const bounded = <T>(read: () => Promise<T>): Promise<T> => within(Promise.resolve().then(read), factTimeoutMs);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'gravl_build_info', help: 'Build of the running backend (always 1).', labelNames: ['version'], registers: [registry] }).set({ version }, 1);
  new Gauge({
    name: 'gravl_backup_last_success_timestamp_seconds',
    help: 'Unix time of the newest successful full backup in backup_runs (written by the backup job); 0 if there is none; absent when the DB cannot be read.',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      // unknown (the DB down) is an absent series: a 0 would read as "no backup ever" and page NoDailyBackup
      // for as long as the database is down, on top of PrimaryDatabaseDown
      this.reset();
      const ts = await bounded(lastBackup).then(
        (t) => t ?? 0,
        () => undefined,
      );
      if (ts !== undefined) this.set({ source: 'backup_runs' }, ts);
    },
  });
  if (database) registerDatabaseFacts(registry, database, bounded);
  return {
    registry,
    requests: new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route and status.', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency in seconds.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    errors: new Counter({ name: 'http_request_errors_total', help: 'Requests answered 5xx, by route and kind (db, injected, internal).', labelNames: ['route', 'kind'], registers: [registry] }),
    logsWritten: new Counter({ name: 'gravl_workout_logs_written_total', help: 'Workout logs committed.', registers: [registry] }),
  };
}

// Labelled gauges (source/standby) so that "unknown" is an absent series, never a 0 an alert would read as a fact.
function registerDatabaseFacts(registry: Registry, db: DatabaseFacts, bounded: <T>(read: () => Promise<T>) => Promise<T>): void {
  // the size and upload gauges read the same row: one query per scrape, shared while it is in flight
  let lastFullInFlight: Promise<Awaited<ReturnType<DatabaseFacts['lastFullBackup']>>> | undefined;
  const lastFull = () => {
    lastFullInFlight ??= bounded(() => db.lastFullBackup())
      .catch(() => undefined)
      .finally(() => {
        lastFullInFlight = undefined;
      });
    return lastFullInFlight;
  };
  new Gauge({
    name: 'gravl_backup_restore_test_last_ok',
    help: 'The newest restore-test row of backup_runs: 1 ok, 0 failed; absent when none or the DB is down.',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      this.reset();
      const ok = await bounded(() => db.restoreTestOk()).catch(() => undefined);
      if (ok !== undefined) this.set({ source: 'backup_runs' }, ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gravl_backup_last_size_bytes',
    help: 'Bytes of the newest ok full backup in backup_runs (written by the backup job); absent when unknown or the DB is down.',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      this.reset();
      const size = (await lastFull())?.sizeBytes;
      if (size !== undefined) this.set({ source: 'backup_runs' }, size);
    },
  });
  new Gauge({
    name: 'gravl_backup_last_upload_duration_seconds',
    help: 'Seconds the newest ok full backup in backup_runs took to write its dump to the backup volume (the stand-in for an S3 upload); absent when unknown or the DB is down.',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      this.reset();
      const seconds = (await lastFull())?.uploadSeconds;
      if (seconds !== undefined) this.set({ source: 'backup_runs' }, seconds);
    },
  });
  new Gauge({
    name: 'gravl_database_primary_up',
    help: 'The database answers as a writable primary: 1 yes, 0 down, unreachable or in recovery.',
    registers: [registry],
    async collect() {
      this.set((await bounded(() => db.primaryUp()).catch(() => false)) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gravl_pg_wal_archive_lag_seconds',
    help: 'Seconds the oldest finished WAL segment has waited for the archive (pg_wal/archive_status), 0 when none waits; absent when archive_mode is off or the DB cannot be read.',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      this.reset();
      const lag = await bounded(() => db.walArchiveLagSeconds()).catch(() => undefined);
      if (lag !== undefined) this.set({ source: 'archive_status' }, lag);
    },
  });
  new Gauge({
    name: 'gravl_pg_replication_lag_bytes',
    help: 'WAL bytes a connected standby has not replayed (pg_stat_replication on the primary), by standby.',
    labelNames: ['standby'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await bounded(() => db.replicationLagBytes()).catch(() => [])) this.set({ standby: r.standby }, r.bytes);
    },
  });
}
