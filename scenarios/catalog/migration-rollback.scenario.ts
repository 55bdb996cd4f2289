// ROLLBACK.md's database scenarios, executed on the live database under background load and the data probe:
//   Scenario 2 (database migration failure): the next release's migration Job commits part of the release and
//   fails; stop the backend, check the database, restore it from the pre-deploy backup, roll back the image,
//   re-run the previous migration, scale up, verify against the pre-deploy snapshot.
//   Full rollback ("nuclear option"): the whole release goes bad (migration, image, configuration); stop every
//   service, check the backup, restore every object from its definition, restore the database, verify everything.
// The pre-deploy backup is the release process's own step (setup), taken after the steady state holds: what a
// rollback can restore, and the point the data probe measures lost writes from.
import { defineScenario, type Probe, type RunbookStep, type ScenarioContext } from '../define.ts';
import type { Objectives } from '../define.ts';
import { backendReady, backgroundLoad, exercisesListed } from './gravl.env.ts';
import type { BackupRun, DatabaseState, GravlMigrationEnv } from './gravl-kube.env.ts';
import { allBackendPodsReady } from './kube-rollback.scenario.ts';

type Ctx = ScenarioContext<GravlMigrationEnv>;

interface PreDeploy {
  readonly backup: BackupRun;
  readonly state: DatabaseState;
}
/** What the setup step recorded, per run and scenario (the steps of one run share it). */
const preDeploy = new Map<string, PreDeploy>();
const key = (ctx: Ctx) => `${ctx.runId}/${ctx.scenarioId}`;
function recorded(ctx: Ctx): PreDeploy {
  const p = preDeploy.get(key(ctx));
  if (!p) throw new Error('no pre-deploy backup was recorded for this run: the setup step did not run');
  return p;
}

const preDeployBackup: RunbookStep<GravlMigrationEnv> = {
  name: 'pre-deploy backup',
  timeoutMs: 300_000,
  runbookRef: 'PRODUCTION_GO_LIVE.md: "Backup of production database exists"',
  run: async (ctx: Ctx) => {
    const state = await ctx.env.databaseStatus(ctx.signal);
    const backup = await ctx.env.runBackupJobOnce(ctx.signal);
    if (backup.bytes <= 0) throw new Error(`the pre-deploy backup ${backup.file} is empty`);
    preDeploy.set(key(ctx), { backup, state });
    ctx.evidence('pre-deploy backup', { ...backup, database: state }, 'json');
  },
};

/** Verification: the schema the previous release needs, its column back, and no pre-deploy row missing. */
const databaseMatchesSnapshot: Probe<GravlMigrationEnv> = {
  name: 'database at the previous schema with every pre-deploy row',
  tolerance: { equals: true },
  timeoutMs: 120_000,
  measure: async (ctx: Ctx) => {
    const { state: before } = recorded(ctx);
    const now = await ctx.env.databaseStatus(ctx.signal);
    ctx.evidence('database now vs pre-deploy', { now, preDeploy: before }, 'json');
    return (
      now.schema === ctx.env.previousSchemaVersion &&
      now.weightKg &&
      now.rows.exercises === before.rows.exercises &&
      now.rows.workout_logs >= before.rows.workout_logs
    );
  },
};

const steadyState = [backendReady, exercisesListed, allBackendPodsReady] as const;

const shared = {
  destructive: true,
  // ROLLBACK.md: RTO < 15 min, RPO < 5 min. Detection waits for the migration pod to start and fail: 30 s.
  objectives: { rtoSeconds: 900, rpoSeconds: 300, detectionSeconds: 30 } satisfies Objectives,
  steadyState,
  setup: [preDeployBackup],
  detect: {
    name: 'migration Job attempt failed (watch)',
    timeoutMs: 180_000,
    watch: async (ctx: Ctx) => {
      const seen = await ctx.env.watchMigrationFailed(ctx.signal);
      ctx.evidence('migration error', seen.detail, 'log');
      return seen;
    },
  },
  verify: [...steadyState, databaseMatchesSnapshot],
  verifyTimeoutMs: 180_000,
  baselineSeconds: 10,
  observeSeconds: 10,
  load: (env: GravlMigrationEnv) => backgroundLoad(env, 300),
  dataProbe: true,
} as const;

