// The Gravl stack on a cluster drillbook did not create (`cluster.provider: existing`): a staging cluster someone
// else deployed. Nothing is deployed and no image is loaded. The safety gate comes first: the configured namespace
// must be allowed for this context in `allowDestructive.contexts` (checked before the kubeconfig is even read); then
// the stack is found where the config says (its backend Deployment and Service, its database pods, its Secrets, whose
// values are registered with the redactor at once), and the backend is reached on 127.0.0.1 through the API
// server's service proxy (clusters/kube/loopback-service.relay.ts), nothing published. The kube faults may break the
// stack's unlabelled objects in that namespace only; each still goes through the ledger so `drillbook gc` reverts it.
// The drills that need something only drillbook's own kind environment has are skipped with the reason.
import { restorable } from '../../tools/faults/kube.fault.ts';
import { ClientNodeKubeApi, loadKubeConfig } from '../../clusters/kube/client-node.kube-api.ts';
import { describeRef, type KubeApi, type KubeObject, type ObjectRef } from '../../clusters/kube/kube-api.ts';
import { KubeClient } from '../../clusters/kube/kube-client.ts';
import { startLoopbackRelay } from '../../clusters/kube/loopback-service.relay.ts';
import { COMPONENT, DEFAULT_NAMESPACES, stackOptions, type StackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import type { GravlReleaseEnv } from '../../scenarios/catalog/gravl-kube.env.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { DrillbookError } from '../../scenarios/errors.ts';
import { isIdentifierKey } from '../../scenarios/redaction.ts';
import { LABELS, MANAGED_BY, type ClusterTarget, type Ports } from '../../scenarios/ports.ts';
import { assertNamespacesAllowed, namespacesRefusal, type DestructivePolicy } from '../../scenarios/safety.ts';
import { KubeFaultInjector, type NodeExec } from '../../tools/faults/kube.fault.ts';
import { K6LoadGenerator } from '../../tools/k6/k6.driver.ts';
import { ensureK6 } from '../../tools/k6/k6.installer.ts';
import { run, tryRun } from '../../tools/lib/exec.ts';
import { HttpProbeTransport } from '../../tools/postgres/http.probe.ts';
import { SteadyWriteProbe } from '../../tools/postgres/sql.probe.ts';
import { kindReleaseEnv } from './kind-release.ts';
import { existingK6OperatorLoad } from './k6-operator.env.ts';
import type { PreparedSuite, SuiteContext, SuiteItem } from '../suite.ts';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The reference stack's names, where the existing environment looks for the deployed stack. */
const BACKEND = { deployment: 'backend', container: 'backend', service: 'backend' } as const;
const SECRETS = { database: 'postgres-secret', app: 'app-secret' } as const;
/** The runbook's own re-apply of a lost Secret (ROLLBACK.md Scenario 4), under its own field manager. */
const RESTORE_FIELD_MANAGER = 'drillbook-runbook-restore';

/** What the existing environment can do on this cluster; decides which drills are skipped. */
export interface ExistingCapabilities {
  /** The nodes can be reached to SIGKILL containers (kind node containers on this machine's Docker). */
  readonly nodeAccess: boolean;
}

/**
 * Why a drill of kube-drills/nightly cannot run on a stack drillbook did not deploy; undefined when it can. Every id
 * of those suites is answered: a drill is either run or reported as skipped with this reason, never left out.
 */
export function existingClusterSkip(scenarioId: string, can: ExistingCapabilities): string | undefined {
  const notDeployed = 'on a cluster drillbook did not create it deploys nothing and loads no images';
  switch (scenarioId) {
    case 'backend-crash':
    case 'database-crash':
      return can.nodeAccess
        ? undefined
        : `SIGKILLs containers from their node (container-kill) and this cluster's nodes are not kind node containers on this machine's Docker: drillbook has no node access to a cluster it does not own`;
    case 'secret-missing':
      return undefined;
    case 'bad-release-rollback':
      return `needs a broken release of the backend on the nodes (drillbook builds gravl-backend-broken and loads it into the kind clusters it creates); ${notDeployed}`;
    case 'tls-certificate-expired':
      return `needs the TLS edge drillbook deploys with its own drill CA; ${notDeployed}`;
    case 'backup-job-missing':
      return `restores the backup into a scratch PostgreSQL Job defined by drillbook's reference stack and compares it with that stack's tables; ${notDeployed}`;
    case 'migration-failed':
    case 'full-rollback':
      return `needs the next release (gravl-backend-v3) and its migration Job on the nodes; ${notDeployed}`;
    case 'loki-storage-local-path':
    case 'loki-storage-emptydir':
      return `breaks the Loki StatefulSet drillbook deploys in its logging namespace; ${notDeployed}`;
    case 'alert-receivers':
      return `needs the alert webhook drillbook deploys into the monitoring namespace; ${notDeployed}`;
    default:
      return `not offered on an existing cluster: nothing tells which of the stack's objects it needs`;
  }
}

/** The existing environment for a suite: its drills, each run or skipped with the reason (never left out). */
export async function prepareExisting(ctx: SuiteContext, suite: string, drills: readonly SuiteItem['scenario'][]): Promise<PreparedSuite> {
  const { config } = ctx;
  const existing = await startExistingGravl({
    runId: ctx.runId,
    suite,
    outDir: ctx.outDir,
    signal: ctx.signal,
    log: ctx.log,
    secret: ctx.secret,
    context: config.cluster.context!,
    ...(config.cluster.kubeconfig ? { kubeconfig: config.cluster.kubeconfig } : {}),
    namespace: config.stack.namespace,
    policy: config.allowDestructive,
    ...(config.load.engine === 'k6-operator' && config.load.k6Operator
      ? { k6Operator: { namespace: config.load.k6Operator.namespace ?? config.stack.namespace, runnerImage: config.load.k6Operator.runnerImage, parallelism: config.load.parallelism } }
      : {}),
  });
  return {
    items: drills.map((scenario) => {
      const skip = existing.skip(scenario.id);
      return { scenario, env: existing.env, ports: existing.ports, ...(skip !== undefined ? { skip } : {}) };
    }),
    secrets: existing.secrets,
    [Symbol.asyncDispose]: () => existing[Symbol.asyncDispose](),
  };
}

/** A suite's config check for provider 'existing': the namespace allow-list (and what the environment supports), before anything is created. */
export function existingClusterProblems(config: {
  cluster: { provider: string; context?: string | undefined };
  stack: { namespace: string };
  allowDestructive: DestructivePolicy;
  load: { engine: string; k6Operator?: { namespace?: string | undefined; runnerImage: string } | undefined };
}): string[] {
  if (config.cluster.provider !== 'existing') return [];
  const context = config.cluster.context;
  if (!context) return []; // the config itself already says cluster.context is required
  const problems: string[] = [];
  const operator = config.load.engine === 'k6-operator' ? config.load.k6Operator : undefined;
  if (config.load.engine === 'k6-operator' && !operator) {
    problems.push(
      "load.k6Operator: required with load.engine 'k6-operator' on an existing cluster (drillbook installs nothing there: it uses the cluster's own k6-operator); give runnerImage (drillbook's k6-runner image, `npm run images -- k6-runner`, pushed where the nodes pull from) and namespace (one the operator watches; default stack.namespace)",
    );
  }
  // the TestRuns' namespace must be allowed too: nothing outside the allowed namespaces is touched
  const namespaces = touchedNamespaces(config.stack.namespace, operator?.namespace);
  const refusal = namespacesRefusal(context, namespaces, config.allowDestructive);
  if (refusal) problems.push(`${refusal.message}\n    ${refusal.hint.replace(/\n/g, '\n    ')}`);
  return problems;
}

/** How the environment reaches the cluster; the real one reads the kubeconfig, tests give a fake API. */
export type Connect = (o: { context: string; kubeconfig: string; signal: AbortSignal }) => Promise<{ api: KubeApi; nodeExec?: NodeExec }>;

export interface ExistingGravlOptions {
  runId: string;
  suite: string;
  outDir: string;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Registers a secret value with the run's redactor as soon as it is read. */
  secret: (value: string) => void;
  context: string;
  /** Default: $KUBECONFIG's first file, else ~/.kube/config. */
  kubeconfig?: string;
  namespace: string;
  policy: DestructivePolicy;
  /** Default: the kubeconfig's context through @kubernetes/client-node, node access when its nodes are kind containers. */
  connect?: Connect;
  /** Default: local k6 (installed when missing). */
  ports?: { load?: Ports['load'] };
  /**
   * The load through the k6-operator the cluster already runs: TestRuns in `namespace` (allowed for the context,
   * watched by the operator), runners of `runnerImage` loading the backend's Service from inside the cluster.
   */
  k6Operator?: { namespace: string; runnerImage: string; parallelism: number };
}

export interface ExistingGravlEnvironment extends AsyncDisposable {
  readonly env: GravlReleaseEnv;
  readonly ports: Ports;
  readonly target: ClusterTarget;
  readonly capabilities: ExistingCapabilities;
  readonly secrets: readonly string[];
  /** Why a scenario is skipped here (undefined: it runs). */
  skip(scenarioId: string): string | undefined;
}

/** The namespaces a run on an existing cluster touches: the stack's, and the one its k6-operator TestRuns go to. */
export function touchedNamespaces(stackNamespace: string, loadNamespace?: string): string[] {
  return [...new Set([stackNamespace, ...(loadNamespace ? [loadNamespace] : [])])];
}

export async function startExistingGravl(o: ExistingGravlOptions): Promise<ExistingGravlEnvironment> {
  // The gate, before the kubeconfig is read or any call is made: without the allow-list nothing is touched.
  assertNamespacesAllowed(o.context, touchedNamespaces(o.namespace, o.k6Operator?.namespace), o.policy);
  const { signal, namespace: ns } = o;
  const kubeconfig = o.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.kube', 'config');
  const { api, nodeExec } = await (o.connect ?? connectKubeconfig)({ context: o.context, kubeconfig, signal });

  // Find the stack (reads only). A missing part is named with what exists instead.
  const backend = await required(api, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: BACKEND.deployment }, signal);
  const container = (backend.spec as { template?: { spec?: { containers?: { name: string; image?: string }[] } } } | undefined)?.template?.spec?.containers?.find((c) => c.name === BACKEND.container);
  if (!container?.image) throw new DrillbookError(`Deployment ${ns}/${BACKEND.deployment} has no container '${BACKEND.container}'`, { hint: 'the existing environment drills the reference Gravl stack layout (clusters/stack/manifests)' });
  const replicas = (backend.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const service = await required(api, { apiVersion: 'v1', kind: 'Service', namespace: ns, name: BACKEND.service }, signal);
  const port = (service.spec as { ports?: { port: number }[] } | undefined)?.ports?.[0]?.port;
  if (port === undefined) throw new DrillbookError(`Service ${ns}/${BACKEND.service} has no port`);
  const dbSecret = await required(api, { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: SECRETS.database }, signal);
  const appSecret = await required(api, { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: SECRETS.app }, signal);
  const db = decoded(dbSecret);
  const jwtSecret = decoded(appSecret).JWT_SECRET ?? '';
  const password = db['db-password'] ?? db.POSTGRES_PASSWORD ?? '';
  // every value of those Secrets goes to the redactor as soon as it is read, except identifiers (the database's user
  // and name: often the stack's own name, whose redaction would blank object names and run ids in the evidence)
  const values = (data: Record<string, string>) => Object.entries(data).filter(([k]) => !isIdentifierKey(k)).map(([, v]) => v);
  for (const value of [password, jwtSecret, ...values(db), ...values(decoded(appSecret))]) if (value.length >= 4) o.secret(value);
  const databasePods = (await api.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: `${COMPONENT}=database` }, { signal })).items;
  if (databasePods.length === 0) throw new DrillbookError(`no database pod in ${ns} (label ${COMPONENT}=database)`, { hint: `is the stack deployed in ${ns}? kubectl -n ${ns} get pods --show-labels` });
  const savedAppSecret = restorable(appSecret);

  const runLabels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: o.runId, [LABELS.scenario]: o.suite };
  const client = new KubeClient(api, { labels: runLabels });
  await using owned = new AsyncDisposableStack();
  const relay = owned.use(await startLoopbackRelay(api, { namespace: ns, name: BACKEND.service, port }));
  o.log(`existing stack in ${o.context}/${ns}: backend ${container.image} x${replicas}; reached on ${relay.url} through the API server's service proxy`);
  const stack: StackOptions = stackOptions({
    images: { postgres: '', backend: container.image },
    namespaces: { ...DEFAULT_NAMESPACES, app: ns },
    db: { user: db['db-user'] ?? db.POSTGRES_USER ?? '', password, name: db.POSTGRES_DB ?? '' },
    jwtSecret,
    backendReplicas: replicas,
  });
  const release = kindReleaseEnv({ client, stack, runLabels, backendUrl: relay.url, platform: o.context, replicas, images: { backend: container.image, broken: '' } });
  const unavailable = (what: string) => () => {
    throw new DrillbookError(`${what} is not available on an existing cluster`, { hint: existingClusterSkip('bad-release-rollback', { nodeAccess: false }) });
  };
  const env: GravlReleaseEnv = {
    ...release,
    badRelease: unavailable('a broken release of the backend'),
    // the Secret as it was when the run started, re-applied as it was (its own labels, none of drillbook's)
    restoreAppSecret: async (sig) => {
      await api.apply(savedAppSecret, RESTORE_FIELD_MANAGER, { signal: sig });
      return `re-applied Secret ${ns}/${SECRETS.app} from the copy read before the drill (its source of truth is the team's, not drillbook's)`;
    },
  };
  const target: ClusterTarget = { name: o.context, context: o.context, provider: 'existing', createdByDrillbook: false, namespaces: touchedNamespaces(ns, o.k6Operator?.namespace) };
  const faults = new KubeFaultInjector(api, { kubeconfig, context: o.context }, [ns]).withUnlabelledObjectsIn([ns]);
  if (nodeExec) faults.withNodeExec(nodeExec);
  const capabilities: ExistingCapabilities = { nodeAccess: nodeExec !== undefined };
  const ports: Ports = {
    clock: systemClock,
    faults,
    load: o.ports?.load ?? (o.k6Operator ? operatorLoad(o.k6Operator, { kubeconfig, context: o.context, backendNamespace: ns, port, harnessUrl: relay.url }) : await localK6(o)),
    data: new SteadyWriteProbe(new HttpProbeTransport(relay.url), { intervalMs: 50 }),
    cluster: target,
  };
  const moved = owned.move();
  return {
    env,
    ports,
    target,
    capabilities,
    secrets: [password, jwtSecret].filter((s) => s.length > 0),
    skip: (id) => existingClusterSkip(id, capabilities),
    [Symbol.asyncDispose]: () => moved.disposeAsync(),
  };
}

