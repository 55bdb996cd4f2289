import { describe, expect, it } from 'vitest';
import { apiMessage } from '../../kube/kube-api.ts';
import { databaseStatusJob, parseDatabaseReport, restoreDatabaseJob } from './db-admin.manifest.ts';
import { logFlowCheckJob, parseLogFlowReport } from './observability.manifest.ts';
import { stackOptions } from './stack-options.ts';

const o = stackOptions({ images: { postgres: 'drillbook/postgres:15-x', backend: 'drillbook/gravl-backend:v2-x' }, db: { user: 'u', password: 'p', name: 'gravl' }, jwtSecret: 'j' });

describe('DBA one-off Jobs', () => {
  it('parses the status report, and refuses one it does not understand', () => {
    expect(parseDatabaseReport('server=15.14 schema=3 exercises=6 workout_logs=412 weight_kg=0 ')).toEqual({ server: '15.14', schema: 3, rows: { exercises: 6, workout_logs: 412 }, weightKg: false });
    expect(() => parseDatabaseReport('psql: error: connection refused')).toThrow(/unexpected database report: "psql: error: connection refused"/);
  });

  it('runs as db-admin (the only component besides the app allowed to reach PostgreSQL), with the credentials from the Secret', () => {
    const job = databaseStatusJob(o, 'db-status-1', { 'drillbook.io/run-id': 'r1' }) as unknown as { metadata: { labels: Record<string, string> }; spec: { template: { spec: { containers: { env: { name: string; valueFrom?: unknown }[]; command: string[] }[] } } } };
    expect(job.metadata.labels).toMatchObject({ component: 'db-admin', 'drillbook.io/run-id': 'r1' });
    const c = job.spec.template.spec.containers[0]!;
    expect(c.env.map((e) => e.name)).toEqual(['PGHOST', 'PGUSER', 'PGPASSWORD', 'PGDATABASE']);
    expect(JSON.stringify(c.env)).not.toContain('"p"'); // the password comes from the Secret, never inline
    expect(c.command.at(-1)).toMatch(/> \/tmp\/report\ntr/); // psql's exit status is not hidden behind a pipe
  });

  it('restores only a dump on the backup volume, in one transaction', () => {
    expect(() => restoreDatabaseJob(o, 'r', {}, '/etc/passwd')).toThrow(/not a dump on the backup volume/);
    expect(() => restoreDatabaseJob(o, 'r', {}, "/backups/x.dump'; rm -rf /")).toThrow(/not a dump/);
    const script = JSON.stringify(restoreDatabaseJob(o, 'r', {}, '/backups/gravl-20261202T000346Z.dump'));
    expect(script).toContain('pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error');
    expect(script).toContain('"readOnly":true');
  });
});

describe('log-flow check', () => {
  it('reports found lines and latency, and says why when it did not find them', () => {
    expect(parseLogFlowReport('found=1 ms=5874')).toEqual({ lines: 1, ms: 5874 });
    expect(() => parseLogFlowReport('not found after 120 s: Loki answered 503')).toThrow(/log-flow check: not found after 120 s: Loki answered 503/);
    expect(() => logFlowCheckJob(o, 'lf', {}, 'a"b')).toThrow(/marker/);
    expect(logFlowCheckJob(o, 'lf', {}, 'drill-abc').metadata.labels).toMatchObject({ component: 'log-reader' });
  });

  it('an API refusal is reported in the API server\'s own words', () => {
    const refused = Object.assign(new Error('HTTP-Code: 422 ...'), { body: JSON.stringify({ kind: 'Status', message: 'StatefulSet.apps "loki" is invalid: spec: Forbidden' }) });
    expect(apiMessage(refused)).toBe('StatefulSet.apps "loki" is invalid: spec: Forbidden');
    expect(apiMessage(new Error('socket hang up'))).toBe('socket hang up');
  });
});
