// A team's stack on a kind cluster, from its description alone (drillbook.yaml's `stack:` with `components`,
// tools/config/stack-description.ts): nothing of the stack is in drillbook's code. The description's local images
// (and its releases) are checked to exist in Docker and loaded into the node, its manifests are applied through the
// API (server-side apply, this run's labels added), the backend Deployment and the database workload are waited for,
// and every name the description gives is checked on the live cluster (validateAgainstCluster) before any fault.
// The drills then run with the description's names: the release operations on its Deployment and container, crashes
// of the pods its workloads select, its app secret deleted and restored from the copy read before the drill, the
// data probe through its own write/read contract, and its own k6 script as the background load. The backend is
// reached on 127.0.0.1 through the API server's service proxy (the loopback relay): no port mapping is needed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { singleNodeConfig } from '../../clusters/kind/kind-config.ts';
import { deploymentAvailable, statefulSetReady } from '../../clusters/kube/conditions.ts';
import { KindCluster } from '../../clusters/kube/kind.provider.ts';
import type { KubeApi, KubeObject } from '../../clusters/kube/kube-api.ts';
import { KubeClient } from '../../clusters/kube/kube-client.ts';
import { startLoopbackRelay } from '../../clusters/kube/loopback-service.relay.ts';
import type { StageTiming } from '../../clusters/stack/deploy-stack.ts';
import { DEFAULT_NAMESPACES, stackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import type { GravlReleaseEnv } from '../../scenarios/catalog/gravl-kube.env.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { DrillbookError, InvalidInputError } from '../../scenarios/errors.ts';
import { LABELS, MANAGED_BY, type Ports } from '../../scenarios/ports.ts';
import { isIdentifierKey } from '../../scenarios/redaction.ts';
import { assertStackOnCluster } from '../../tools/config/stack-cluster-check.ts';
import { fillProbeTemplate, type DescribedStack, type StackRelease } from '../../tools/config/stack-description.ts';
import { KubeFaultInjector, restorable } from '../../tools/faults/kube.fault.ts';
import { imageExists } from '../../tools/images/images.ts';
import { K6LoadGenerator } from '../../tools/k6/k6.driver.ts';
import { run } from '../../tools/lib/exec.ts';
import { ContractHttpProbeTransport } from '../../tools/postgres/http.probe.ts';
import { SteadyWriteProbe } from '../../tools/postgres/sql.probe.ts';
import { kindReleaseEnv, type ReleaseNames } from './kind-release.ts';
import { handOver, prerequisites, type KindEnvironment, type KindEnvironmentOptions } from './kind-steps.ts';

/** The runbook's own re-apply of a lost Secret (ROLLBACK.md Scenario 4), under its own field manager. */
const RESTORE_FIELD_MANAGER = 'drillbook-runbook-restore';
/** The run id the steady state's business read lists (the probe's read with a run no write uses). */
const STEADY_STATE_READER = 'drillbook-steady-state';

export type DescribedKindEnvironment = KindEnvironment<GravlReleaseEnv> & {
  readonly backendUrl: string;
  readonly runLabels: Readonly<Record<string, string>>;
  /** Why a scenario cannot run on this environment although the description has what it needs (undefined: it runs). */
  skip(scenarioId: string): string | undefined;
};

export interface DescribedKindOptions extends KindEnvironmentOptions {
  readonly description: DescribedStack;
  /** Registers a secret value with the run's redactor as soon as it is read. */
  readonly secret: (value: string) => void;
  /** Where `docker image inspect` is asked (tests give a fake). */
  readonly imageExists?: (tag: string, signal: AbortSignal) => Promise<boolean>;
}

/** The drills this environment runs; the others are skipped with the reason (never left out). */
const OFFERED = new Set(['backend-crash', 'database-crash', 'bad-release-rollback', 'secret-missing']);

/** Why a scenario is not offered on a described kind stack yet (undefined: it runs). */
export function describedKindSkip(scenarioId: string): string | undefined {
  if (OFFERED.has(scenarioId)) return undefined;
  return `not yet offered on a described stack: drillbook drills ${[...OFFERED].join(', ')} from a description today; ${scenarioId} still needs drillbook's own reference stack (issue #16)`;
}

/** A release as a local image tag; a release to build is refused for now. */
function releaseTag(field: string, r: StackRelease | undefined): string | undefined {
  if (r === undefined) return undefined;
  if (typeof r === 'string') return r;
  throw new InvalidInputError(field, [`{ tag: ${r.tag}, build: ... }: building a release from the description is not yet supported on kind`], {
    hint: `build it yourself (docker build -t ${r.tag} ${r.build.context}) and give the tag: ${field}: ${r.tag}; nothing was started`,
  });
}

/**
 * Problems of the description for the described kind environment, one line each, before anything is created: what
 * is not supported yet (Helm, releases to build), what it needs (deploy, probe, k6 script).
 */
export function describedKindProblems(config: { cluster: { provider: string; name: string }; stack: DescribedStack }): string[] {
  const p: string[] = [];
  const { stack } = config;
  if (!config.cluster.name.startsWith('drillbook-')) p.push(`cluster.name (got '${config.cluster.name}'): a kind cluster drillbook creates is named drillbook-<something>`);
  if (!stack.deploy) p.push('stack.deploy: required on provider kind (manifests: [files or folders], and the local images to load)');
  else if (stack.deploy.helm) p.push(`stack.deploy.helm: not yet supported on kind; render it (helm template ${stack.deploy.helm.release} ${stack.deploy.helm.chart} > k8s/stack.yaml) and give stack.deploy.manifests: [k8s/]`);
  for (const which of ['previous', 'next', 'broken'] as const) {
    const r = stack.releases?.[which];
    if (r !== undefined && typeof r !== 'string') p.push(`stack.releases.${which}: building a release ({ tag, build }) is not yet supported on kind; build it and give its tag (${r.tag})`);
  }
  return p;
}

/** The local images the environment loads: deploy.images and every release given as a tag, each once. */
export function imagesToLoad(stack: DescribedStack): string[] {
  const releases = (['previous', 'next', 'broken'] as const).map((w) => releaseTag(`stack.releases.${w}`, stack.releases?.[w]));
  return [...new Set([...(stack.deploy?.images ?? []), ...releases.filter((t): t is string => t !== undefined)])];
}

/** Refuses, naming each one and how to build it, images that are not in local Docker (nothing is pulled). */
export async function assertImagesLocal(images: readonly string[], exists: (tag: string, signal: AbortSignal) => Promise<boolean>, signal: AbortSignal): Promise<void> {
  const missing: string[] = [];
  for (const image of images) if (!(await exists(image, signal))) missing.push(image);
  if (missing.length) {
    throw new InvalidInputError(
      'stack.deploy.images / stack.releases',
      missing.map((m) => `${m}: no such image in local Docker (drillbook loads local images into kind and pulls nothing)`),
      { hint: `build ${missing.length === 1 ? 'it' : 'them'} first (docker build -t <tag> ..., or for drillbook's examples: npm run images -- <catalogue names>, e.g. ledger-v1 ledger-broken postgres); nothing was started` },
    );
  }
}

/** The manifests' objects in order: each file as given, a folder's .yaml/.yml/.json files by name. */
export function readManifests(paths: readonly string[]): KubeObject[] {
  const files = paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => ['.yaml', '.yml', '.json'].includes(extname(f).toLowerCase()))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
  return files.flatMap((file) => parseManifests(readFileSync(file, 'utf8'), `manifest ${file}`));
}

