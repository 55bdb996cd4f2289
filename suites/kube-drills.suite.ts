// kube-drills: ROLLBACK.md's scenarios on a real Kubernetes cluster (kind, built here), under k6 background load
// with the data probe writing through the backend's NodePort on 127.0.0.1: every backend container SIGKILLed,
// PostgreSQL SIGKILLed, a bad release rolled back step by step (Scenario 1), a deleted app secret restored
// (Scenario 4); and the missing backup CronJob of BLOCKING_ISSUES_REMEDIATION.md deployed, run once and its backup
// restored into a scratch instance; a failed migration of the next release (Scenario 2: the database restored from
// the pre-deploy backup) and the full rollback of a bad release, database included. Each is detected through a
// watch, recovered by the runbook, and measured against its objectives.
import { backendCrash, databaseCrash } from '../scenarios/catalog/gravl-crash.scenario.ts';
import { backupJobMissing } from '../scenarios/catalog/backup-job-missing.scenario.ts';
import { badReleaseRollback, secretMissing } from '../scenarios/catalog/kube-rollback.scenario.ts';
import { fullRollback, migrationFailed } from '../scenarios/catalog/migration-rollback.scenario.ts';
import { lokiStorageEmptyDir, lokiStorageLocalPath } from '../scenarios/catalog/loki-storage.scenario.ts';
import { tlsCertificateExpired } from '../scenarios/catalog/tls-edge.scenario.ts';
import { startGravlKind } from './environments/gravl-kind.env.ts';
import { kindOrExisting } from './environments/kind-steps.ts';
import { existingClusterProblems, prepareExisting } from './environments/existing-gravl.env.ts';
import { AlertConfigFaultInjector } from '../tools/faults/alert-config.fault.ts';
import { FaultDispatcher } from '../tools/faults/fault-dispatcher.ts';
import { alertReceivers } from '../scenarios/catalog/alert-receivers.scenario.ts';
import type { SuiteDefinition } from './suite.ts';

const CLUSTER = 'drillbook-drills';
/** The config's default cluster name is signoff's long-lived cluster: kube-drills then uses its own. */
const DEFAULT_CONFIG_CLUSTER = 'drillbook-gravl';

// Loki: option B before option A (see prepare). Every kind drill: signoff runs them all too.
export const KUBE_DRILLS = [backendCrash, databaseCrash, badReleaseRollback, secretMissing, tlsCertificateExpired, backupJobMissing, lokiStorageLocalPath, lokiStorageEmptyDir, migrationFailed, fullRollback, alertReceivers];

export const kubeDrillsSuite: SuiteDefinition = {
  name: 'kube-drills',
  description:
    'ROLLBACK.md on a kind cluster: backend and database crashes (SIGKILL), bad-release rollback, missing secret, failed DB migration restored from the pre-deploy backup, full rollback (k6 load + data probe), an expired certificate at the TLS edge; BLOCKING_ISSUES: Loki StorageClass mismatch (options A and B), missing backup CronJob, alert receivers without endpoint (webhook + test alert)',
  budgetSeconds: 1800,
  requires: ['node', 'docker', 'k6', 'kind', 'images'],
  scenarios: KUBE_DRILLS.map((s) => s.id),
  // provider 'existing': see nightly (the namespace allow-list first; drills it cannot run are skipped with the reason)
  check: kindOrExisting(existingClusterProblems),
  async prepare(ctx) {
    if (ctx.config.cluster.provider === 'existing') return prepareExisting(ctx, 'kube-drills', KUBE_DRILLS);
    const kube = await startGravlKind({
      runId: ctx.runId,
      suite: 'kube-drills',
      outDir: ctx.outDir,
      signal: ctx.signal,
      log: ctx.log,
      // its own cluster, fresh each run: the backend's host port is chosen per run and baked into the node
      clusterName: ctx.config.cluster.name === DEFAULT_CONFIG_CLUSTER ? CLUSTER : ctx.config.cluster.name,
      namespace: ctx.config.stack.namespace,
      load: { engine: ctx.config.load.engine, parallelism: ctx.config.load.parallelism },
    });
    // alert-receivers' fault is in the monitoring namespace: this injector takes that kind, the kube one the rest
    const alertConfig = new AlertConfigFaultInjector(kube.client.api, kube.stack, { kubeconfig: kube.cluster.kubeconfigPath, context: kube.cluster.context });
    const ports = { ...kube.ports, faults: new FaultDispatcher([kube.ports.faults, alertConfig]) };
    return {
      // Loki: option B before option A; a revert leaves the runbook's fix in place, and A's (an emptyDir) has no
      // claim template for B's fault to break
      items: KUBE_DRILLS.map((scenario) => ({ scenario, env: kube.env, ports })),
      secrets: kube.secrets,
      [Symbol.asyncDispose]: () => kube[Symbol.asyncDispose](),
    };
  },
};
