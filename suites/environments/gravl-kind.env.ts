// The Gravl stack on a kind cluster (built here, nothing pulled), wired to the ports: harness-native kube faults,
// real k6 and the data probe through the backend's NodePort published on 127.0.0.1, and the runbook's kubectl
// operations over the API (server-side apply, one field manager per runbook operation, watches for every wait).
// Everything it creates carries drillbook's labels; the cluster is deleted on dispose unless kept for reuse.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { singleNodeConfig } from '../../clusters/kind/kind-config.ts';
import { deploymentAvailable } from '../../clusters/kube/conditions.ts';
import { KindCluster, type StartedKindCluster } from '../../clusters/kube/kind.provider.ts';
import type { KubeClient } from '../../clusters/kube/kube-client.ts';
import { deployStack } from '../../clusters/stack/deploy-stack.ts';
import { DEFAULT_NAMESPACES, stackOptions, type StackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import { TLS_EDGE, tlsEdge } from '../../clusters/stack/manifests/tls-edge.manifest.ts';
import type { GravlKubeEnv } from '../../scenarios/catalog/gravl-kube.env.ts';
import type { GravlTlsEnv } from '../../scenarios/catalog/gravl-tls.env.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { settle } from '../../scenarios/wait.ts';
import { KubeFaultInjector } from '../../tools/faults/kube.fault.ts';
import { ensureImage } from '../../tools/images/images.ts';
import { cacheDir } from '../../tools/lib/cache.ts';
import { run } from '../../tools/lib/exec.ts';
import { freePort } from '../../tools/lib/free-port.ts';
import type { KindToolchain } from '../../tools/kube/toolchain.ts';
import { makeDrillCerts } from '../../tools/lib/tls-certs.ts';
import { k6OperatorLoad } from './k6-operator.env.ts';
import { kindAlertingEnv } from './kind-alerting.ts';
import { kindDrAlertsEnv } from './kind-dr-alerts.ts';
import type { GravlDrAlertsOps } from '../../scenarios/catalog/gravl-dr-alerts.env.ts';
import { kindBackupEnv } from './kind-backup.ts';
import { jobRunner } from './kind-drill-deps.ts';
import { loggingEnv } from './kind-logging.ts';
import { kindMigrationEnv } from './kind-migration.ts';
import { kindReleaseEnv, RUNBOOK_FIELD_MANAGERS } from './kind-release.ts';
import { deployOnto, drillPorts, handOver, prerequisites, type KindEnvironment, type KindEnvironmentOptions } from './kind-steps.ts';
import { tlsEnv } from './kind-tls.ts';

export { RUNBOOK_FIELD_MANAGERS };

/** The TLS edge's NodePort (published on a free 127.0.0.1 port) and the public name its certificate is for. */
const EDGE_NODE_PORT = 30443;
const PUBLIC_HOST = 'gravl.example.test';

/** The cluster's front door: the TLS edge's NodePort on 127.0.0.1, by its public name, verified with the drill CA. */
export interface FrontDoor {
  /** https://<public host>:<published port> */
  readonly url: string;
  readonly host: string;
  /** Where the public host resolves to (the published port's address). */
  readonly address: string;
  readonly port: number;
  /** PEM of the drill CA that issued the edge's certificate (valid while the environment lives). */
  readonly caPath: string;
}

export type GravlKindEnvironment = KindEnvironment<GravlKubeEnv> & {
  readonly frontDoor: FrontDoor;
  /** The labels of this run (every object the environment's capabilities create carries them). */
  readonly runLabels: Readonly<Record<string, string>>;
  /** The backend's NodePort on loopback (the drills' data probe). */
  readonly backendUrl: string;
};

export interface GravlKindOptions extends KindEnvironmentOptions {
  /** The drills' load: local k6 (default) or k6-operator in the cluster with `parallelism` runners. */
  load?: { engine: 'k6' | 'k6-operator'; parallelism: number };
  /** Deploy Prometheus too (monitoring namespace; scrapes the backends): the sign-off reads its targets. Default false. */
  prometheus?: boolean;
  /** With Prometheus: run the alert rules with every hold capped at this many seconds (the DR alert drills). */
  alertHoldCapSeconds?: number;
  /** The database archives WAL (a volume of its pod), switching segments at least this often (stack option walArchive). */
  walArchive?: { timeoutSeconds: number };
}

interface KeptState {
  readonly dbPassword: string;
  readonly jwtSecret: string;
}

const keptStatePath = (clusterName: string) => cacheDir('kind-clusters', clusterName, 'stack-credentials.json');

function readKeptState(clusterName: string): KeptState | undefined {
  try {
    const state = JSON.parse(readFileSync(keptStatePath(clusterName), 'utf8')) as Partial<KeptState>;
    return typeof state.dbPassword === 'string' && typeof state.jwtSecret === 'string' ? { dbPassword: state.dbPassword, jwtSecret: state.jwtSecret } : undefined;
  } catch {
    return undefined;
  }
}

function writeKeptState(clusterName: string, state: KeptState): void {
  const path = keptStatePath(clusterName);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

/**
 * Step: the one-node cluster with the backend's and the edge's node ports published on 127.0.0.1. A kept cluster is
 * reused when it publishes both and its stack's credentials were kept (its database was initialised with them);
 * otherwise it is deleted and created again. Host ports are read back from Docker, so a reused cluster tells its own.
 */
async function oneNodeCluster(
  owned: AsyncDisposableStack,
  o: { name: string; keep: boolean; credentialsKept: boolean; toolchain: KindToolchain; backendNodePort: number; signal: AbortSignal; log: (line: string) => void },
): Promise<{ cluster: StartedKindCluster; hostPort: number; edgePort: number }> {
  const start = async (reuse: boolean) =>
    new KindCluster(o.name)
      .withKindBinary(o.toolchain.kind)
      .withNodeImage(o.toolchain.nodeImage)
      .withConfig(singleNodeConfig({ ports: [{ containerPort: o.backendNodePort, hostPort: await freePort() }, { containerPort: EDGE_NODE_PORT, hostPort: await freePort() }] }))
      .withReuse(reuse)
      .withKeepOnDispose(o.keep)
      .start({ signal: o.signal });
  const published = async (c: StartedKindCluster) => [await c.hostPort(o.backendNodePort, { signal: o.signal }), await c.hostPort(EDGE_NODE_PORT, { signal: o.signal })] as const;
  let cluster = await start(o.keep);
  let [hostPort, edgePort] = await published(cluster);
  if (cluster.reused && (hostPort === undefined || edgePort === undefined || !o.credentialsKept)) {
    o.log(`kind cluster ${cluster.name} exists but ${o.credentialsKept ? "was made without this stack's port mappings" : 'its stack credentials were not kept'}: deleting it and creating it again`);
    await cluster.delete({ signal: o.signal });
    cluster = await start(false);
    [hostPort, edgePort] = await published(cluster);
  }
  owned.use(cluster);
  if (hostPort === undefined || edgePort === undefined) throw new Error(`kind cluster ${cluster.name}: Docker publishes no host port for node ports ${o.backendNodePort}/${EDGE_NODE_PORT}`);
  o.log(`kind cluster ${cluster.name} ${cluster.reused ? 'reused' : 'created'}, up in ${cluster.startMs} ms; backend on 127.0.0.1:${hostPort}`);
  return { cluster, hostPort, edgePort };
}

/**
 * Step: the TLS edge with a drill CA and certificates made here (keys in a private temp dir, removed on dispose);
 * serving means a verified handshake from outside (a new pod's NetworkPolicy and NodePort rules land a moment after
 * it is Ready).
 */
async function tlsEdgeStep(
  owned: AsyncDisposableStack,
  o: { client: KubeClient; stack: StackOptions; image: string; edgePort: number; signal: AbortSignal; log: (line: string) => void },
): Promise<{ tls: GravlTlsEnv; caPath: string }> {
  const { client, stack, signal } = o;
  const certDir = mkdtempSync(join(tmpdir(), 'drillbook-tls-'));
  owned.defer(() => rmSync(certDir, { recursive: true, force: true }));
  const certs = await makeDrillCerts(certDir, PUBLIC_HOST, signal);
  const started = performance.now();
  await client.apply(tlsEdge(stack, { host: PUBLIC_HOST, cert: readFileSync(certs.current.cert, 'utf8'), key: readFileSync(certs.current.key, 'utf8'), nodePort: EDGE_NODE_PORT, image: o.image }), { signal });
  await client.waitFor(deploymentAvailable(stack.namespaces.app, TLS_EDGE), { timeoutMs: 120_000, signal });
  const tls = tlsEnv({ client, stack, certs, hostPort: o.edgePort, restartManager: RUNBOOK_FIELD_MANAGERS.restart });
  const handshake = await settle({ clock: systemClock, signal }, 60_000, 500, () => tls.tlsHandshake(signal), (h) => h.ok);
  if (!handshake.ok) throw new Error(`the TLS edge is Ready but no handshake with 127.0.0.1:${o.edgePort} verified within 60 s: ${handshake.error}`);
  o.log(`TLS edge ${TLS_EDGE} serving https://${PUBLIC_HOST} on 127.0.0.1:${o.edgePort} in ${Math.round(performance.now() - started)} ms`);
  return { tls, caPath: certs.ca };
}

export async function startGravlKind(options: GravlKindOptions): Promise<GravlKindEnvironment> {
  const { signal, log } = options;
  const { toolchain, k6, images } = await prerequisites(
    {
      postgres: 'postgres',
      backend: 'gravl-backend-v2',
      broken: 'gravl-backend-broken',
      next: 'gravl-backend-v3',
      loki: 'loki',
      logShipper: 'promtail',
      edge: 'gravl-frontend',
      alertmanager: 'alertmanager',
    },
    options,
  );
  // Prometheus only where asked (the sign-off): the drills do not read it, and nightly's budget is minutes
  const prometheusImage = options.prometheus ? await ensureImage('prometheus', { signal, log }) : undefined;
  const replicas = options.backendReplicas ?? 3;
  const clusterName = options.clusterName ?? 'drillbook-drills';
  const keep = options.keep ?? false;
  // A kept cluster is reused by the next run: its database was initialised with the credentials of the run that
  // created it, so they are kept beside its kubeconfig (mode 0600), and its host ports are read back from Docker.
  const kept = keep ? readKeptState(clusterName) : undefined;
  const credentials = kept ?? { dbPassword: randomBytes(24).toString('base64url'), jwtSecret: randomBytes(32).toString('base64url') };
  const stack = stackOptions({
    images: { postgres: images.postgres, backend: images.backend, alertmanager: images.alertmanager, loki: images.loki, logShipper: images.logShipper, ...(prometheusImage ? { prometheus: prometheusImage } : {}) },
    namespaces: { ...DEFAULT_NAMESPACES, app: options.namespace ?? DEFAULT_NAMESPACES.app },
    db: { user: 'gravl_user', password: credentials.dbPassword, name: 'gravl' },
    jwtSecret: credentials.jwtSecret,
    backendReplicas: replicas,
    ...(prometheusImage && options.alertHoldCapSeconds !== undefined ? { alertHoldCapSeconds: options.alertHoldCapSeconds } : {}),
    ...(options.walArchive ? { walArchive: options.walArchive } : {}),
  });
  const ns = stack.namespaces.app;

  await using owned = new AsyncDisposableStack();
  const { cluster, hostPort, edgePort } = await oneNodeCluster(owned, { name: clusterName, keep, credentialsKept: kept !== undefined, toolchain, backendNodePort: stack.backendNodePort, signal, log });
  if (keep && !cluster.reused) writeKeptState(clusterName, credentials);
  const { client, deployTimings } = await deployOnto(cluster, { ...images, ...(prometheusImage ? { prometheus: prometheusImage } : {}) }, (c, onStage) => deployStack(c, stack, { signal, conditionTimeoutMs: 240_000, onStage, onReplace: log }), options);
  const { tls, caPath } = await tlsEdgeStep(owned, { client, stack, image: images.edge, edgePort, signal, log });
  const backendUrl = `http://127.0.0.1:${hostPort}`;
  const runLabels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: options.runId, [LABELS.scenario]: options.suite };
  const deps = { client, stack, runLabels, backendUrl };
  // the capabilities the scenarios ask for (scenarios/catalog/gravl-kube.env.ts), each its own module
  const alerting = kindAlertingEnv(client, stack, runLabels);
  const env: GravlKubeEnv & GravlDrAlertsOps = {
    ...kindReleaseEnv({ ...deps, platform: `kind-${cluster.name}`, replicas, images }),
    ...kindBackupEnv(deps),
    ...kindMigrationEnv({ ...deps, images }),
    ...alerting,
    ...kindDrAlertsEnv(deps, alerting),
    ...loggingEnv({ client, stack, runLabels, runJob: jobRunner(deps) }),
    ...tls,
  };

  const distributed =
    options.load?.engine === 'k6-operator'
      ? owned.use(
          await k6OperatorLoad(cluster, {
            parallelism: options.load.parallelism,
            backend: { harnessUrl: backendUrl, serviceUrl: `http://backend.${ns}.svc:3000`, namespace: ns, port: 3000 },
            labels: runLabels,
            signal,
            log,
          }),
        )
      : undefined;
  const ports = drillPorts({
    cluster,
    k6,
    outDir: options.outDir,
    backendUrl,
    faults: new KubeFaultInjector(client.api, { kubeconfig: cluster.kubeconfigPath, context: cluster.context }, [ns, stack.namespaces.logging]).withNodeExec(async (node, args, o) => {
      // kind's node names are its node containers' names; only this run's cluster's nodes are reachable
      if (!node.startsWith(`${cluster.name}-`)) throw new Error(`node ${node} is not a node of ${cluster.name}`);
      await run('docker', ['exec', node, ...args], { signal: o.signal, timeoutMs: 30_000 });
    }),
    ...(distributed ? { load: distributed.load } : {}),
  });
  const frontDoor: FrontDoor = { url: `https://${PUBLIC_HOST}:${edgePort}`, host: PUBLIC_HOST, address: '127.0.0.1', port: edgePort, caPath };
  return { ...handOver(owned, { env, ports, cluster, client, stack, deployTimings, secrets: [stack.db.password, stack.jwtSecret] }), frontDoor, runLabels, backendUrl };
}
