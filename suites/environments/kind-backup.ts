// BLOCKING_ISSUES_REMEDIATION.md § Issue #2 on the one-node kind environment (GravlBackupEnv): the backup CronJob
// removed as a fault, deployed from the stack's definition, run once as a Job, its backup restored into a scratch
// PostgreSQL (never the live one) and compared with what the live database holds through the backend.
import { objectAbsent } from '../../clusters/kube/conditions.ts';
import type { ObjectRef } from '../../clusters/kube/kube-api.ts';
import { backupCronJob } from '../../clusters/stack/manifests/app.manifest.ts';
import { backupJobFrom, parseRestoreReport, restoreTestJob } from '../../clusters/stack/manifests/backup-test.manifest.ts';
import type { GravlBackupEnv } from '../../scenarios/catalog/gravl-kube.env.ts';
import type { GravlEnv } from '../../scenarios/catalog/gravl.env.ts';
import { jobRunner, suffix, type KubeDrillDeps } from './kind-drill-deps.ts';

export function kindBackupEnv(d: KubeDrillDeps): Omit<GravlBackupEnv, keyof GravlEnv> {
  const { client, stack, runLabels, backendUrl } = d;
  const ns = stack.namespaces.app;
  const runJob = jobRunner(d);
  const CRON = 'postgres-backup-cronjob';
  const cronRef: ObjectRef = { apiVersion: 'batch/v1', kind: 'CronJob', namespace: ns, name: CRON };
  return {
  backupCronJobDeleted: () => ({ kind: 'object-delete', namespace: ns, objectKind: 'CronJob', name: CRON }),
  backupCronJobDeployed: async (sig) => (await client.api.read(cronRef, { signal: sig })) !== undefined,
  watchBackupCronJobGone: async (sig) => {
    const verdict = await client.waitFor(objectAbsent('batch/v1', 'CronJob', ns, CRON), { timeoutMs: 60_000, signal: sig });
    return { detail: verdict.detail, pods: 0 };
  },
  deployBackupCronJob: async (sig) => {
    const objects = backupCronJob(stack);
    await client.apply(objects, { signal: sig });
    return `kubectl apply -f postgres-backup-cronjob.yaml: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`;
  },
  runBackupJobOnce: async (sig) => {
    const cron = await client.api.read(cronRef, { signal: sig });
    if (!cron) throw new Error(`CronJob ${ns}/${CRON} is not deployed`);
    const job = backupJobFrom(cron, `postgres-backup-test-${suffix()}`, runLabels);
    const { message, ms } = await runJob(job, sig);
    const [file = '', bytes = '0'] = message.split(' ');
    return { job: job.metadata.name, file, bytes: Number(bytes), ms };
  },
  restoreLatestBackupToScratch: async (sig) => {
    const { message, ms } = await runJob(restoreTestJob(stack, `backup-restore-test-${suffix()}`, runLabels), sig);
    return { ...parseRestoreReport(message), ms };
  },
  liveExerciseCount: async (sig) => {
    const res = await fetch(`${backendUrl}/api/exercises`, { signal: AbortSignal.any([sig, AbortSignal.timeout(5_000)]) });
    if (!res.ok) throw new Error(`GET /api/exercises answered ${res.status}`);
    return ((await res.json()) as { exercises: unknown[] }).exercises.length;
  },
  };
}
