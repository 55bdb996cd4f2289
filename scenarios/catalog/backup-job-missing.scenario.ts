// BLOCKING_ISSUES_REMEDIATION.md § Issue #2 ("Backup cronjob not deployed"), drilled as the remediation writes
// it: the CronJob is missing; deploy it, run it once, and prove the backup restores — into a scratch PostgreSQL,
// never the live one — with the row counts that came back as evidence.
import { defineScenario, type Probe, type ScenarioContext } from '../define.ts';
import { backendReady } from './gravl.env.ts';
import type { GravlBackupEnv } from './gravl-kube.env.ts';

type Ctx = ScenarioContext<GravlBackupEnv>;

const cronJobDeployed: Probe<GravlBackupEnv> = {
  name: 'backup CronJob deployed',
  tolerance: { equals: true },
  measure: (ctx: Ctx) => ctx.env.backupCronJobDeployed(ctx.signal),
};

export const backupJobMissing = defineScenario<GravlBackupEnv>({
  id: 'backup-job-missing',
  title: 'The backup CronJob is not deployed; deploy it, run it once, restore its backup into a scratch instance',
  runbookRef: 'BLOCKING_ISSUES_REMEDIATION.md § Issue #2: Backup Cronjob Not Deployed',
  runbookFingerprint: 'sha256:63819b1ff89833c6',
  tags: ['backup', 'kube', 'signoff'],
  destructive: true,
  needs: ['database', 'backup'],
  // The remediation plan budgets 15 minutes for this issue; nothing serves users here, so the RTO is the time
  // until the verification (CronJob deployed, a backup restored) passes.
  objectives: { rtoSeconds: 900, detectionSeconds: 2, rtoSource: 'verify' },
  steadyState: [backendReady, cronJobDeployed],
  inject: (env) => [env.backupCronJobDeleted()],
  detect: { name: 'backup CronJob absent (watch)', timeoutMs: 30_000, watch: (ctx: Ctx) => ctx.env.watchBackupCronJobGone(ctx.signal) },
  recover: [
    {
      name: 'deploy the backup CronJob',
      timeoutMs: 30_000,
      runbookRef: 'Issue #2 Step 2: kubectl apply -f k8s/backup/postgres-backup-cronjob.yaml',
      run: async (ctx: Ctx) => ctx.evidence('apply', await ctx.env.deployBackupCronJob(ctx.signal), 'command'),
    },
    {
      name: 'run the backup job once',
      timeoutMs: 300_000,
      runbookRef: 'Issue #2 Step 4: kubectl create job --from=cronjob/postgres-backup-cronjob postgres-backup-test',
      run: async (ctx: Ctx) => {
        const backup = await ctx.env.runBackupJobOnce(ctx.signal);
        ctx.evidence('backup', backup, 'json');
        if (backup.bytes <= 0) throw new Error(`the backup job wrote an empty file ${backup.file}`);
        ctx.finding({
          severity: 'warning',
          title: 'The remediation looks for the backup file in the database pod',
          detail:
            `Step 4 runs \`ls /backups/\` in postgres-0, but the CronJob writes ${backup.file} to its own PVC (postgres-backups), ` +
            'which only the job pods mount; and an emptyDir (the note under Step 5) would vanish with the job pod. ' +
            'Check the file from a pod that mounts the backup volume, as this drill does.',
          runbookRef: 'BLOCKING_ISSUES_REMEDIATION.md § Issue #2 Step 4',
        });
      },
    },
    {
      name: 'restore the backup into a scratch instance',
      timeoutMs: 300_000,
      runbookRef: 'Issue #2 Step 5: test backup restoration (in staging)',
      run: async (ctx: Ctx) => {
        const [restored, live] = await Promise.all([ctx.env.restoreLatestBackupToScratch(ctx.signal), ctx.env.liveExerciseCount(ctx.signal)]);
        ctx.evidence('restore', restored, 'json');
        const exercises = restored.rows.exercises ?? 0;
        if (exercises !== live) throw new Error(`the restored backup has ${exercises} exercises, the live database ${live}: the backup is not a usable copy`);
        ctx.finding({
          severity: 'warning',
          title: 'The restore step pipes a .sql file into psql; the backup is a pg_dump custom-format archive',
          detail: `Step 5 runs \`psql < /backups/gravl-backup-latest.sql\`; ${restored.dump} is custom format (pg_dump -Fc) and restores with pg_restore, which this drill used.`,
          runbookRef: 'BLOCKING_ISSUES_REMEDIATION.md § Issue #2 Step 5',
        });
      },
    },
  ],
  verify: [backendReady, cronJobDeployed],
  verifyTimeoutMs: 30_000,
});
