// ROLLBACK.md § Scenario 2 and the full rollback on the one-node kind environment (GravlMigrationEnv, the parts
// beyond release and backup): the next release and its failing migration Job as faults, and the DBA's operations as
// one-off Jobs (status, restore of the pre-deploy backup, the previous migration) and server-side applies.
import { jobAttemptFailed, jobSucceeded, lastFailure, objectAbsent, podsGone } from '../../clusters/kube/conditions.ts';
import type { ObjectRef } from '../../clusters/kube/kube-api.ts';
import { migrationJob } from '../../clusters/stack/manifests/app.manifest.ts';
import { databaseStatusJob, parseDatabaseReport, restoreDatabaseJob } from '../../clusters/stack/manifests/db-admin.manifest.ts';
import { allObjects, referenceStack } from '../../clusters/stack/manifests/stack.manifest.ts';
import type { GravlBackupEnv, GravlMigrationEnv, GravlReleaseEnv } from '../../scenarios/catalog/gravl-kube.env.ts';
import { jobRunner, suffix, type KubeDrillDeps } from './kind-drill-deps.ts';

export function kindMigrationEnv(d: KubeDrillDeps & { images: { next: string } }): Omit<GravlMigrationEnv, keyof GravlReleaseEnv | keyof GravlBackupEnv> {
  const { client, stack, runLabels, images } = d;
  const ns = stack.namespaces.app;
  const runJob = jobRunner(d);
  const jobPods = async (name: string, sig: AbortSignal, namespace = ns) =>
    (await client.api.list({ apiVersion: 'v1', kind: 'Pod', namespace }, { labelSelector: `job-name=${name}` }, { signal: sig })).items;
  const MIGRATION = 'db-migration';
  const migrationRef: ObjectRef = { apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: MIGRATION };
  const databaseStatus = async (sig: AbortSignal) => {
    const { message } = await runJob(databaseStatusJob(stack, `db-status-${suffix()}`, runLabels), sig);
    return parseDatabaseReport(message);
  };
  return {
  nextBackendImage: images.next,
  previousSchemaVersion: 2,
  nextRelease: () => ({ kind: 'set-image', namespace: ns, deployment: 'backend', container: 'backend', image: images.next }),
  failedMigration: () => ({ kind: 'job-replace', namespace: ns, job: MIGRATION, container: 'migrate', image: images.next }),
  watchMigrationFailed: async (sig) => {
    const verdict = await client.waitFor(jobAttemptFailed(ns, MIGRATION), { timeoutMs: 600_000, signal: sig });
    return { detail: verdict.detail, pods: (await jobPods(MIGRATION, sig)).filter((p) => lastFailure(p) !== undefined).length };
  },
  databaseStatus,
  restoreDatabase: async (file, sig) => {
    const { message, ms } = await runJob(restoreDatabaseJob(stack, `db-restore-${suffix()}`, runLabels, file), sig);
    return { ...parseDatabaseReport(message), ms };
  },
  stopMigrationJob: async (sig) => {
    const job = await client.api.read(migrationRef, { signal: sig });
    const st = (job?.status ?? {}) as { failed?: number; active?: number };
    await client.api.delete(migrationRef, { signal: sig, propagation: 'Background' });
    await client.waitFor(objectAbsent('batch/v1', 'Job', ns, MIGRATION), { timeoutMs: 60_000, signal: sig });
    const left = await client.waitFor(podsGone(ns, `job-name=${MIGRATION}`), { timeoutMs: 60_000, signal: sig });
    return `kubectl delete job ${MIGRATION} (${job ? `failed attempts ${st.failed ?? 0}, active ${st.active ?? 0}` : 'already gone'}); ${left.detail}`;
  },
  rerunPreviousMigration: async (sig) => {
    const started = performance.now();
    await client.api.delete(migrationRef, { signal: sig, propagation: 'Background' });
    await client.waitFor(objectAbsent('batch/v1', 'Job', ns, MIGRATION), { timeoutMs: 60_000, signal: sig });
    // the previous release's Job as the stack defines it (the image the deployment runs again)
    await client.apply([migrationJob(stack)], { signal: sig });
    const done = await client.waitFor(jobSucceeded(ns, MIGRATION), { timeoutMs: 280_000, signal: sig, hint: `kubectl -n ${ns} logs job/${MIGRATION}` });
    return `kubectl delete job ${MIGRATION}; kubectl apply -f db-migration-job.yaml (${stack.images.backend}): ${done.detail} after ${Math.round(performance.now() - started)} ms`;
  },
  reapplyStackDefinition: async (sig) => {
    const started = performance.now();
    // every object the stack defines, minus the one-off migration Job (re-run on its own, after the database)
    // and with the backend held at 0 replicas until the database is back
    // the release's namespace only (the runbook's k8s/production/ for gravl-production): the logging and
    // monitoring tiers are not part of the release, and earlier drills may have changed them on purpose
    const objects = allObjects(referenceStack({ ...stack, backendReplicas: 0 })).filter((o) => o.metadata.namespace === ns && !(o.kind === 'Job' && o.metadata.name === MIGRATION));
    await client.apply(objects, { signal: sig });
    return `kubectl apply -f k8s/production/ (${objects.length} objects: ${[...new Set(objects.map((o) => o.kind))].join(', ')}) in ${Math.round(performance.now() - started)} ms`;
  },
  };
}
