// What the sign-off measures on the one-node kind environment, beyond the drills' capabilities: the backup CronJob
// run now as its own Job (`kubectl create job --from=cronjob/...`, so the backup row has a success to count), the
// application pods' restart counts, the applied migrations read inside the cluster (a one-off psql Job), the
// monitoring services (Prometheus, AlertManager, Loki) through the API server's service proxy, the webhook receiver
// AlertManager routes to, and the test alert's port (AlertManager's API + the receiver's record of deliveries).
import type { ServiceRef } from '../../clusters/kube/kube-api.ts';
import { ALERTMANAGER } from '../../clusters/stack/manifests/alert-webhook.manifest.ts';
import { manualJobFromCronJob } from '../../clusters/stack/manifests/backup-test.manifest.ts';
import { parseSchemaMigrations, schemaMigrationsJob } from '../../clusters/stack/manifests/db-admin.manifest.ts';
import { AlertManagerProxy } from '../../clusters/stack/alertmanager.proxy.ts';
import { restartCounts, type JsonGet, type PodRestartView } from '../readiness/facts.ts';
import type { SignoffClusterEnv } from '../readiness/signoff-measure.ts';
import { kindAlertingEnv } from './kind-alerting.ts';
import { jobRunner, suffix, type KubeDrillDeps } from './kind-drill-deps.ts';
import { installSealedSecrets } from './kind-secrets.ts';
import type { StartedKindCluster } from '../../clusters/kube/kind.provider.ts';

/** The stack's backup CronJob (clusters/stack/manifests/app.manifest.ts). */
export const BACKUP_CRONJOB = 'postgres-backup-cronjob';

/** A JSON GET through the API server's service proxy; a non-2xx answer rejects with what was asked. */
export function serviceJson(api: KubeDrillDeps['client']['api'], service: ServiceRef): JsonGet {
  return async (path, signal) => {
    const res = await api.proxy(service, path, { headers: { accept: 'application/json' } }, signal ? { signal } : {});
    if (res.status < 200 || res.status > 299) throw new Error(`GET ${service.namespace}/${service.name}:${service.port}${path.split('?')[0]}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    return JSON.parse(res.body) as unknown;
  };
}

export function kindSignoffEnv(d: KubeDrillDeps): SignoffClusterEnv {
  const { client, stack, runLabels } = d;
  const ns = stack.namespaces.app;
  const runJob = jobRunner(d);
  const alerting = kindAlertingEnv(client, stack, runLabels);
  const am = new AlertManagerProxy(client.api, stack.namespaces.monitoring);
  const cronRef = { apiVersion: 'batch/v1', kind: 'CronJob', namespace: ns, name: BACKUP_CRONJOB } as const;
  return {
    appNamespace: ns,
    backupCronJob: BACKUP_CRONJOB,
    runBackupFromCronJob: async (signal) => {
      const cron = await client.api.read(cronRef, { signal });
      if (!cron) throw new Error(`CronJob ${ns}/${BACKUP_CRONJOB} is not deployed: nothing to run a backup from`);
      const job = manualJobFromCronJob(cron, suffix(), runLabels);
      const { message, ms } = await client.runJob(job, { timeoutMs: 280_000, signal, hint: `kubectl -n ${ns} logs job/${job.metadata.name}` });
      return `kubectl create job --from=cronjob/${BACKUP_CRONJOB} ${job.metadata.name}: succeeded in ${ms} ms (${message})`;
    },
    backupSucceeded: async (signal) => {
      const cron = await client.api.read(cronRef, { signal });
      if (!cron?.metadata.uid) return false;
      const { items } = await client.api.list({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns }, {}, { signal });
      return items.some(
        (j) =>
          ((j.metadata as { ownerReferences?: { kind?: string; uid?: string }[] }).ownerReferences ?? []).some((r) => r.kind === 'CronJob' && r.uid === cron.metadata.uid) &&
          ((j.status as { succeeded?: number } | undefined)?.succeeded ?? 0) > 0,
      );
    },
    appRestarts: async (signal) => restartCounts((await client.api.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, {}, { signal })).items as unknown as PodRestartView[]),
    appliedMigrations: async (signal) => parseSchemaMigrations((await runJob(schemaMigrationsJob(stack, `db-migrations-${suffix()}`, runLabels), signal)).message),
    prometheus: serviceJson(client.api, { namespace: stack.namespaces.monitoring, name: 'prometheus', port: 9090 }),
    alertmanager: serviceJson(client.api, { namespace: stack.namespaces.monitoring, name: ALERTMANAGER.service, port: ALERTMANAGER.port }),
    loki: serviceJson(client.api, { namespace: stack.namespaces.logging, name: 'loki', port: 3100 }),
    lokiQuery: `{job="pods", filename=~"/var/log/pods/${ns}_backend-.+"} |= "workout log committed"`,
    testAlert: {
      postAlerts: (alerts, signal) => am.postAlerts(alerts, signal),
      deliveries: (match, waitMs, signal) => alerting.webhookDeliveries(match, waitMs, signal),
    },
    routeAlertsToWebhook: async (signal) => {
      const deployed = await alerting.deployAlertWebhook(signal);
      const configured = await alerting.configureWebhookReceiver(signal);
      const reloaded = await alerting.reloadAlertManager(signal);
      return `${deployed}; ${configured.detail}; running after ${reloaded.reloads} reload(s): route -> ${reloaded.config.route}`;
    },
  };
}

/**
 * The app namespace's Secrets under the Sealed Secrets operator (PRODUCTION_SIGN_OFF.md § 4.1), as a team moves its
 * plain Secrets: the controller built here installed, then every Secret of the app namespace that no controller owns
 * (service-account tokens aside) sealed with the controller's certificate and taken over by it. Done after the
 * drills and before the matrix: the secret-missing drill deletes a Secret a controller would re-create at once.
 * The controller goes with the returned handle; the SealedSecrets, and the Secrets they own, stay.
 */
export async function secretsUnderOperator(o: {
  deps: KubeDrillDeps;
  cluster: StartedKindCluster;
  signal: AbortSignal;
  log: (line: string) => void;
  secret: (value: string) => void;
}): Promise<AsyncDisposable> {
  const ns = o.deps.stack.namespaces.app;
  const installed = await installSealedSecrets(o.cluster, { labels: o.deps.runLabels, signal: o.signal, log: o.log });
  try {
    const { items } = await o.deps.client.api.list({ apiVersion: 'v1', kind: 'Secret', namespace: ns }, {}, { signal: o.signal });
    const names = items
      .filter((s) => s.type !== 'kubernetes.io/service-account-token' && s.type !== 'helm.sh/release.v1')
      .filter((s) => !((s.metadata.ownerReferences ?? []) as { kind?: string }[]).some((r) => r.kind !== 'SealedSecret'))
      .map((s) => s.metadata.name);
    const adopted = await installed.adoptSecrets(ns, names, { secret: o.secret, log: o.log, signal: o.signal });
    o.log(`secrets: ${adopted.length} Secret(s) of ${ns} owned by SealedSecrets (controller ${installed.controllerImage}): ${adopted.map((a) => `${a.name}${a.changed ? '' : ' (already)'}`).join(', ')}`);
    return installed;
  } catch (error) {
    await installed[Symbol.asyncDispose]();
    throw error;
  }
}
