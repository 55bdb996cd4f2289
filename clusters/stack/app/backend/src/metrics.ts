// Prometheus metrics: request counts, latency histogram, error counts, build info, backup freshness.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
  errors: Counter<'route' | 'kind'>;
  logsWritten: Counter;
}

export function createMetrics(version: string, lastBackup: () => Promise<number | undefined>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'gravl_build_info', help: 'Build of the running backend (always 1).', labelNames: ['version'], registers: [registry] }).set({ version }, 1);
  new Gauge({
    name: 'gravl_backup_last_success_timestamp_seconds',
    help: 'Unix time of the newest successful row in backup_runs (written by the backup job); 0 if there is none or the DB is down.',
    registers: [registry],
    async collect() {
      const ts = await lastBackup().catch(() => undefined);
      if (ts === undefined) this.set(0);
      else this.set(ts);
    },
  });
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
