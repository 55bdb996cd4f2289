// The LoadGenerator port over k6-operator: a profile runs as a `TestRun` (k6.io/v1alpha1) in a namespace the run
// created or was allowed, split over `parallelism` runners (k6 execution segments), and comes back as ONE
// LoadResult computed from every runner's raw samples (k6-operator.merge.ts). The runners judge nothing.
//
//   const load = new K6OperatorLoadGenerator(api, logs, { namespace: 'drillbook-load', runnerImage, parallelism: 2 })
//     .withAllowedHosts(['gravl-backend.gravl-staging.svc']);
//   await using running = await load.start(profile, { labels });   // returns once every runner is started
//   const result = await running.stop();                           // stops early, collects, merges
//
// Why the samples come back through the runner pods' logs: the runners are Jobs whose pods end with k6, so a file
// in the pod is gone unless a volume outlives it (a PVC per run, storage classes differ per cluster); a sidecar
// or push target would be one more thing to install in the user's cluster. The k6-runner image's wrapper prints
// the samples (two metrics, three columns, gzipped: ~9 bytes a request in base64), framed with their size and
// sha256, so a log the kubelet rotated or cut is detected and makes the run inconclusive, not wrong. The TestRun
// is created without `cleanup: post` for the same reason: the operator would delete the pods, and their logs,
// before the harness read them; the harness deletes the TestRun itself once collected (dispose).
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { systemClock } from '../../scenarios/clock.ts';
import { DrillbookError, InvalidInputError, ToolFailedError, throwIfAborted } from '../../scenarios/errors.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import type { CallOptions, Clock, Labels, LoadGenerator, LoadProfile, RunningLoad } from '../../scenarios/ports.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import type { KubeApi, KubeObject } from '../../clusters/kube/kube-api.ts';
import { thresholdEnv } from './k6-results.ts';
import { BUILTIN_SCRIPTS, isLoopbackHost, LOAD_SCRIPTS_DIR } from './k6.driver.ts';
import { IncompleteLoadError, mergeRunners, type MergedLoadResult, type RunnerReport } from './k6-operator.merge.ts';
import { fitRunners, imageOnNodes, type ResourceRequest } from './k6-operator.capacity.ts';

export const TESTRUN = { apiVersion: 'k6.io/v1alpha1', kind: 'TestRun' } as const;
const FIELD_MANAGER = 'drillbook';
const RUNNER_PORT = 6565;
/** k6 waits this long for in-flight iterations at the end (suites/load/common.k6.ts GRACEFUL_STOP). */
const GRACEFUL_STOP_MS = 3_000;
/** Initializer (k6 archive + inspect), runner pods scheduled and started, on a busy kind node. */
const DEFAULT_READY_TIMEOUT_MS = 180_000;
/** After the bounded end: k6 writes its outputs, the wrapper prints them, pods terminate. */
const TEARDOWN_MARGIN_MS = 120_000;
/** The runner pods' grace period (30 s) and a busy API server: how long cleanup waits for the TestRun's pods to go. */
const CLEANUP_TIMEOUT_MS = 120_000;
/** Reasons a pod will not start by waiting: fail at once, before any load. */
const STUCK_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'Unschedulable']);

/** Reads a container's log (the collection port: client-node in k6-operator.kube.ts, recorded logs in tests). */
export interface PodLogs {
  read(namespace: string, pod: string, container: string, options?: CallOptions): Promise<string>;
}

export interface K6OperatorSettings {
  /** Where TestRuns go: a namespace the run created, or one allowed for this context. */
  readonly namespace: string;
  /** drillbook's k6-runner image (runners, initializer and starter all use it). */
  readonly runnerImage: string;
  readonly parallelism: number;
  /** Run each runner on its own node (TestRun `separate`). */
  readonly separate?: boolean;
  /** What each runner asks the scheduler for; the capacity check uses it. */
  readonly runnerResources?: ResourceRequest;
  /** The image is served by a registry the nodes pull from (no need to find it on the nodes). */
  readonly imagePullable?: boolean;
}

