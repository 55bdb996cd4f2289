// kube-drills: ROLLBACK.md's scenarios on a real Kubernetes cluster (kind, built here), under k6 background load
// with the data probe writing through the backend's NodePort on 127.0.0.1: every backend container SIGKILLed,
// PostgreSQL SIGKILLed, a bad release rolled back step by step (Scenario 1), a deleted app secret restored
// (Scenario 4); and the missing backup CronJob of BLOCKING_ISSUES_REMEDIATION.md deployed, run once and its backup
// restored into a scratch instance. Each is detected through a watch, recovered by the runbook, and measured
// against its objectives.
import { backendCrash, databaseCrash } from '../scenarios/catalog/gravl-crash.scenario.ts';
import { backupJobMissing } from '../scenarios/catalog/backup-job-missing.scenario.ts';
import { badReleaseRollback, secretMissing } from '../scenarios/catalog/kube-rollback.scenario.ts';
import { startGravlKind } from './environments/gravl-kind.env.ts';
import type { SuiteDefinition } from './suite.ts';
import { InvalidInputError } from '../scenarios/errors.ts';

const CLUSTER = 'drillbook-drills';

export const kubeDrillsSuite: SuiteDefinition = {
  name: 'kube-drills',
  description: 'ROLLBACK.md on a kind cluster: backend and database crashes (SIGKILL), bad-release rollback, missing secret (k6 load + data probe), missing backup CronJob',
  budgetSeconds: 1800,
  requires: ['node', 'docker', 'k6', 'kind', 'images'],
  async prepare(ctx) {
    if (ctx.config.cluster.provider !== 'kind') {
      throw new InvalidInputError('cluster.provider', [
        `'${ctx.config.cluster.provider}': kube-drills deploys the stack on a kind cluster it creates (${CLUSTER}) and deletes afterwards; it does not break existing clusters yet`,
      ]);
    }
    const kube = await startGravlKind({
      runId: ctx.runId,
      suite: 'kube-drills',
      outDir: ctx.outDir,
      signal: ctx.signal,
      log: ctx.log,
      // its own cluster, fresh each run: the backend's host port is chosen per run and baked into the node
      clusterName: CLUSTER,
      namespace: ctx.config.stack.namespace,
    });
    return {
      items: [backendCrash, databaseCrash, badReleaseRollback, secretMissing, backupJobMissing].map((scenario) => ({ scenario, env: kube.env, ports: kube.ports })),
      secrets: kube.secrets,
      [Symbol.asyncDispose]: () => kube[Symbol.asyncDispose](),
    };
  },
};