/** The objects of a multi-document YAML text (a manifest file, or what `kubectl kustomize` printed). */
export function parseManifests(text: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new InvalidInputError(source, doc.errors.map((e) => e.message), { hint: 'fix the YAML; nothing was applied' });
    const object = doc.toJS() as KubeObject | null;
    if (object === null) continue;
    if (!object.apiVersion || !object.kind || !object.metadata?.name) throw new InvalidInputError(source, [`a document without apiVersion, kind or metadata.name: ${JSON.stringify(object).slice(0, 120)}`]);
    objects.push(object);
  }
  return objects;
}

/**
 * A kustomize folder's objects, rendered by the kubectl of the cluster's release (`kubectl kustomize`, the same
 * kustomize `kubectl apply -k` runs): nothing is applied by kubectl, the harness applies them with its labels.
 */
export async function renderKustomize(kubectl: string, folder: string, signal?: AbortSignal): Promise<KubeObject[]> {
  const { stdout } = await run(kubectl, ['kustomize', folder], { ...(signal ? { signal } : {}), timeoutMs: 60_000, hint: `kubectl kustomize ${folder} fails the same way: fix the kustomization; nothing was applied` });
  return parseManifests(stdout, `kubectl kustomize ${folder}`);
}

/** A workload's pod selector as a label selector string (its spec.selector.matchLabels). */
export function podSelector(workload: KubeObject): string {
  const match = (workload.spec as { selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } } | undefined)?.selector;
  const labels = Object.entries(match?.matchLabels ?? {});
  if (labels.length === 0 || match?.matchExpressions?.length) {
    throw new DrillbookError(`${workload.kind} ${workload.metadata.namespace}/${workload.metadata.name}: its spec.selector has no matchLabels (or uses matchExpressions) drillbook can select its pods with`);
  }
  return labels.map(([k, v]) => `${k}=${v}`).join(',');
}