async function command(ctx: Ctx, label: string, done: Promise<string>): Promise<void> {
  ctx.evidence(label, await done, 'command');
}

/** Restores the pre-deploy backup into the live database and checks what came back. */
async function restorePreDeploy(ctx: Ctx, damaged: DatabaseState | undefined, runbookRef: string): Promise<void> {
  const { backup, state: before } = recorded(ctx);
  const after = await ctx.env.restoreDatabase(backup.file, ctx.signal);
  ctx.evidence('restore', { file: backup.file, ...after }, 'json');
  if (after.schema !== ctx.env.previousSchemaVersion || !after.weightKg) {
    throw new Error(`after the restore the schema is at ${after.schema} (weight_kg ${after.weightKg ? 'present' : 'missing'}); the previous release needs ${ctx.env.previousSchemaVersion}`);
  }
  if (after.rows.exercises !== before.rows.exercises) throw new Error(`the restore brought back ${after.rows.exercises} exercises, the pre-deploy database had ${before.rows.exercises}`);
  const lost = damaged ? damaged.rows.workout_logs - after.rows.workout_logs : 0;
  if (lost > 0) {
    ctx.finding({
      severity: 'warning',
      title: 'Restoring the pre-deploy backup discards every write made after it',
      detail:
        `${lost} workout log(s) written between the pre-deploy backup and the restore are gone (the data probe counts the acknowledged ones ` +
        'in the RPO). The runbook neither takes the backup right before the migration nor stops writes during it: put the backend in ' +
        'maintenance (or read-only) from the backup until the migration succeeds, or keep the writes made since and re-apply them.',
      runbookRef,
    });
  }
}

const checkDatabase: RunbookStep<GravlMigrationEnv> = {
  name: 'check database status',
  timeoutMs: 120_000,
  runbookRef: 'ROLLBACK.md § Scenario 2 step 2: psql -c "SELECT version();"',
  run: async (ctx: Ctx) => {
    const now = await ctx.env.databaseStatus(ctx.signal);
    damagedState.set(key(ctx), now);
    ctx.evidence('database', now, 'json');
    if (now.schema !== ctx.env.previousSchemaVersion || !now.weightKg) {
      ctx.finding({
        severity: 'info',
        title: `The failed release left the schema half applied (migration ${now.schema})`,
        detail:
          `Each migration commits on its own: the release's earlier migration stayed applied when the later one failed, and the previous release ` +
          `${now.weightKg ? 'still finds its columns' : 'has lost a column it writes (weight_kg)'}. "SELECT version()" (the runbook's check) shows the server, not this: check schema_migrations.`,
        runbookRef: 'ROLLBACK.md § Scenario 2 step 2',
      });
    }
  },
};
/**
 * Not in the runbook: the failed migration Job keeps retrying (restartPolicy OnFailure, backoffLimit 4), and a retry
 * after the restore applies the release's first migration to the restored database again (measured: the drill saw
 * the schema back at 3 after a restore to 2). Step 5 deletes the Job only after step 3 restored; it must go first.
 */
const stopFailedMigration: RunbookStep<GravlMigrationEnv> = {
  name: 'stop the failed migration Job before touching the database',
  timeoutMs: 120_000,
  runbookRef: 'ROLLBACK.md § Scenario 2 step 5 (kubectl delete job db-migration), moved before the restore',
  run: async (ctx: Ctx) => {
    ctx.evidence('stop', await ctx.env.stopMigrationJob(ctx.signal), 'command');
    ctx.finding({
      severity: 'runbook-defect',
      title: 'The failed migration Job keeps retrying while the database is restored',
      detail:
        'The migration Job retries a failed attempt (backoffLimit 4): a retry that runs after step 3 applies the release\'s committed migration to the ' +
        'restored database again, so the restore is undone (an earlier run of this drill measured exactly that). Step 5 deletes the Job only after the ' +
        'restore; delete it right after stopping the backend (step 1).',
      runbookRef: 'ROLLBACK.md § Scenario 2 steps 3 and 5',
    });
  },
};

