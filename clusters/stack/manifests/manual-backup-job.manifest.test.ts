// The sign-off's backup evidence: a Job made from the backup CronJob as `kubectl create job --from=cronjob/...`
// makes it (the readiness backup check counts a CronJob's Jobs by ownerReference), and the migrations read back.
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