export class K6OperatorLoadGenerator implements LoadGenerator {
  readonly #api: KubeApi;
  readonly #logs: PodLogs;
  #settings: Required<Omit<K6OperatorSettings, 'imagePullable' | 'separate'>> & { imagePullable: boolean; separate: boolean };
  #clock: Clock = systemClock;
  #allowedHosts = new Set<string>();
  #scripts = new Map<string, string>(Object.entries(BUILTIN_SCRIPTS));
  #env: Record<string, string> = {};
  #readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS;
  #maxVus = 1000;
  /** Loads started so far: each TestRun gets a name of its own (see testRunName). */
  #starts = 0;
  #rewrites: [string, string][] = [];

  constructor(api: KubeApi, logs: PodLogs, settings: K6OperatorSettings) {
    this.#api = api;
    this.#logs = logs;
    this.#settings = {
      // a scheduling request, not a limit: k6 with a few VUs idles most of the time; a one-node kind cluster on
      // 2 cores has ~0.5 CPU left once the control plane and the stack have asked for theirs
      runnerResources: { cpuMilli: 100, memoryBytes: 96 * 1024 * 1024 },
      imagePullable: false,
      separate: false,
      ...settings,
    };
  }

  get settings(): Readonly<K6OperatorSettings> {
    return this.#settings;
  }

  withClock(clock: Clock): this {
    this.#clock = clock;
    return this;
  }

  /** Runners for the next start() (the bench runs one profile at 1 and 2). */
  withParallelism(parallelism: number): this {
    this.#settings = { ...this.#settings, parallelism };
    return this;
  }

  /** Hosts the runners may load: Services of the stack (`name.ns.svc`), addresses the run created. */
  withAllowedHosts(hosts: Iterable<string>): this {
    for (const h of hosts) this.#allowedHosts.add(h.replace(/^\[|\]$/g, '').toLowerCase());
    return this;
  }

  withScript(name: string, path: string): this {
    this.#scripts.set(name, path);
    return this;
  }

  /**
   * Profiles name the target as the harness reaches it (the backend's NodePort on 127.0.0.1); runner pods reach
   * it inside the cluster: a target starting with `from` is sent to `to` instead (e.g. the Service's URL).
   */
  withTargetRewrite(from: string, to: string): this {
    this.#rewrites.push([from.replace(/\/$/, ''), to.replace(/\/$/, '')]);
    return this;
  }

  /** The target the runners load (after withTargetRewrite). */
  targetOf(profile: LoadProfile): string {
    for (const [from, to] of this.#rewrites) if (profile.target === from || profile.target.startsWith(`${from}/`)) return to + profile.target.slice(from.length);
    return profile.target;
  }

  withEnv(env: Record<string, string>): this {
    this.#env = { ...this.#env, ...env };
    return this;
  }

  /** How long start() waits for every runner to be started (initializer, scheduling, image, k6 init). */
  withReadyTimeout(ms: number): this {
    this.#readyTimeoutMs = ms;
    return this;
  }

  validate(asGiven: LoadProfile): string[] {
    const profile = { ...asGiven, target: this.targetOf(asGiven) };
    const problems: string[] = [];
    const { parallelism, namespace, runnerImage } = this.#settings;
    if (!this.#scripts.has(profile.name)) problems.push(`unknown load profile "${profile.name}" (known: ${[...this.#scripts.keys()].join(', ')})`);
    if (!Number.isInteger(parallelism) || parallelism < 1) problems.push(`load.parallelism must be an integer >= 1, got ${parallelism}`);
    else if (Number.isInteger(profile.vus) && profile.vus < parallelism) {
      problems.push(`load.parallelism ${parallelism} is more than the profile's ${profile.vus} VUs: a runner would get no VU (raise vus or lower parallelism)`);
    }
    if (!Number.isInteger(profile.vus) || profile.vus < 1 || profile.vus > this.#maxVus) problems.push(`vus must be an integer in 1..${this.#maxVus}, got ${profile.vus}`);
    if (!Number.isFinite(profile.durationSeconds) || profile.durationSeconds <= 0 || profile.durationSeconds > 3600) problems.push(`durationSeconds must be in (0, 3600], got ${profile.durationSeconds}`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) problems.push(`namespace "${namespace}" is not a DNS label`);
    if (!runnerImage || /:latest$/.test(runnerImage) || !runnerImage.includes(':')) problems.push(`runner image "${runnerImage}" must be an exact tag (drillbook/k6-runner:<version>-<hash>, from ensureImage('k6-runner'))`);
    let url: URL | undefined;
    try {
      url = new URL(profile.target);
    } catch {
      problems.push(`target "${profile.target}" is not a URL (expected e.g. http://gravl-backend.gravl-staging.svc:8080)`);
    }
    if (url) {
      const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
      if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`target "${profile.target}" must be http(s)`);
      // loopback inside a runner pod is the pod itself: never what a profile means
      if (isLoopbackHost(host)) problems.push(`target host "${host}" is loopback, which inside a runner pod is the pod itself; use the Service (name.namespace.svc)`);
      else if (!this.#allowedHosts.has(host)) problems.push(`target host "${host}" is not one the run created or was allowed (withAllowedHosts): ${[...this.#allowedHosts].join(', ') || 'none'}`);
    }
    const t = profile.thresholds;
    if (!(t.p95Ms > 0)) problems.push(`thresholds.p95Ms must be > 0, got ${t.p95Ms}`);
    if (!(t.p99Ms > 0)) problems.push(`thresholds.p99Ms must be > 0, got ${t.p99Ms}`);
    if (!(t.errorRate >= 0 && t.errorRate <= 1)) problems.push(`thresholds.errorRate must be in 0..1, got ${t.errorRate}`);
    return problems;
  }

  /**
   * What the cluster must offer before anything is created: the TestRun CRD (served in the namespace), the
   * namespace, the runner image on a node that can take a runner (or declared pullable), and room for every
   * runner. Lists every problem at once.
   */
  async preflight(options: CallOptions = {}): Promise<string[]> {
    const { namespace, runnerImage, parallelism, runnerResources, imagePullable, separate } = this.#settings;
    const problems: string[] = [];
    try {
      await this.#api.list({ ...TESTRUN, namespace }, {}, options);
    } catch (error) {
      const status = statusOf(error);
      // client-node: 404 from discovery when no k6.io/v1alpha1 group is served; "Unrecognized API version and
      // kind" when the group is there without TestRun
      const missing = status === 404 || /Unrecognized API version and kind/.test((error as Error).message);
      problems.push(
        missing
          ? `the TestRun CRD (testruns.k6.io) is not installed: k6-operator is missing (install it: k6OperatorCrds() and k6OperatorController() of clusters/stack/manifests/k6-operator.manifest.ts)`
          : `cannot list TestRuns in namespace "${namespace}" (${status ?? (error as Error).message}): the context may not use this namespace`,
      );
    }
    const ns = await this.#api.read({ apiVersion: 'v1', kind: 'Namespace', name: namespace }, options).catch(() => undefined);
    if (!ns) problems.push(`namespace "${namespace}" does not exist (or cannot be read): create it, or choose one the run is allowed`);
    let nodes: KubeObject[] | undefined;
    let pods: KubeObject[] = [];
    try {
      nodes = (await this.#api.list({ apiVersion: 'v1', kind: 'Node' }, {}, options)).items;
      pods = (await this.#api.list({ apiVersion: 'v1', kind: 'Pod' }, {}, options)).items;
    } catch {
      nodes = undefined; // no cluster-wide read (a user's namespaced context): a stuck runner is still caught at start
    }
    if (nodes) {
      const fit = fitRunners(nodes, pods, runnerResources, { separate });
      if (fit.runners < parallelism) {
        problems.push(
          `load.parallelism ${parallelism} is more than the cluster can schedule: room for ${fit.runners} runner(s) of ${runnerResources.cpuMilli}m CPU / ${Math.round(runnerResources.memoryBytes / 2 ** 20)}Mi` +
            `${separate ? ' on separate nodes' : ''} (${fit.detail})`,
        );
      }
      if (!imagePullable && !imageOnNodes(nodes, runnerImage)) {
        problems.push(
          `runner image ${runnerImage} is on no schedulable node: load it (\`kind load docker-image ${runnerImage} --name <cluster>\`) or push it to a registry the nodes pull from and declare it pullable`,
        );
      }
    }
    return problems;
  }

  async start(profile: LoadProfile, options: CallOptions & { labels: Labels }): Promise<K6OperatorRunningLoad> {
    const problems = this.validate(profile);
    if (problems.length === 0) problems.push(...(await this.preflight(options)));
    if (problems.length > 0) throw new InvalidInputError(`k6-operator load "${profile.name}"`, problems, { hint: 'nothing was created in the cluster' });
    throwIfAborted(options.signal, `starting load "${profile.name}"`);
    const { namespace, runnerImage, parallelism, separate, runnerResources } = this.#settings;
    const name = testRunName(profile.name, options.labels, ++this.#starts);
    const labels: Record<string, string> = { [LABELS.managedBy]: MANAGED_BY, ...options.labels, 'drillbook.io/load-profile': profile.name };
    const script = this.#scripts.get(profile.name)!;
    const configMap: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-script`, namespace, labels },
      data: await scriptFiles(script),
    };
    const env = { ...this.#env, TARGET: this.targetOf(profile), VUS: String(profile.vus), DURATION: String(profile.durationSeconds), ...thresholdEnv(profile.thresholds) };
    const podMeta = { metadata: { labels } };
    const image = { image: runnerImage, imagePullPolicy: 'IfNotPresent' };
    const testRun: KubeObject = {
      ...TESTRUN,
      metadata: { name, namespace, labels },
      spec: {
        parallelism,
        separate,
        script: { configMap: { name: `${name}-script`, file: basename(script) } },
        // argv elements, never a shell string (.spec.args, not .spec.arguments)
        args: Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        runner: {
          ...image,
          ...podMeta,
          env: [{ name: 'DRILLBOOK_SAMPLES', value: '1' }],
          // the operator's default probe checks every 10 s: a runner ready at once is seen ready up to 10 s late
          readinessProbe: { httpGet: { path: '/v1/status', port: RUNNER_PORT, scheme: 'HTTP' }, periodSeconds: 1, failureThreshold: 3 },
          // the operator's default liveness probe is k6's REST API too, which closes when k6 ends, while the
          // wrapper still filters and prints the samples (tens of MB of raw CSV on a busy node): the kubelet
          // killed runners mid-print (bench: "section never ended ... no exit line"). A runner that hangs is
          // bounded by the harness's hard limit instead; this probe only asks that the wrapper's shell runs.
          livenessProbe: { exec: { command: ['/bin/sh', '-c', 'kill -0 1'] }, periodSeconds: 30, failureThreshold: 3 },
          resources: { requests: { cpu: `${runnerResources.cpuMilli}m`, memory: String(runnerResources.memoryBytes) } },
        },
        initializer: { ...image, ...podMeta },
        starter: { ...image, ...podMeta },
      },
    };
    const offsetMs = this.#clock.now() - this.#clock.wallNow();
    const startedAtMs = this.#clock.now();
    await this.#api.apply(configMap, FIELD_MANAGER, options);
    const running = new K6OperatorRunningLoad({
      api: this.#api,
      logs: this.#logs,
      clock: this.#clock,
      profile,
      namespace,
      name,
      parallelism,
      offsetMs,
      startedAtMs,
      hardLimitMs: this.#readyTimeoutMs + profile.durationSeconds * 1000 + GRACEFUL_STOP_MS + TEARDOWN_MARGIN_MS,
    });
    try {
      await this.#api.apply(testRun, FIELD_MANAGER, options);
      await running.ready({ timeoutMs: this.#readyTimeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      await running[Symbol.asyncDispose]();
      throw error;
    }
    return running;
  }
}

function statusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown };
  return typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
}

/**
 * `<profile>-<run id tail>-<start>`: a DNS label of at most 40 characters (the operator appends -service-N,
 * -initializer). `start` counts the loads one generator started: a run starts one load per drill, and a TestRun that
 * reuses a finished one's name inherits its leftovers (k6-operator creates jobs only if absent, so the old
 * initializer and runner jobs, deleted in the background, are taken for the new run's; their Succeeded pods are not
 * counted as Running and the new TestRun waits at stage `created` for ever).
 */
/** See ready(): how often, with which annotation and field manager, the TestRun is touched while it waits at `created`. */
const NUDGE_EVERY_MS = 5_000;
/**
 * See ready(): how long every runner may answer, paused, at stage `created` before drillbook starts them itself. The
 * operator starts them within a second or two of its next reconcile, and a runner pod turning Ready or a nudge
 * queues one at once: 30 s of that is an operator that is not reconciling this TestRun.
 */
export const SELF_START_AFTER_MS = 30_000;
export const NUDGE_ANNOTATION = 'drillbook.io/nudge';
const NUDGE_FIELD_MANAGER = 'drillbook-k6-operator-nudge';

export function testRunName(profile: string, labels: Labels, start = 1): string {
  const id = (labels[LABELS.runId] ?? `${Date.now().toString(36)}`).toLowerCase().replace(/[^a-z0-9]/g, '').slice(-10);
  const base = `${profile.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 24)}-${id || 'run'}`.replace(/-+$/, '');
  return `${base}-${Math.max(1, Math.trunc(start)) % 1000}`;
}

/** The profile's script and its siblings (common.k6.ts): every *.k6.ts of its folder, keyed by file name. */
async function scriptFiles(script: string): Promise<Record<string, string>> {
  const dir = script.slice(0, -basename(script).length) || LOAD_SCRIPTS_DIR;
  const files: Record<string, string> = {};
  for (const f of await readdir(dir)) if (f.endsWith('.k6.ts') || f === basename(script)) files[f] = await readFile(join(dir, f), 'utf8');
  return files;
}

// ---------------------------------------------------------------- the running TestRun

interface RunningInit {
  api: KubeApi;
  logs: PodLogs;
  clock: Clock;
  profile: LoadProfile;
  namespace: string;
  name: string;
  parallelism: number;
  offsetMs: number;
  startedAtMs: number;
  hardLimitMs: number;
}

interface Observed {
  stage: string;
  runners: RunnerReport[];
  stuck: string[];
  /** While the operator stalls: the runners whose REST API did not answer drillbook either (see ready()). */
  unanswered?: string[];
}

/** Who started the runners: the operator's starter Job, or drillbook when the operator stalled (see ready()). */
export type LoadStart = { readonly by: 'k6-operator' } | { readonly by: 'drillbook'; readonly reason: string };

/** A k6-operator load's result: the merge, and who started the runners (evidence, in the journal with the load). */
export type K6OperatorLoadResult = MergedLoadResult & { readonly start: LoadStart };

/** The answer of one runner's k6 REST API (`GET /v1/status`), or why there was none. */
type RunnerAnswer = { index: number; paused: boolean } | { index: number; problem: string };

export class K6OperatorRunningLoad implements RunningLoad, AsyncDisposable {
  readonly profile: LoadProfile;
  readonly testRun: string;
  readonly #init: RunningInit;
  #stopRequested = false;
  #start: LoadStart = { by: 'k6-operator' };
  #result: Promise<K6OperatorLoadResult> | undefined;
  #disposed = false;

  constructor(init: RunningInit) {
    this.#init = init;
    this.profile = init.profile;
    this.testRun = init.name;
  }

  /** The TestRun's stage and each runner pod as the cluster reports it (no logs). */
  async observe(options: CallOptions = {}): Promise<Observed> {
    const { api, namespace, name } = this.#init;
    const tr = await api.read({ ...TESTRUN, namespace, name }, options);
    const stage = String((tr?.status as { stage?: unknown } | undefined)?.stage ?? '');
    const pods = (await api.list({ apiVersion: 'v1', kind: 'Pod', namespace }, { labelSelector: `k6_cr=${name},runner=true` }, options)).items;
    const runners = pods.map((p) => podReport(p, name));
    const stuck = runners.filter((r) => r.reason !== undefined && STUCK_REASONS.has(r.reason)).map((r) => `runner ${r.index} (pod ${r.pod}): ${r.reason}`);
    return { stage, runners, stuck };
  }

  /**
   * Waits until the operator has started every runner (stage `started`); a stuck runner or stage `error` fails at
   * once. An operator that stalls at `created` while every runner answers, paused, for SELF_START_AFTER_MS has its
   * runners started by drillbook, as its starter Job would (the result's `start` says so).
   */
  async ready(options: CallOptions & { timeoutMs: number }): Promise<void> {
    const { api, clock, name, namespace, parallelism } = this.#init;
    let nudges = 0;
    let nudgedAt = Number.NEGATIVE_INFINITY;
    let waitingSince: number | undefined;
    const seen = await waitFor(
      clock,
      condition(`TestRun ${namespace}/${name} started on all ${parallelism} runners`, async (signal) => {
        const o = await this.observe({ signal });
        const done = o.stuck.length > 0 || o.stage === 'error' || ['started', 'stopped', 'finished'].includes(o.stage);
        const waiting = !done && o.stage === 'created' && o.runners.filter((r) => r.phase === 'Running').length >= parallelism;
        waitingSince = waiting ? (waitingSince ?? clock.now()) : undefined;
        if (!waiting) return { ok: done, value: o };
        // k6-operator creates the starter once every runner's REST API answers; until then each reconcile fails
        // and the controller's queue backs off exponentially (5 ms doubling, up to 1000 s), so a runner that was
        // slow to listen (a busy node) is noticed minutes late or, within our timeout, never. An update of the
        // TestRun is queued at once whatever the backoff: touch an annotation every few seconds while every
        // runner pod runs and the stage still says `created`.
        if (clock.now() - nudgedAt >= NUDGE_EVERY_MS) {
          nudgedAt = clock.now();
          nudges += 1;
          await api
            .apply({ ...TESTRUN, metadata: { name, namespace, annotations: { [NUDGE_ANNOTATION]: String(nudges) } } }, NUDGE_FIELD_MANAGER, { signal })
            .catch(() => undefined); // a failed nudge leaves the operator's own retry, no worse than without it
        }
        // k6-operator 1.6.0 reconciles one TestRun at a time and asks each runner `GET /v1/status` with Go's
        // default client (no overall timeout): one request that never completes stalls it, and nudges only queue
        // behind it. Seen in CI: both runners Running for the whole 180 s, the stage still `created`. When every
        // runner answers through the API server and is paused, starting them is what the starter would do.
        if (clock.now() - waitingSince! < SELF_START_AFTER_MS) return { ok: false, value: o };
        const answers = await this.#ask(signal);
        const unanswered = answers.flatMap((a) => ('problem' in a ? [`runner ${a.index}'s REST API (through the API server): ${a.problem}`] : []));
        if (unanswered.length > 0) return { ok: false, value: { ...o, unanswered } };
        const waited = Math.round((clock.now() - waitingSince!) / 1000);
        await this.#resume(answers.filter((a) => 'paused' in a && a.paused).map((a) => a.index), signal);
        this.#start = { by: 'drillbook', reason: `k6-operator left TestRun ${namespace}/${name} at stage "created" for ${waited} s while all ${parallelism} runners answered, paused; drillbook started them as the operator's starter would (${nudges} nudge(s) sent)` };
        return { ok: true, value: o };
      }),
      {
        timeoutMs: options.timeoutMs,
        intervalMs: 1_000,
        ...(options.signal ? { signal: options.signal } : {}),
        hint: `see \`kubectl -n ${namespace} get testrun ${name} -o yaml\` and the pods labelled k6_cr=${name}; is k6-operator running and watching ${namespace}?`,
      },
    );
    if (seen.stuck.length > 0) throw new IncompleteLoadError(name, seen.stuck, { hint: 'no load was sent: a runner cannot start (image not on the node? `kind load docker-image`; not enough room? lower load.parallelism)' });
    if (seen.stage === 'error') throw new ToolFailedError('k6-operator', `TestRun ${namespace}/${name} went to stage "error" before the load started${await this.#initializerLog()}`, { hint: 'the initializer runs `k6 archive` + `k6 inspect` on the script: a script that does not load fails there' });
  }

  /** Each runner's k6 REST API (`GET /v1/status`) through the API server's service proxy: paused or not, or why no answer. */
  async #ask(signal: AbortSignal): Promise<RunnerAnswer[]> {
    const { api, namespace, name, parallelism } = this.#init;
    return Promise.all(
      Array.from({ length: parallelism }, async (_, i): Promise<RunnerAnswer> => {
        const index = i + 1;
        try {
          const r = await api.proxy({ namespace, name: `${name}-service-${index}`, port: RUNNER_PORT }, '/v1/status', { method: 'GET' }, { signal });
          if (r.status !== 200) return { index, problem: `HTTP ${r.status}` };
          const paused = (JSON.parse(r.body) as { data?: { attributes?: { paused?: unknown } } }).data?.attributes?.paused;
          return typeof paused === 'boolean' ? { index, paused } : { index, problem: `no "paused" in ${r.body.slice(0, 120)}` };
        } catch (error) {
          return { index, problem: (error as Error).message };
        }
      }),
    );
  }

  /** Starts the paused runners (k6 REST API `PATCH /v1/status` paused: false), all at once as the starter does. */
  async #resume(indexes: number[], signal: AbortSignal): Promise<void> {
    const { api, namespace, name } = this.#init;
    const body = JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } });
    const refused = (
      await Promise.all(
        indexes.map(async (index) => {
          const r = await api.proxy({ namespace, name: `${name}-service-${index}`, port: RUNNER_PORT }, '/v1/status', { method: 'PATCH', body, headers: { 'content-type': 'application/json' } }, { signal });
          return r.status < 400 ? undefined : `runner ${index}: HTTP ${r.status} ${r.body.slice(0, 200)}`;
        }),
      )
    ).filter((p) => p !== undefined);
    if (refused.length > 0) throw new ToolFailedError('k6', `could not start the runners of TestRun ${namespace}/${name}: ${refused.join('; ')}`, { hint: `the operator did not start them either: see k6-operator's log and \`kubectl -n ${namespace} logs -l k6_cr=${name},runner=true\`` });
  }

  async #initializerLog(): Promise<string> {
    const { api, logs, namespace, name } = this.#init;
    try {
      const pods = (await api.list({ apiVersion: 'v1', kind: 'Pod', namespace }, { labelSelector: `job-name=${name}-initializer` })).items;
      const pod = pods[0]?.metadata.name;
      if (!pod) return '';
      const text = await logs.read(namespace, pod, 'k6');
      return `\ninitializer log (pod ${pod}):\n${text.split('\n').slice(-15).join('\n')}`;
    } catch {
      return '';
    }
  }

  /** Stops every runner now (k6 REST API through the API server's service proxy), then collects and merges. */
  async stop(options: CallOptions = {}): Promise<K6OperatorLoadResult> {
    if (!this.#stopRequested && !this.#result) {
      this.#stopRequested = true;
      const { api, namespace, name, parallelism } = this.#init;
      const body = JSON.stringify({ data: { type: 'status', id: 'default', attributes: { stopped: true } } });
      await Promise.all(
        Array.from({ length: parallelism }, (_, i) =>
          api
            .proxy({ namespace, name: `${name}-service-${i + 1}`, port: RUNNER_PORT }, '/v1/status', { method: 'PATCH', body, headers: { 'content-type': 'application/json' } }, options)
            .catch(() => undefined), // a runner already done has no endpoint: its data is collected all the same
        ),
      );
    }
    return this.finished(options);
  }

  /** Waits for every runner pod to end (bounded), reads each one's log, and merges. Safe to call repeatedly. */
  finished(options: CallOptions = {}): Promise<K6OperatorLoadResult> {
    this.#result ??= this.#collect(options);
    return this.#result;
  }

  async #collect(options: CallOptions): Promise<K6OperatorLoadResult> {
    try {
      return await this.#collectAndMerge(options);
    } finally {
      // the data is in hand (or the run is inconclusive): nothing stays in the cluster, whether or not the
      // caller disposes (the scenario runner only calls stop())
      await this.#cleanup();
    }
  }

  async #collectAndMerge(options: CallOptions): Promise<K6OperatorLoadResult> {
    const { clock, namespace, name, parallelism, logs } = this.#init;
    const remaining = Math.max(10_000, this.#init.startedAtMs + this.#init.hardLimitMs - clock.now());
    let last: Observed | undefined;
    try {
      await waitFor(
        clock,
        condition(`all ${parallelism} runners of TestRun ${namespace}/${name} ended`, async (signal) => {
          last = await this.observe({ signal });
          const ended = last.runners.filter((r) => r.phase === 'Succeeded' || r.phase === 'Failed').length;
          return { ok: ended >= parallelism || last.stuck.length > 0, value: `${ended}/${parallelism} ended, stage ${last.stage || '(none)'}` };
        }),
        { timeoutMs: remaining, intervalMs: 1_000, ...(options.signal ? { signal: options.signal } : {}) },
      );
    } catch (error) {
      if (!last || options.signal?.aborted) throw error;
      // timed out: what did end is still collected, and the merge names the runners that did not
    }
    const reports: RunnerReport[] = [];
    for (const r of last!.runners) {
      if ((r.phase === 'Succeeded' || r.phase === 'Failed') && r.pod) {
        const log = await logs.read(namespace, r.pod, 'k6', options).catch(() => undefined);
        reports.push(log === undefined ? r : { ...r, log });
      } else reports.push(r);
    }
    const merged = mergeRunners(reports, this.profile, {
      testRun: name,
      parallelism,
      thresholds: this.profile.thresholds,
      offsetMs: this.#init.offsetMs,
      originMs: this.#init.startedAtMs,
      stoppedEarly: this.#stopRequested,
    });
    return { ...merged, start: this.#start, ...(this.#start.by === 'drillbook' ? { warnings: [...(merged.warnings ?? []), this.#start.reason] } : {}) };
  }

  /**
   * Deletes the TestRun and the script ConfigMap, then the operator's Jobs and pods of it, and waits until no pod of
   * it is left (bounded); safe twice. The garbage collector would remove the Jobs and pods in the background, but
   * on a busy cluster it was seen to take minutes: a drill that ended must not leave runner pods behind for the
   * next one's check, and a load namespace the run was allowed is the team's, not drillbook's to leave untidy.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#result?.catch(() => undefined);
    await this.#cleanup();
  }

  async #cleanup(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const { api, clock, namespace, name } = this.#init;
    const errors: unknown[] = [];
    for (const ref of [{ ...TESTRUN, namespace, name }, { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: `${name}-script` }]) {
      await api.delete(ref, { propagation: 'Background' }).catch((e: unknown) => errors.push(e));
    }
    if (errors.length > 0) throw new DrillbookError(`could not delete TestRun ${namespace}/${name}`, { cause: errors[0], hint: '`drillbook gc` removes it by its labels' });
    // Jobs first (a Job still there replaces a deleted pod), each with Background propagation (the Job API's own
    // default orphans its pods); then the pods, once each (a terminating pod has a deletionTimestamp)
    const ofTestRun = { labelSelector: `k6_cr=${name}` };
    const leftovers = async (signal: AbortSignal) => {
      const jobs = (await api.list({ apiVersion: 'batch/v1', kind: 'Job', namespace }, ofTestRun, { signal })).items;
      for (const j of jobs.filter((o) => !o.metadata.deletionTimestamp)) await api.delete({ apiVersion: 'batch/v1', kind: 'Job', namespace, name: j.metadata.name }, { propagation: 'Background', signal });
      const pods = jobs.length > 0 ? [] : (await api.list({ apiVersion: 'v1', kind: 'Pod', namespace }, ofTestRun, { signal })).items;
      for (const p of pods.filter((o) => !o.metadata.deletionTimestamp)) await api.delete({ apiVersion: 'v1', kind: 'Pod', namespace, name: p.metadata.name }, { propagation: 'Background', signal });
      return [...jobs.map((j) => `job/${j.metadata.name}`), ...pods.map((p) => `pod/${p.metadata.name}`)];
    };
    await waitFor(
      clock,
      condition(`the Jobs and pods of TestRun ${namespace}/${name} gone`, async (signal) => {
        const left = await leftovers(signal);
        return { ok: left.length === 0, value: left };
      }),
      { timeoutMs: CLEANUP_TIMEOUT_MS, intervalMs: 2_000, hint: `\`drillbook gc\` removes them by their labels; \`kubectl -n ${namespace} get pods -l k6_cr=${name}\` shows why they stay` },
    );
  }
}

/** One runner pod as a RunnerReport (index from its Job's name `<testrun>-<i>`). */
export function podReport(pod: KubeObject, testRun: string): RunnerReport {
  const labels = pod.metadata.labels ?? {};
  const job = labels['job-name'] ?? pod.metadata.name.replace(/-[a-z0-9]{5}$/, '');
  const index = Number(job.slice(testRun.length + 1));
  const status = (pod.status ?? {}) as {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: { name: string; state?: { waiting?: { reason?: string }; terminated?: { exitCode?: number; reason?: string } } }[];
  };
  const container = status.containerStatuses?.find((c) => c.name === 'k6') ?? status.containerStatuses?.[0];
  const unschedulable = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
  const reason = container?.state?.waiting?.reason ?? (unschedulable ? 'Unschedulable' : undefined) ?? container?.state?.terminated?.reason;
  const phase = (['Pending', 'Running', 'Succeeded', 'Failed'].includes(status.phase ?? '') ? status.phase : 'Unknown') as RunnerReport['phase'];
  const exit = container?.state?.terminated?.exitCode;
  return {
    index: Number.isInteger(index) ? index : -1,
    pod: pod.metadata.name,
    phase,
    ...(exit !== undefined ? { containerExitCode: exit } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}
