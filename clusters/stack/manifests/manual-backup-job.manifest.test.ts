// The sign-off's backup evidence: a Job made from the backup CronJob as `kubectl create job --from=cronjob/...`
// makes it (the readiness backup check counts a CronJob's Jobs by ownerReference), and the migrations read back.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupCronJob } from './app.manifest.ts';
import { manualJobFromCronJob } from './backup-test.manifest.ts';
import { parseSchemaMigrations, schemaMigrationsJob } from './db-admin.manifest.ts';
import { stackOptions } from './stack-options.ts';

const o = stackOptions({ images: { postgres: 'drillbook/postgres:15-x', backend: 'drillbook/gravl-backend:v2-x' }, db: { user: 'u', password: 'p', name: 'gravl' }, jwtSecret: 'j' });
const deployedCron = () => {
  const cron = backupCronJob(o).find((x) => x.kind === 'CronJob')!;
  return { ...cron, metadata: { ...cron.metadata, uid: '6f1c-uid' } };
};

describe('manualJobFromCronJob', () => {
  it("is the CronJob's jobTemplate, owned by the CronJob, named <cron>-manual-<suffix>, with the run's labels", () => {
    const cron = deployedCron();
    const job = manualJobFromCronJob(cron, 'a1b2c3', { 'app.kubernetes.io/managed-by': 'drillbook', 'drillbook.io/run-id': 'r1' }) as unknown as {
      metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string>; ownerReferences: unknown[] };
      spec: unknown;
    };
    expect(job.metadata.name).toBe(`${cron.metadata.name}-manual-a1b2c3`);
    expect(job.metadata.namespace).toBe(o.namespaces.app);
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: cron.metadata.name, uid: '6f1c-uid', controller: true }]);
    expect(job.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'drillbook', 'drillbook.io/run-id': 'r1' });
    expect(job.spec).toEqual(((cron as { spec?: unknown }).spec as { jobTemplate: { spec: unknown } }).jobTemplate.spec);
  });

  it('refuses a CronJob read from its manifest (no uid: the ownerReference would be invalid) and a bad suffix', () => {
    const cron = backupCronJob(o).find((x) => x.kind === 'CronJob')!;
    expect(() => manualJobFromCronJob(cron, 'a1', {})).toThrow(/has no metadata.uid: read it from the API server/);
    expect(() => manualJobFromCronJob(deployedCron(), 'Not_A_Label', {})).toThrow(/must be a DNS label/);
  });
});

describe('schema_migrations report', () => {
  it('parses the applied names in order, and refuses what it does not understand', () => {
    expect(parseSchemaMigrations('applied=001_init,002_add_rpe')).toEqual(['001_init', '002_add_rpe']);
    expect(parseSchemaMigrations('applied=')).toEqual([]);
    expect(() => parseSchemaMigrations('psql: error: relation "schema_migrations" does not exist')).toThrow(/unexpected schema_migrations report/);
  });

  it('runs as db-admin with the credentials from the Secret', () => {
    const job = schemaMigrationsJob(o, 'db-migrations-1', { 'drillbook.io/run-id': 'r1' });
    expect(job.metadata.labels).toMatchObject({ component: 'db-admin', 'drillbook.io/run-id': 'r1' });
    expect(JSON.stringify(job)).toMatch(/string_agg\(name, ',' order by version\)/);
  });
});

describe('the backup CronJob script', () => {
  // Run by /bin/sh with pg_dump and psql stubbed: pg_dump writes 10 bytes, psql logs its SQL and fails on demand.
  const runScript = (fail: { withColumns?: boolean; withoutColumns?: boolean }) => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-script-'));
    try {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      mkdirSync(join(dir, 'backups'));
      writeFileSync(join(bin, 'pg_dump'), '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -f ] && { shift; printf 0123456789 > "$1"; }; shift; done\n');
      writeFileSync(
        join(bin, 'psql'),
        `#!/bin/sh\nprintf '%s\\n' "$*" >> ${dir}/sql\ncase "$*" in *size_bytes*) [ -z "$FAIL_NEW" ];; *) [ -z "$FAIL_OLD" ];; esac\n`,
      );
      for (const f of ['pg_dump', 'psql']) chmodSync(join(bin, f), 0o755);
      const cron = backupCronJob(o).find((x) => x.kind === 'CronJob') as unknown as { spec: { jobTemplate: { spec: { template: { spec: { containers: { command: string[] }[] } } } } } };
      const script = cron.spec.jobTemplate.spec.template.spec.containers[0]!.command.at(-1)!.replaceAll('/backups', join(dir, 'backups')).replace('/dev/termination-log', join(dir, 'termination-log'));
      const stdout = execFileSync('sh', ['-c', script], {
        env: { PATH: `${bin}:${process.env.PATH}`, PGUSER: 'u', PGDATABASE: 'gravl', FAIL_NEW: fail.withColumns ? '1' : '', FAIL_OLD: fail.withoutColumns ? '1' : '' },
        encoding: 'utf8',
      });
      return { stdout, sql: readFileSync(join(dir, 'sql'), 'utf8').trim().split('\n'), message: readFileSync(join(dir, 'termination-log'), 'utf8'), dir };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it("records the dump's size and the seconds from pg_dump to the dump in place with the run", () => {
    const { sql, message, dir } = runScript({});
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatch(
      /INSERT INTO backup_runs \(kind, location, ok, size_bytes, upload_seconds\) VALUES \('full', '\S+\/backups\/gravl-\d{8}T\d{6}Z\.dump', true, 10, (\d+\.\d{9}) - (\d+\.\d{9})\)$/,
    );
    const [, t1, t0] = /, (\S+) - (\S+)\)$/.exec(sql[0]!)!;
    expect(Number(t1) - Number(t0)).toBeGreaterThanOrEqual(0);
    // the termination message is unchanged: "FILE SIZE", which kind-backup.ts splits on the space
    expect(message).toMatch(new RegExp(`^${dir}/backups/gravl-\\d{8}T\\d{6}Z\\.dump 10$`));
  });

  it('falls back to the row without the columns on an older backup_runs, and keeps the dump when neither insert works', () => {
    const older = runScript({ withColumns: true });
    expect(older.sql).toHaveLength(2);
    expect(older.sql[1]).toMatch(/INSERT INTO backup_runs \(kind, location, ok\) VALUES \('full', '\S+\.dump', true\)$/);
    expect(older.stdout).not.toContain('backup not recorded');
    const none = runScript({ withColumns: true, withoutColumns: true });
    expect(none.sql).toHaveLength(2);
    expect(none.stdout).toContain('backup not recorded in backup_runs');
    expect(none.message).toMatch(/\.dump 10$/);
  });
});
