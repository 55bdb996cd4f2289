// signoff: the pre-launch evidence. Every drill, then the sign-off load test (PRODUCTION_SIGN_OFF.md §5: 10 VUs,
// 5 min, p95 < 200 ms, p99 < 500 ms, errors < 0.1 %, > 100 req/s), then the readiness checks of the sign-off
// matrix over the cluster and the facts the harness measured, giving the go/no-go decision.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { cacheDir } from '../tools/lib/cache.ts';
import { backendCrash, databaseCrash } from '../scenarios/catalog/gravl-crash.scenario.ts';
import { pitrAccidentalDelete } from '../scenarios/catalog/pitr-accidental-delete.scenario.ts';
import { LABELS, MANAGED_BY } from '../scenarios/ports.ts';
import { signoffProfile } from './load/profiles.ts';
import { startGravlDocker } from './environments/gravl-docker.env.ts';
import { startPitrEnvironment } from './environments/postgres-pitr.env.ts';
import { collectSnapshot } from './readiness/collect.ts';
import { alertingFact, lokiFact, migrationsFact, offClusterSnapshot, prometheusTargets } from './readiness/facts.ts';
import { evaluateReadiness } from './readiness/readiness.ts';
import type { HarnessFacts } from './readiness/snapshot.ts';
import type { SuiteDefinition } from './suite.ts';

/** The release being signed off is the backend v2 (gravl-backend-v2): its schema is migration 002. */
const RELEASE_SCHEMA = 2;

type Measured = keyof NonNullable<HarnessFacts['unmeasured']>;

/** A fact, or undefined with why in `unmeasured`: the check then says PENDING with what to do and what failed. */
async function measureFact<T>(unmeasured: Partial<Record<Measured, string>>, fact: Measured, p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (error) {
    unmeasured[fact] = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
    return undefined;
  }
}

export const signoffSuite: SuiteDefinition = {
  name: 'signoff',
  description: 'Every drill, the sign-off load test and the readiness checks of the sign-off matrix: the go/no-go decision',
  budgetSeconds: 3600,
  requires: ['node', 'docker', 'k6', 'images'],
  scenarios: [backendCrash.id, databaseCrash.id, pitrAccidentalDelete.id],
  async prepare(ctx) {
    await using started = new AsyncDisposableStack();
    const pitr = started.use(await startPitrEnvironment({ runId: ctx.runId, outDir: ctx.outDir, signal: ctx.signal, log: ctx.log }));
    const gravl = started.use(await startGravlDocker({ runId: ctx.runId, suite: 'signoff', outDir: ctx.outDir, signal: ctx.signal, log: ctx.log, observability: true }));
    const owned = started.move();
    const { stack } = gravl;
    const secrets = [...gravl.secrets, ...pitr.secrets];
    return {
      items: [
        { scenario: backendCrash, env: gravl.env, ports: gravl.ports },
        { scenario: databaseCrash, env: gravl.env, ports: gravl.ports },
        { scenario: pitrAccidentalDelete, env: pitr.env, ports: pitr.ports },
      ],
      secrets,
      async readiness(signal) {
        const { config } = ctx;
        const configured = config.load.profiles.signoff;
        const profile = signoffProfile(stack.backendUrl, {
          ...(configured ? { vus: configured.vus, durationSeconds: configured.durationSeconds } : {}),
          thresholds: { p95Ms: config.load.thresholds.p95Ms, p99Ms: config.load.thresholds.p99Ms, errorRate: config.load.thresholds.errorRate, ...(config.load.thresholds.minRps ? { minRps: config.load.thresholds.minRps } : {}) },
        });
        ctx.log(`sign-off load: ${profile.vus} VUs for ${profile.durationSeconds} s against ${profile.target}`);
        const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: ctx.runId, [LABELS.scenario]: 'signoff-load' };
        const load = await gravl.k6.start(profile, { labels, signal });
        const unmeasured: Partial<Record<Measured, string>> = {};
        const facts: HarnessFacts = {
          load: await load.finished({ signal }),
          ...(stack.prometheusUrl ? { prometheusTargets: await measureFact(unmeasured, 'prometheusTargets', prometheusTargets(stack.prometheusUrl, signal)) } : {}),
          ...(stack.alertmanagerUrl ? { alerting: await measureFact(unmeasured, 'alerting', alertingFact(stack.alertmanagerUrl, signal)) } : {}),
          ...(stack.lokiUrl ? { loki: await measureFact(unmeasured, 'loki', lokiFact(stack.lokiUrl, '{job="docker", service="gravl-backend"} |= "workout log committed"', signal)) } : {}),
          migrations: await measureFact(unmeasured, 'migrations', migrationsFact({ host: stack.db.host, port: stack.db.port, user: stack.db.user, password: stack.db.password, database: stack.db.database }, RELEASE_SCHEMA)),
          unmeasured,
        };
        // The cluster side of the matrix: the configured cluster when one answers, else an off-cluster snapshot
        // (every cluster check then says what is missing).
        const context = config.cluster.provider === 'existing' ? config.cluster.context : `kind-${config.cluster.name}`;
        const kindKubeconfig = cacheDir('kind-clusters', config.cluster.name, 'kubeconfig');
        const kubeConfig = new KubeConfig();
        if (config.cluster.provider === 'kind' && existsSync(kindKubeconfig)) kubeConfig.loadFromFile(kindKubeconfig);
        else if (config.cluster.kubeconfig) kubeConfig.loadFromFile(config.cluster.kubeconfig);
        else kubeConfig.loadFromDefault();
        let snapshot;
        try {
          if (context) kubeConfig.setCurrentContext(context);
          // The database password the stack's manifests read (clusters/stack/manifests/app.manifest.ts): its
          // strength and its write time are the db-credentials check's evidence.
          const credentialRefs = [{ namespace: config.stack.namespace, secret: 'postgres-secret', key: 'POSTGRES_PASSWORD', user: stack.db.user }];
          const collected = await collectSnapshot({ appNamespace: config.stack.namespace, kubeConfig, facts, credentialRefs, signal });
          secrets.push(...collected.secrets);
          snapshot = collected.snapshot;
          ctx.log(`readiness: cluster snapshot from context ${context}`);
        } catch (error) {
          ctx.log(`readiness: no cluster answered on context ${context} (${(error as Error).message.split('\n')[0]}); judging off-cluster`);
          snapshot = offClusterSnapshot(config.stack.namespace, facts);
        }
        return evaluateReadiness(snapshot);
      },
      [Symbol.asyncDispose]: () => owned.disposeAsync(),
    };
  },
};