/** The Service that sends traffic to the backend's pods on its port (a Service the description does not name). */
export function backendService(services: readonly KubeObject[], podLabels: Readonly<Record<string, string>>, containerPort: number, portNames: readonly string[]): { name: string; port: number } | undefined {
  for (const s of services) {
    const spec = s.spec as { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] } | undefined;
    const selector = Object.entries(spec?.selector ?? {});
    if (selector.length === 0 || !selector.every(([k, v]) => podLabels[k] === v)) continue;
    const port = spec?.ports?.find((p) => (p.targetPort === undefined ? p.port === containerPort : p.targetPort === containerPort || portNames.includes(String(p.targetPort))));
    if (port) return { name: s.metadata.name, port: port.port };
  }
  return undefined;
}

export async function startDescribedKind(o: DescribedKindOptions): Promise<DescribedKindEnvironment> {
  const { signal, log, description: d } = o;
  const ns = d.namespace;
  const b = d.components.backend;
  const db = d.components.database;
  if ((b.namespace ?? ns) !== ns || (db.namespace ?? ns) !== ns) {
    throw new InvalidInputError('stack.components', ['the backend and the database in another namespace than stack.namespace: not yet supported on kind'], { hint: 'nothing was started' });
  }
  const clusterName = o.clusterName ?? 'drillbook-described';
  const problems = describedKindProblems({ cluster: { provider: 'kind', name: clusterName }, stack: d });
  if (problems.length) throw new InvalidInputError('the stack description for a kind cluster', problems, { hint: 'nothing was started' });
  // bad input first: every image the run loads must be local, before the cluster is made
  const images = imagesToLoad(d);
  await assertImagesLocal(images, o.imageExists ?? ((tag, sig) => imageExists(tag, { signal: sig })), signal);
  const { toolchain, k6 } = await prerequisites({}, o);
  const keep = o.keep ?? false;

  await using owned = new AsyncDisposableStack();
  const cluster = owned.use(
    await new KindCluster(clusterName).withKindBinary(toolchain.kind).withNodeImage(toolchain.nodeImage).withConfig(singleNodeConfig()).withReuse(keep).withKeepOnDispose(keep).start({ signal }),
  );
  log(`kind cluster ${cluster.name} ${cluster.reused ? 'reused' : 'created'}, up in ${cluster.startMs} ms`);
  let started = performance.now();
  await cluster.loadImages(images, { signal });
  log(`images loaded into every node of ${cluster.name} in ${Math.round(performance.now() - started)} ms: ${images.join(', ')}`);

  const runLabels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: o.runId, [LABELS.scenario]: o.suite };
  const api: KubeApi = cluster.client().api;
  const client = new KubeClient(api, { labels: runLabels });
  started = performance.now();
  const source = d.deploy!.kustomize ? `kustomize ${d.deploy!.kustomize}` : d.deploy!.manifests!.join(', ');
  const objects = d.deploy!.kustomize ? await renderKustomize(toolchain.kubectl, d.deploy!.kustomize, signal) : readManifests(d.deploy!.manifests!);
  await client.apply(objects, { signal });
  await client.waitFor(deploymentAvailable(ns, b.deployment), { timeoutMs: 240_000, signal, hint: `kubectl -n ${ns} describe deployment ${b.deployment}` });
  await client.waitFor(db.kind === 'StatefulSet' ? statefulSetReady(ns, db.name) : deploymentAvailable(ns, db.name), { timeoutMs: 240_000, signal });
  const deployTimings: StageTiming[] = [{ stage: 'described', applied: objects.length, waitedFor: [`Deployment ${b.deployment}`, `${db.kind} ${db.name}`], ms: Math.round(performance.now() - started) }];
  log(`stack applied (${objects.length} objects from ${source}), ${b.deployment} and ${db.name} ready in ${deployTimings[0]!.ms} ms`);

  // every name of the description, on the live cluster, before any fault
  await assertStackOnCluster(d, client, `kind cluster ${cluster.name}`, { signal });

  const read = async (apiVersion: string, kind: string, name: string) => (await api.read({ apiVersion, kind, namespace: ns, name }, { signal }))!;
  const deployment = await read('apps/v1', 'Deployment', b.deployment);
  const database = await read('apps/v1', db.kind, db.name);
  const template = (deployment.spec as { replicas?: number; template: { metadata?: { labels?: Record<string, string> }; spec: { containers: { name: string; image: string; ports?: { containerPort: number; name?: string }[] }[] } } }).template;
  const container = template.spec.containers.find((c) => c.name === b.container)!;
  const replicas = (deployment.spec as { replicas?: number }).replicas ?? 1;
  const decoded = (secret: KubeObject | undefined) => Object.fromEntries(Object.entries((secret as { data?: Record<string, string> } | undefined)?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  const credentials = decoded(await read('v1', 'Secret', db.credentials.secret));
  const appSecret = b.appSecret ? await read('v1', 'Secret', b.appSecret) : undefined;
  // every value of those Secrets goes to the redactor as soon as it is read, except the database user's name: it is
  // an identifier (often the stack's own name, 'ledger'), and redacting it would blank every object name in the logs
  const user = credentials[db.credentials.userKey];
  const secretValues = [...new Set([...Object.entries(credentials), ...Object.entries(decoded(appSecret))].filter(([k]) => !isIdentifierKey(k)).map(([, v]) => v))].filter((v) => v.length >= 4 && v !== user);
  for (const v of secretValues) o.secret(v);
  const savedAppSecret = appSecret ? restorable(appSecret) : undefined;

  const portNames = (container.ports ?? []).filter((p) => p.containerPort === b.port && p.name).map((p) => p.name!);
  const services = (await api.list({ apiVersion: 'v1', kind: 'Service', namespace: ns }, {}, { signal })).items;
  const service = backendService(services, template.metadata?.labels ?? {}, b.port, portNames);
  if (!service) throw new DrillbookError(`no Service in ${ns} sends traffic to the pods of Deployment ${b.deployment} on port ${b.port}`, { hint: `add a Service selecting them to ${source}` });
  const relay = owned.use(await startLoopbackRelay(api, { namespace: ns, name: service.name, port: service.port }));
  log(`backend ${b.deployment} (${container.image} x${replicas}) reached on ${relay.url} through Service ${service.name}:${service.port} and the API server's service proxy`);

  const names: ReleaseNames = { deployment: b.deployment, container: b.container, backendSelector: podSelector(deployment), databaseSelector: podSelector(database), appSecret: b.appSecret ?? '' };
  const stack = stackOptions({
    images: { postgres: '', backend: container.image },
    namespaces: { ...DEFAULT_NAMESPACES, app: ns },
    db: { user: '', password: '', name: db.credentials.database },
    jwtSecret: '',
    backendReplicas: replicas,
  });
  const businessReadPath = d.probe ? fillProbeTemplate(d.probe.read.path, { runId: STEADY_STATE_READER }, encodeURIComponent) : b.readinessPath;
  const release = kindReleaseEnv({
    client,
    stack,
    runLabels,
    backendUrl: relay.url,
    platform: `kind-${cluster.name}`,
    replicas,
    images: { backend: releaseTag('stack.releases.previous', d.releases?.previous) ?? container.image, broken: releaseTag('stack.releases.broken', d.releases?.broken) ?? '' },
    names,
    paths: { readinessPath: b.readinessPath, businessReadPath },
  });
  const env: GravlReleaseEnv = {
    ...release,
    restoreAppSecret: async (sig) => {
      if (!savedAppSecret) throw new DrillbookError('the stack describes no app secret (stack.components.backend.appSecret)');
      await api.apply(savedAppSecret, RESTORE_FIELD_MANAGER, { signal: sig });
      return `re-applied Secret ${ns}/${b.appSecret} from the copy read before the drill`;
    },
  };

  const k6Load = new K6LoadGenerator().withK6(k6.path, k6.version).withOutputDir(join(o.outDir, 'k6'));
  // the scenarios ask for their 'background' load: on a described stack it is the team's own script
  if (d.load) k6Load.withScript('background', d.load.script);
  const ports: Ports = {
    clock: systemClock,
    faults: new KubeFaultInjector(api, { kubeconfig: cluster.kubeconfigPath, context: cluster.context }, [ns]).withUnlabelledObjectsIn([ns]).withNodeExec(async (node, args, x) => {
      if (!node.startsWith(`${cluster.name}-`)) throw new Error(`node ${node} is not a node of ${cluster.name}`);
      await run('docker', ['exec', node, ...args], { signal: x.signal, timeoutMs: 30_000 });
    }),
    load: k6Load,
    ...(d.probe ? { data: new SteadyWriteProbe(new ContractHttpProbeTransport(relay.url, d.probe), { intervalMs: 50 }) } : {}),
    cluster,
  };
  return {
    ...handOver(owned, { env, ports, cluster, client, stack, deployTimings, secrets: secretValues }),
    backendUrl: relay.url,
    runLabels,
    skip: describedKindSkip,
  };
}