/** The database as step 2 saw it (before the restore), per run and scenario. */
const damagedState = new Map<string, DatabaseState>();

export const migrationFailed = defineScenario<GravlMigrationEnv>({
  id: 'migration-failed',
  title: "The next release's migration fails part-way; the database is restored from the pre-deploy backup and the release rolled back",
  runbookRef: 'ROLLBACK.md § Scenario 2: Database Migration Failure',
  runbookFingerprint: 'sha256:f131ed04d966d776',
  tags: ['rollback', 'kube', 'database'],
  ...shared,
  // the pre-deploy backup is taken with the backup CronJob's definition and restored into the database
  needs: ['backend', 'database', 'migration', 'backup', 'releases.next'],
  inject: (env) => [env.failedMigration(), env.nextRelease()],
  recover: [
    {
      name: 'stop all backend pods',
      timeoutMs: 60_000,
      runbookRef: 'ROLLBACK.md § Scenario 2 step 1: kubectl scale deployment backend --replicas=0',
      run: (ctx: Ctx) => command(ctx, 'scale', ctx.env.scaleBackend(0, ctx.signal)),
    },
    stopFailedMigration,
    checkDatabase,
    {
      name: 'restore from the pre-deploy backup',
      timeoutMs: 300_000,
      runbookRef: 'ROLLBACK.md § Scenario 2 step 3: restore from backup (if schema corrupted)',
      run: async (ctx: Ctx) => {
        const damaged = damagedState.get(key(ctx));
        if (damaged && damaged.schema === ctx.env.previousSchemaVersion && damaged.weightKg) {
          ctx.evidence('restore', 'schema intact: nothing to restore', 'text');
          return;
        }
        ctx.finding({
          severity: 'runbook-defect',
          title: 'Step 3 has no restore procedure, only commented examples',
          detail:
            'It shows an AWS RDS snapshot restore and `psql < /backup/gravl-schema-v1.2.3.sql`; this stack backs up with pg_dump -Fc to a PVC. ' +
            'This drill restored the pre-deploy archive with pg_restore --clean --if-exists --single-transaction from a Job that mounts the backup volume.',
          runbookRef: 'ROLLBACK.md § Scenario 2 step 3',
        });
        await restorePreDeploy(ctx, damaged, 'ROLLBACK.md § Scenario 2 step 3');
      },
    },
    {
      name: 'roll back the image',
      timeoutMs: 60_000,
      runbookRef: 'ROLLBACK.md § Scenario 2 step 4: kubectl set image deployment/backend backend=<previous>',
      run: (ctx: Ctx) => command(ctx, 'set image', ctx.env.setBackendImage(ctx.env.previousBackendImage, ctx.signal)),
    },
    {
      name: 'restart the migration job with the previous version',
      timeoutMs: 300_000,
      runbookRef: 'ROLLBACK.md § Scenario 2 step 5: kubectl delete job db-migration; kubectl apply -f db-migration-job.yaml',
      run: (ctx: Ctx) => command(ctx, 'migration', ctx.env.rerunPreviousMigration(ctx.signal)),
    },
    {
      name: 'scale up the backend',
      timeoutMs: 60_000,
      runbookRef: 'ROLLBACK.md § Scenario 2 step 6: kubectl scale deployment backend --replicas=3',
      run: (ctx: Ctx) => command(ctx, 'scale', ctx.env.scaleBackend(ctx.env.backendReplicas, ctx.signal)),
    },
    {
      name: 'rollout status',
      timeoutMs: 300_000,
      runbookRef: 'ROLLBACK.md § Scenario 2 verification: backend pods running and connected to database',
      run: (ctx: Ctx) => command(ctx, 'rollout', ctx.env.backendRolloutStatus(ctx.signal)),
    },
  ],
});

