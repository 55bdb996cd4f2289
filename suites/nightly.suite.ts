// nightly: the CI run, on a real cluster. A kind cluster (kept between runs when `cluster.keep` is true, the
// default: the next night reuses it and re-applies the stack's definition), the Gravl stack deployed, and six
// drills under k6 background load with the data probe writing through the backend's NodePort: every backend
// container SIGKILLed, PostgreSQL SIGKILLed, a bad release rolled back (ROLLBACK.md Scenario 1), the app secret
// deleted (Scenario 4), an expired certificate at the TLS edge (Scenario 3) and the missing backup CronJob
// (BLOCKING_ISSUES #2). Budget: 5 minutes warm on 2 cores (`npm run bench -- nightly` prints the breakdown).
// The laptop tier without kind is `quick`; every drill is in `kube-drills`, the monthly drill in `rollback-drill`.
import { backupJobMissing } from '../scenarios/catalog/backup-job-missing.scenario.ts';
import { backendCrash, databaseCrash } from '../scenarios/catalog/gravl-crash.scenario.ts';
import { badReleaseRollback, secretMissing } from '../scenarios/catalog/kube-rollback.scenario.ts';
import { tlsCertificateExpired } from '../scenarios/catalog/tls-edge.scenario.ts';
import { startGravlKind } from './environments/gravl-kind.env.ts';
import { kindOrExisting } from './environments/kind-steps.ts';
import { existingClusterProblems, prepareExisting } from './environments/existing-gravl.env.ts';
import { describedKindProblems, startDescribedKind } from './environments/described-kind.env.ts';
import { isDescribed } from '../tools/config/stack-description.ts';
import { planAgainst } from '../scenarios/plan.ts';
import type { PreparedSuite, SuiteContext, SuiteDefinition } from './suite.ts';

export const NIGHTLY_SCENARIOS = [backendCrash, databaseCrash, badReleaseRollback, secretMissing, tlsCertificateExpired, backupJobMissing] as const;

export const nightlySuite: SuiteDefinition = {
  name: 'nightly',
  description:
    'CI on kind (cluster kept between runs): backend and database SIGKILLed, bad release rolled back, app secret deleted, expired TLS certificate, missing backup CronJob, under k6 load with the data probe',
  budgetSeconds: 300,
  requires: ['node', 'docker', 'k6', 'kind', 'images'],
  scenarios: NIGHTLY_SCENARIOS.map((s) => s.id),
  // provider 'existing': the stack someone else deployed, in a namespace allowed for that context (checked here,
  // before anything is created); the drills that need drillbook's own kind environment are skipped with the reason
  // provider 'kind' with stack.components: the team's stack from its description (deployed, checked, drilled by its
  // own names); the drills it lacks a component for are skipped by the plan, those not offered yet by the environment
  check: (config) => [...kindOrExisting(existingClusterProblems)(config), ...(config.cluster.provider === 'kind' && isDescribed(config.stack) ? [...describedKindProblems({ cluster: config.cluster, stack: config.stack }), ...(config.load.engine === 'k6' ? [] : [`load.engine '${config.load.engine}': a described stack runs its own k6 script locally for now; set load.engine: k6`])] : [])],
  async prepare(ctx) {
    if (ctx.config.cluster.provider === 'existing') return prepareExisting(ctx, 'nightly', NIGHTLY_SCENARIOS);
    if (isDescribed(ctx.config.stack)) return prepareDescribed(ctx);
    const kube = await startGravlKind({
      runId: ctx.runId,
      suite: 'nightly',
      outDir: ctx.outDir,
      signal: ctx.signal,
      log: ctx.log,
      clusterName: ctx.config.cluster.name,
      keep: ctx.config.cluster.keep,
      namespace: ctx.config.stack.namespace,
      load: { engine: ctx.config.load.engine, parallelism: ctx.config.load.parallelism },
    });
    return {
      items: NIGHTLY_SCENARIOS.map((scenario) => ({ scenario, env: kube.env, ports: kube.ports })),
      secrets: kube.secrets,
      [Symbol.asyncDispose]: () => kube[Symbol.asyncDispose](),
    };
  },
};

/** nightly on the team's own stack, from drillbook.yaml's description (suites/environments/described-kind.env.ts). */
async function prepareDescribed(ctx: SuiteContext): Promise<PreparedSuite> {
  const description = ctx.config.stack;
  if (!isDescribed(description)) throw new Error('prepareDescribed: the stack has no components');
  const kube = await startDescribedKind({
    runId: ctx.runId,
    suite: 'nightly',
    outDir: ctx.outDir,
    signal: ctx.signal,
    log: ctx.log,
    secret: ctx.secret,
    clusterName: ctx.config.cluster.name,
    keep: ctx.config.cluster.keep,
    description,
  });
  return {
    items: NIGHTLY_SCENARIOS.map((scenario) => {
      // what the description lacks is said by the plan (with the field to add); the environment's own reason only
      // for a drill the description could run but this environment does not offer yet
      const skip = planAgainst(description, [scenario]).skipped.length ? undefined : kube.skip(scenario.id);
      return { scenario, env: kube.env, ports: kube.ports, ...(skip !== undefined ? { skip } : {}) };
    }),
    secrets: kube.secrets,
    stack: description,
    [Symbol.asyncDispose]: () => kube[Symbol.asyncDispose](),
  };
}