async function localK6(o: Pick<ExistingGravlOptions, 'signal' | 'log' | 'outDir'>): Promise<Ports['load']> {
  const k6 = await ensureK6({ signal: o.signal, log: o.log });
  return new K6LoadGenerator().withK6(k6.path, k6.version).withOutputDir(join(o.outDir, 'k6'));
}

/**
 * The cluster's own k6-operator: the runners load the backend's Service by its cluster name (the harness's loopback
 * relay URL is rewritten to it), the only host they may target; start() refuses a missing CRD, an image the nodes
 * cannot pull and more runners than the nodes can take, before any load.
 */
function operatorLoad(
  k: NonNullable<ExistingGravlOptions['k6Operator']>,
  at: { kubeconfig: string; context: string; backendNamespace: string; port: number; harnessUrl: string },
): Ports['load'] {
  const host = `${BACKEND.service}.${at.backendNamespace}.svc`;
  return existingK6OperatorLoad({ kubeconfig: at.kubeconfig, context: at.context, namespace: k.namespace, runnerImage: k.runnerImage, parallelism: k.parallelism, allowedHosts: [host] }).withTargetRewrite(
    at.harnessUrl,
    `http://${host}:${at.port}`,
  );
}

async function required(api: KubeApi, ref: ObjectRef, signal: AbortSignal): Promise<KubeObject> {
  const object = await api.read(ref, { signal });
  if (object) return object;
  const others = (await api.list({ apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace }, {}, { signal })).items.map((x) => x.metadata.name);
  throw new DrillbookError(`${describeRef(ref)} does not exist; the existing stack has ${others.length ? `${ref.kind}s: ${others.join(', ')}` : `no ${ref.kind} in ${ref.namespace}`}`, {
    hint: `is the stack deployed in namespace ${ref.namespace} of this context? (stack.namespace in drillbook.yaml); nothing was touched`,
  });
}