export const fullRollback = defineScenario<GravlMigrationEnv>({
  id: 'full-rollback',
  title: 'The whole release goes bad (migration, image, secrets); everything goes back to the previous version, database included',
  runbookRef: 'ROLLBACK.md § Full Rollback (Nuclear Option)',
  runbookFingerprint: 'sha256:9882ad000128ce59',
  tags: ['rollback', 'kube', 'database'],
  ...shared,
  needs: ['backend', 'database', 'migration', 'backup', 'backend.appSecret', 'releases.next'],
  inject: (env) => [env.failedMigration(), env.nextRelease(), env.secretDeleted()],
  recover: [
    {
      name: 'stop all Gravl services',
      timeoutMs: 60_000,
      runbookRef: 'ROLLBACK.md § Full Rollback step 1: kubectl scale deployment backend/frontend --replicas=0',
      // the drill's stack has no frontend: the backend is every Gravl service that writes
      run: (ctx: Ctx) => command(ctx, 'scale', ctx.env.scaleBackend(0, ctx.signal)),
    },
    {
      name: 'verify the database backup before touching anything',
      timeoutMs: 300_000,
      runbookRef: "ROLLBACK.md § Full Rollback step 2: verify database is safe (check backup); don't delete anything yet",
      run: async (ctx: Ctx) => {
        const { backup, state } = recorded(ctx);
        const check = await ctx.env.restoreLatestBackupToScratch(ctx.signal);
        ctx.evidence('backup restored into a scratch instance', check, 'json');
        if (!backup.file.endsWith(check.dump) || check.rows.exercises !== state.rows.exercises) {
          throw new Error(`the newest backup (${check.dump}, ${check.rows.exercises} exercises) is not the pre-deploy one (${backup.file}, ${state.rows.exercises}): stop, do not restore`);
        }
        ctx.finding({
          severity: 'runbook-defect',
          title: 'Step 3 (delete the namespace) would delete the backups the restore needs',
          detail:
            `The backup this rollback restores (${backup.file}) lives on the PVC postgres-backups in ${ctx.env.namespace}, with the database's own volume: ` +
            '`kubectl delete namespace` removes both. Copy the backup off the namespace (object storage) before step 3, or never run it; this drill does not.',
          runbookRef: 'ROLLBACK.md § Full Rollback step 3',
        });
      },
    },
    {
      name: 'restore every resource from its definition (previous version)',
      timeoutMs: 120_000,
      runbookRef: 'ROLLBACK.md § Full Rollback step 4 option B: kubectl apply namespace, rbac, secrets, statefulsets, ... for v1.2.3',
      run: (ctx: Ctx) => command(ctx, 'apply', ctx.env.reapplyStackDefinition(ctx.signal)),
    },
    stopFailedMigration,
    {
      name: 'restore the database from backup',
      timeoutMs: 300_000,
      runbookRef: 'ROLLBACK.md § Full Rollback step 5: restore from pg_dump / backup file',
      run: async (ctx: Ctx) => {
        const damaged = await ctx.env.databaseStatus(ctx.signal);
        ctx.evidence('database before the restore', damaged, 'json');
        await restorePreDeploy(ctx, damaged, 'ROLLBACK.md § Full Rollback step 5');
      },
    },
    {
      name: 'run the previous migration',
      timeoutMs: 300_000,
      runbookRef: 'ROLLBACK.md § Full Rollback step 4 (... all resources for v1.2.3: the migration Job)',
      run: (ctx: Ctx) => command(ctx, 'migration', ctx.env.rerunPreviousMigration(ctx.signal)),
    },
    {
      name: 'start the services',
      timeoutMs: 300_000,
      runbookRef: 'ROLLBACK.md § Full Rollback step 4 (the Deployments at their replica counts), after the database',
      run: async (ctx: Ctx) => {
        await command(ctx, 'scale', ctx.env.scaleBackend(ctx.env.backendReplicas, ctx.signal));
        await command(ctx, 'rollout', ctx.env.backendRolloutStatus(ctx.signal));
        ctx.finding({
          severity: 'runbook-defect',
          title: 'Step 4 starts the previous release before step 5 restores its database',
          detail:
            'Re-applying "all resources for v1.2.3" brings the Deployments back at their replica counts, so the previous backend starts (and takes writes) ' +
            'on the damaged schema before the database is restored, and those writes are then lost too. This drill re-applied with the backend held at 0 ' +
            'replicas, restored the database, ran the previous migration, and only then scaled up.',
          runbookRef: 'ROLLBACK.md § Full Rollback steps 4-5',
        });
      },
    },
  ],
});
