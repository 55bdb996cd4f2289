// signoff: the pre-launch evidence, on kind. The one-node Gravl kind environment (kept between runs when
// cluster.keep is true, as nightly), Prometheus included, AlertManager routed to the in-cluster webhook receiver,
// a backup run of the CronJob; then EVERY kind drill (kube-drills' eleven), the sign-off load (PRODUCTION_SIGN_OFF.md
// §5: 10 VUs, 5 min, p95 < 200 ms, p99 < 500 ms, errors < 0.1 %, > 100 req/s) through the cluster's front door (the
// TLS edge's NodePort on 127.0.0.1, by its public name, verified against the drill CA), no pod restart during it
// (PRODUCTION_GO_LIVE.md § 6.1), and the readiness matrix collected from that cluster: the go/no-go decision.
// The laptop tier without kind is `quick`.
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY } from '../scenarios/ports.ts';
import { AlertConfigFaultInjector } from '../tools/faults/alert-config.fault.ts';
import { FaultDispatcher } from '../tools/faults/fault-dispatcher.ts';
import { K6LoadGenerator } from '../tools/k6/k6.driver.ts';
import { ensureK6 } from '../tools/k6/k6.installer.ts';
import { startGravlKind } from './environments/gravl-kind.env.ts';
import { kindSignoffEnv, secretsUnderOperator } from './environments/kind-signoff.ts';
import { kindOnly } from './environments/kind-steps.ts';
import { KUBE_DRILLS } from './kube-drills.suite.ts';
import { signoffProfile } from './load/profiles.ts';
import { collectSnapshot } from './readiness/collect.ts';
import { measureSignoff } from './readiness/signoff-measure.ts';
import type { SuiteDefinition } from './suite.ts';

export { RELEASE_SCHEMA } from './readiness/signoff-measure.ts';

export const signoffSuite: SuiteDefinition = {
  name: 'signoff',
  description:
    'On kind: every kind drill, the sign-off load through the TLS edge, no pod restarts under load, and the readiness matrix collected from that cluster: the go/no-go decision',
  budgetSeconds: 3600,
  requires: ['node', 'docker', 'k6', 'kind', 'images'],
  scenarios: KUBE_DRILLS.map((s) => s.id),
  check: kindOnly('signoff', "deploys the stack on a kind cluster it owns (cluster.name, kept when cluster.keep is true) and judges that cluster; the Docker tier is 'quick'"),
  async prepare(ctx) {
    const { config, signal, log } = ctx;
    await using started = new AsyncDisposableStack();
    const kube = started.use(
      await startGravlKind({
        runId: ctx.runId,
        suite: 'signoff',
        outDir: ctx.outDir,
        signal,
        log,
        clusterName: config.cluster.name,
        keep: config.cluster.keep,
        namespace: config.stack.namespace,
        prometheus: true,
        load: { engine: config.load.engine, parallelism: config.load.parallelism },
      }),
    );
    const deps = { client: kube.client, stack: kube.stack, runLabels: kube.runLabels, backendUrl: kube.backendUrl };
    const cluster = kindSignoffEnv(deps);
    // The release as PRODUCTION_GO_LIVE.md orders it, beyond the stack's deploy: alerts routed to a receiver with an
    // endpoint, a first backup of the CronJob; the secrets go under the operator after the drills (see readiness).
    log(`alerting: ${await cluster.routeAlertsToWebhook(signal)}`);
    log(`backup: ${await cluster.runBackupFromCronJob(signal)}`);
    // alert-receivers' fault is in the monitoring namespace: this injector takes that kind, the kube one the rest
    const alertConfig = new AlertConfigFaultInjector(kube.client.api, kube.stack, { kubeconfig: kube.cluster.kubeconfigPath, context: kube.cluster.context });
    const ports = { ...kube.ports, faults: new FaultDispatcher([kube.ports.faults, alertConfig]) };
    const secrets: string[] = [...kube.secrets];
    const owned = started.move();
    return {
      items: KUBE_DRILLS.map((scenario) => ({ scenario, env: kube.env, ports })),
      secrets,
      async readiness(sig) {
        await using _operator = await secretsUnderOperator({ deps, cluster: kube.cluster, signal: sig, log, secret: ctx.secret });
        const { readiness, secrets: read } = await measureSignoff(
          {
            cluster,
            dbUser: kube.stack.db.user,
            configuredNamespace: config.stack.namespace,
            runId: ctx.runId,
            log,
            runLoad: async (s) => {
              const configured = config.load.profiles.signoff;
              const t = config.load.thresholds;
              const profile = signoffProfile(kube.frontDoor.url, {
                ...(configured ? { vus: configured.vus, durationSeconds: configured.durationSeconds } : {}),
                thresholds: { p95Ms: t.p95Ms, p99Ms: t.p99Ms, errorRate: t.errorRate, ...(t.minRps ? { minRps: t.minRps } : {}) },
              });
              log(`sign-off load: ${profile.vus} VUs for ${profile.durationSeconds} s through the front door ${profile.target} (${kube.frontDoor.host} -> ${kube.frontDoor.address}, drill CA trusted)`);
              const k6 = await ensureK6({ signal: s, log });
              const generator = new K6LoadGenerator()
                .withK6(k6.path, k6.version)
                .withOutputDir(join(ctx.outDir, 'k6'))
                .withResolve(kube.frontDoor.host, kube.frontDoor.address)
                .withTrustedCa(kube.frontDoor.caPath);
              const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: ctx.runId, [LABELS.scenario]: 'signoff-load' };
              const load = await generator.start(profile, { labels, signal: s });
              return load.finished({ signal: s });
            },
            collect: async ({ appNamespace, facts, credentialRefs, signal: s }) => {
              // THAT cluster: the environment's kubeconfig and context, never the machine's default one
              const kubeConfig = new KubeConfig();
              kubeConfig.loadFromFile(kube.cluster.kubeconfigPath);
              kubeConfig.setCurrentContext(kube.cluster.context);
              return collectSnapshot({ appNamespace, kubeConfig, facts, credentialRefs, signal: s });
            },
          },
          sig,
        );
        secrets.push(...read);
        return readiness;
      },
      [Symbol.asyncDispose]: () => owned.disposeAsync(),
    };
  },
};