function decoded(secret: KubeObject): Record<string, string> {
  const data = (secret as { data?: Record<string, string> }).data ?? {};
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

/**
 * The kubeconfig's context; node access only when every node is a container of a kind cluster of that name on this
 * machine's Docker (then container-kill runs `docker exec <node> ctr ...`, limited to those nodes).
 */
const connectKubeconfig: Connect = async ({ context, kubeconfig, signal }) => {
  const api = new ClientNodeKubeApi(loadKubeConfig(kubeconfig, context));
  const kindName = context.startsWith('kind-') ? context.slice('kind-'.length) : undefined;
  if (!kindName) return { api };
  const nodes = (await api.list({ apiVersion: 'v1', kind: 'Node' }, {}, { signal })).items.map((n) => n.metadata.name);
  const labels = await Promise.all(nodes.map((n) => tryRun('docker', ['inspect', '--format', '{{index .Config.Labels "io.x-k8s.kind.cluster"}}', n], { signal, timeoutMs: 20_000 })));
  if (nodes.length === 0 || labels.some((l) => l instanceof Error || l.stdout.trim() !== kindName)) return { api };
  const known = new Set(nodes);
  const nodeExec: NodeExec = async (node, args, opts) => {
    if (!known.has(node)) throw new Error(`node ${node} is not a node of kind cluster ${kindName}`);
    await run('docker', ['exec', node, ...args], { signal: opts.signal, timeoutMs: 30_000 });
  };
  return { api, nodeExec };
};
