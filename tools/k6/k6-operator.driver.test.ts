// The k6-operator LoadGenerator against an in-memory cluster: bad input refused before anything is created, the
// TestRun it creates, and a run whose runners disagree judged on the merged data. The fake plays k6-operator
// (stages, runner pods) and the runners' logs are synthetic frames; the merge is the real code.
import { describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import { FakeClock } from '../../scenarios/testing/fake-clock.ts';
import { InvalidInputError, WaitTimeoutError } from '../../scenarios/errors.ts';
import { LABELS, type LoadProfile } from '../../scenarios/ports.ts';
import type { KindRef, KubeObject, Selectors } from '../../clusters/kube/kube-api.ts';
import { IncompleteLoadError } from './k6-operator.merge.ts';
import { K6OperatorLoadGenerator, NUDGE_ANNOTATION, SELF_START_AFTER_MS, TESTRUN, testRunName, type K6OperatorSettings, type PodLogs } from './k6-operator.driver.ts';
import { fitRunners, parseQuantity } from './k6-operator.capacity.ts';
import { runnerLog, uniform } from './testing/runner-log.ts';

const IMAGE = 'drillbook/k6-runner:1.8.1-abcdef12';
const NS = 'drillbook-load';
const TARGET = 'http://gravl-backend.gravl-staging.svc:8080';
const labels = { [LABELS.runId]: 'run-20261204-abc123', [LABELS.scenario]: 'pod-crash' };
const profile: LoadProfile = { name: 'signoff', target: TARGET, vus: 10, durationSeconds: 60, thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001, minRps: 100 } };

const node = (name: string, over: { cpu?: string; memory?: string; images?: string[]; ready?: boolean } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: {
    allocatable: { cpu: over.cpu ?? '2', memory: over.memory ?? '4Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: over.ready === false ? 'False' : 'True' }],
    images: [{ names: (over.images ?? [IMAGE]).map((i) => `docker.io/${i}`) }],
  },
});

class Cluster extends FakeKubeApi {
  /** What listing TestRuns throws (the CRD is not installed). */
  listError: Error | undefined;
  override async list(ref: KindRef, selectors: Selectors = {}) {
    if (ref.kind === 'TestRun' && this.listError) throw this.listError;
    return super.list(ref, selectors);
  }
}

function cluster(nodes: KubeObject[] = [node('kind-control-plane')]): Cluster {
  const api = new Cluster();
  api.set({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  for (const n of nodes) api.set(n);
  return api;
}

/** Plays k6-operator: a TestRun gets `parallelism` runner pods, Running and stage `started` (or stuck, per `runner`). */
function operator(api: Cluster, runner: (index: number) => { phase: string; waiting?: string } = () => ({ phase: 'Running' })) {
  api.onApply = (o) => {
    if (o.kind !== 'TestRun') return;
    const spec = o.spec as { parallelism: number };
    let stuck = false;
    for (let i = 1; i <= spec.parallelism; i++) {
      const r = runner(i);
      stuck ||= r.waiting !== undefined;
      api.set(runnerPod(o.metadata.name, i, r.phase, r.waiting ? { waiting: { reason: r.waiting } } : { running: {} }));
    }
    api.set({ ...o, status: { stage: stuck ? 'created' : 'started' } });
  };
}

function runnerPod(testRun: string, i: number, phase: string, state: object): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${testRun}-${i}-x${i}x${i}x`, namespace: NS, labels: { app: 'k6', k6_cr: testRun, runner: 'true', 'job-name': `${testRun}-${i}` } },
    status: { phase, containerStatuses: [{ name: 'k6', state }] },
  };
}

/** The runners end (on the stop PATCH) with these logs. */
function finishOnStop(api: Cluster, logs: Map<string, string>, results: { exitCode?: number; log: string }[]): NonNullable<Cluster['onProxy']> {
  return (api.onProxy = (service, path, request) => {
    const i = Number(service.name.split('-').pop());
    const testRun = service.name.replace(/-service-\d+$/, '');
    const r = results[i - 1]!;
    const pod = runnerPod(testRun, i, (r.exitCode ?? 0) === 0 ? 'Succeeded' : 'Failed', { terminated: { exitCode: r.exitCode ?? 0 } });
    api.set(pod);
    logs.set(pod.metadata.name, r.log);
    return { status: path === '/v1/status' && request.method === 'PATCH' ? 200 : 404, body: '{}' };
  });
}

const podLogs = (logs: Map<string, string>): PodLogs => ({ read: async (_ns, pod) => logs.get(pod) ?? '' });

function generator(api: Cluster, logs = new Map<string, string>(), over: Partial<K6OperatorSettings> = {}) {
  return new K6OperatorLoadGenerator(api, podLogs(logs), { namespace: NS, runnerImage: IMAGE, parallelism: 2, ...over })
    .withClock(new FakeClock())
    .withAllowedHosts(['gravl-backend.gravl-staging.svc']);
}

async function problemsOf(p: Promise<unknown>): Promise<readonly string[]> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).problems;
}

describe('k6-operator load: bad input is refused before anything is created', () => {
  it('parallelism below 1, more runners than VUs, a loopback or foreign target, a floating image tag', () => {
    const api = cluster();
    expect(generator(api, undefined, { parallelism: 0 }).validate(profile)).toContainEqual(expect.stringMatching(/load\.parallelism must be an integer >= 1, got 0/));
    expect(generator(api, undefined, { parallelism: 20 }).validate(profile)).toContainEqual(expect.stringMatching(/parallelism 20 is more than the profile's 10 VUs/));
    expect(generator(api).validate({ ...profile, target: 'http://127.0.0.1:8080' })).toContainEqual(expect.stringMatching(/loopback, which inside a runner pod is the pod itself/));
    expect(generator(api).validate({ ...profile, target: 'http://prod-db.example.com' })).toContainEqual(expect.stringMatching(/not one the run created or was allowed/));
    expect(generator(api, undefined, { runnerImage: 'grafana/k6:latest' }).validate(profile)).toContainEqual(expect.stringMatching(/must be an exact tag/));
    expect(generator(api).validate(profile)).toEqual([]);
  });

  it('sends a loopback target (the NodePort the harness uses) to the in-cluster Service instead', () => {
    const load = generator(cluster()).withTargetRewrite('http://127.0.0.1:31234', TARGET);
    expect(load.validate({ ...profile, target: 'http://127.0.0.1:31234' })).toEqual([]);
    expect(load.targetOf({ ...profile, target: 'http://127.0.0.1:31234/api' })).toBe(`${TARGET}/api`);
    expect(load.validate({ ...profile, target: 'http://127.0.0.1:9999' })).toContainEqual(expect.stringMatching(/loopback/));
  });

  it('a missing TestRun CRD (no k6.io group: 404 from discovery; the group without TestRun: client-node\'s own error)', async () => {
    for (const error of [Object.assign(new Error('Failed to fetch resource metadata for k6.io/v1alpha1/TestRun: HTTP-Code: 404'), { code: 404 }), new Error('Unrecognized API version and kind: k6.io/v1alpha1 TestRun')]) {
      const api = cluster();
      api.listError = error;
      expect(await problemsOf(generator(api).start(profile, { labels }))).toContainEqual(expect.stringMatching(/TestRun CRD \(testruns\.k6\.io\) is not installed/));
      expect(api.applied).toEqual([]);
    }
  });

  it('more runners than the cluster can schedule', async () => {
    const api = cluster([node('small', { cpu: '150m' })]);
    const problems = await problemsOf(generator(api).start(profile, { labels }));
    expect(problems).toEqual([expect.stringMatching(/load\.parallelism 2 is more than the cluster can schedule: room for 1 runner\(s\) of 100m CPU/)]);
    expect(api.applied).toEqual([]);
  });

  it('a runner image no node has (kind has no registry), and a namespace that does not exist', async () => {
    const api = cluster([node('kind-control-plane', { images: ['drillbook/base:bookworm-1'] })]);
    const problems = await problemsOf(generator(api, undefined, { namespace: 'elsewhere' }).start(profile, { labels }));
    expect(problems).toContainEqual(expect.stringMatching(/runner image drillbook\/k6-runner:1\.8\.1-abcdef12 is on no schedulable node: load it \(`kind load docker-image/));
    expect(problems).toContainEqual(expect.stringMatching(/namespace "elsewhere" does not exist/));
    expect(api.applied).toEqual([]);
  });
});

describe('k6-operator load: one TestRun, one verdict on the merged runners', () => {
  it('creates a labelled TestRun (argv args, drillbook runner image everywhere, no cleanup before collection) and merges what the runners print', async () => {
    const api = cluster();
    const logs = new Map<string, string>();
    operator(api);
    const t0 = Date.UTC(2026, 10, 23, 12, 0, 0);
    // each runner alone: 60 req/s (under the > 100 floor); runner 2's p95 is 400 ms (over 200)
    finishOnStop(api, logs, [
      { log: runnerLog({ index: 1, requests: uniform(3600, 100), startEpochMs: t0, testRunDurationMs: 60_000 }) },
      { exitCode: 103, log: runnerLog({ index: 2, requests: [...uniform(3300, 100), ...uniform(300, 400)], startEpochMs: t0, testRunDurationMs: 60_000, exitCode: 103 }) },
    ]);
    const load = generator(api, logs);
    const running = await load.start(profile, { labels });
    const tr = api.applied.find((o) => o.kind === 'TestRun')!;
    expect(tr.metadata).toMatchObject({ namespace: NS, labels: { [LABELS.runId]: labels[LABELS.runId], 'app.kubernetes.io/managed-by': 'drillbook' } });
    expect(tr.spec).toMatchObject({
      parallelism: 2,
      script: { configMap: { name: `${tr.metadata.name}-script`, file: 'signoff.k6.ts' } },
      runner: { image: IMAGE, env: [{ name: 'DRILLBOOK_SAMPLES', value: '1' }], metadata: { labels: { [LABELS.runId]: labels[LABELS.runId] } } },
      initializer: { image: IMAGE },
      starter: { image: IMAGE },
    });
    expect((tr.spec as { cleanup?: string }).cleanup).toBeUndefined();
    expect((tr.spec as { args: string[] }).args).toEqual(expect.arrayContaining(['--env', `TARGET=${TARGET}`, '--env', 'VUS=10']));
    const cm = api.applied.find((o) => o.kind === 'ConfigMap')!;
    expect(Object.keys(cm.data as object)).toEqual(expect.arrayContaining(['signoff.k6.ts', 'common.k6.ts']));

    const result = await running.stop();
    // collected: nothing stays in the cluster even if the caller never disposes (the scenario runner only stops),
    // the runner pods deleted by the harness rather than left to the garbage collector
    expect(api.deleted.map((d) => d.kind)).toEqual(['TestRun', 'ConfigMap', 'Pod', 'Pod']);
    expect((await api.list({ apiVersion: 'v1', kind: 'Pod', namespace: NS })).items).toEqual([]);
    expect(api.proxied.map((p) => [p.service.name, p.request.method])).toEqual([
      [`${tr.metadata.name}-service-1`, 'PATCH'],
      [`${tr.metadata.name}-service-2`, 'PATCH'],
    ]);
    expect(result.runners.map((r) => [r.rps, r.p95Ms])).toEqual([[60, 100], [60, 400]]);
    expect(result.rps).toBe(120);
    expect(result.p95Ms).toBe(100); // 300 slow of 7200 (4.2 %) lie above the 95th percentile of all requests
    expect(result.thresholds.map((t) => [t.name, t.ok])).toEqual([['p95<200ms', true], ['p99<500ms', true], ['errorRate<0.1%', true], ['rps>100', true]]);
    expect(result.passed).toBe(true);
    expect(result.series).toHaveLength(60);

    await running[Symbol.asyncDispose]();
    expect(api.deleted.map((d) => d.kind)).toEqual(['TestRun', 'ConfigMap', 'Pod', 'Pod']);
  });

  it('a runner stuck on an image the node lacks fails start() at once, inconclusive, and the TestRun is removed', async () => {
    const api = cluster();
    operator(api, (i) => (i === 2 ? { phase: 'Pending', waiting: 'ErrImageNeverPull' } : { phase: 'Running' }));
    const error = await generator(api).start(profile, { labels }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(IncompleteLoadError);
    expect((error as Error).message).toMatch(/runner 2 \(pod .*\): ErrImageNeverPull/);
    expect(api.deleted.map((d) => d.kind)).toEqual(['TestRun', 'ConfigMap', 'Pod', 'Pod']);
  });

  it("removes the TestRun's Jobs (before their pods: a Job replaces a deleted pod) and waits, bounded, for its pods to go", async () => {
    const api = cluster();
    const logs = new Map<string, string>();
    operator(api);
    finishOnStop(api, logs, [
      { log: runnerLog({ index: 1, requests: uniform(600, 100), startEpochMs: 0, testRunDurationMs: 60_000 }) },
      { log: runnerLog({ index: 2, requests: uniform(600, 100), startEpochMs: 0, testRunDurationMs: 60_000 }) },
    ]);
    const running = await generator(api, logs).start(profile, { labels });
    const name = running.testRun;
    // what the garbage collector had not removed yet: a runner Job, and a pod that stays terminating (its kubelet
    // does not confirm) until the harness has looked a few times
    api.set({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `${name}-1`, namespace: NS, labels: { app: 'k6', k6_cr: name } } });
    let looks = 0;
    const list = api.list.bind(api);
    api.list = async (ref, selectors) => {
      if (ref.kind === 'Pod' && selectors?.labelSelector === `k6_cr=${name}` && api.deleted.some((d) => d.kind === 'Pod') && ++looks >= 3) {
        for (const p of (await list(ref, selectors)).items) await FakeKubeApi.prototype.delete.call(api, { ...ref, namespace: NS, name: p.metadata.name });
      }
      return list(ref, selectors);
    };
    const del = api.delete.bind(api);
    let podDeletes = 0;
    api.delete = async (ref, options) => {
      if (ref.kind !== 'Pod') return del(ref, options);
      podDeletes += 1;
      api.deleted.push(ref);
      const pod = await api.read(ref);
      if (pod) api.set({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-12-05T00:00:00Z' } });
    };
    await running.stop();
    const kinds = api.deleted.map((d) => d.kind);
    expect(kinds.slice(0, 3)).toEqual(['TestRun', 'ConfigMap', 'Job']);
    expect(podDeletes).toBe(2); // each pod once, not again while it terminates
    expect(looks).toBeGreaterThanOrEqual(3);
    expect((await api.list({ apiVersion: 'v1', kind: 'Pod', namespace: NS })).items).toEqual([]);
  });

  it('a runner pod that never goes fails the cleanup, naming it and `drillbook gc`', async () => {
    const api = cluster();
    operator(api, (i) => (i === 2 ? { phase: 'Pending', waiting: 'ErrImageNeverPull' } : { phase: 'Running' }));
    const del = api.delete.bind(api);
    api.delete = async (ref, options) => (ref.kind === 'Pod' ? undefined : del(ref, options));
    const error = await generator(api).start(profile, { labels }).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).toMatch(/the Jobs and pods of TestRun .* gone; last seen: .*pod\/.*-1-x1x1x/);
    expect((error as { hint?: string }).hint).toContain('drillbook gc');
  });

  it('a runner whose k6 failed makes the result inconclusive even though the other runner alone passes', async () => {
    const api = cluster();
    const logs = new Map<string, string>();
    operator(api);
    finishOnStop(api, logs, [
      { log: runnerLog({ index: 1, requests: uniform(7000, 10), startEpochMs: 0, testRunDurationMs: 60_000 }) },
      { exitCode: 107, log: runnerLog({ index: 2, requests: [], startEpochMs: 0, testRunDurationMs: 1, exitCode: 107 }) },
    ]);
    await using running = await generator(api, logs).start(profile, { labels });
    await expect(running.stop()).rejects.toThrow(IncompleteLoadError);
  });
});

describe('capacity', () => {
  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('16Gi')).toBe(16 * 2 ** 30);
    expect(parseQuantity('1.5G')).toBe(1.5e9);
    // what a kind node reports as allocatable memory (binary kilo is upper-case Ki; decimal kilo is k)
    expect(parseQuantity('24547956Ki')).toBe(24547956 * 1024);
    expect(parseQuantity('100k')).toBe(100_000);
  });

  it('subtracts what running pods request, and skips nodes that are not Ready', () => {
    const busy: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db' }, spec: { nodeName: 'a', containers: [{ resources: { requests: { cpu: '1500m', memory: '1Gi' } } }] }, status: { phase: 'Running' } };
    const fit = fitRunners([node('a'), node('b', { ready: false })], [busy], { cpuMilli: 200, memoryBytes: 128 * 2 ** 20 });
    expect(fit.runners).toBe(2);
    expect(fit.detail).toMatch(/a: 500m CPU.*1 node\(s\) not schedulable/);
    expect(fitRunners([node('a'), node('c')], [], { cpuMilli: 200, memoryBytes: 1 }, { separate: true }).runners).toBe(2);
  });

  it('names TestRuns as DNS labels short enough for the operator\'s suffixes', () => {
    const name = testRunName('signoff', labels);
    expect(name).toMatch(/^signoff-[a-z0-9]+-1$/);
    expect(testRunName('a-very-long-profile-name-for-the-sign-off', labels, 999).length).toBeLessThanOrEqual(40);
    expect(TESTRUN.apiVersion).toBe('k6.io/v1alpha1');
  });

  it('gives every load of a run a TestRun of its own (a reused name inherits the finished run\'s jobs and never starts)', async () => {
    const api = cluster();
    const logs = new Map<string, string>();
    operator(api);
    const t0 = Date.UTC(2026, 10, 23, 12, 0, 0);
    finishOnStop(api, logs, [
      { log: runnerLog({ index: 1, requests: uniform(600, 100), startEpochMs: t0, testRunDurationMs: 60_000 }) },
      { log: runnerLog({ index: 2, requests: uniform(600, 100), startEpochMs: t0, testRunDurationMs: 60_000 }) },
    ]);
    const load = generator(api, logs);
    for (let i = 0; i < 2; i++) {
      const running = await load.start(profile, { labels });
      await running.stop();
      await running[Symbol.asyncDispose]();
    }
    const names = api.applied.filter((o) => o.kind === 'TestRun').map((o) => o.metadata.name);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
  });

  it('touches a TestRun that waits at `created` with every runner running (the operator\'s backoff would start it minutes late)', async () => {
    const api = cluster();
    const logs = new Map<string, string>();
    const t0 = Date.UTC(2026, 10, 23, 12, 0, 0);
    finishOnStop(api, logs, [
      { log: runnerLog({ index: 1, requests: uniform(600, 100), startEpochMs: t0, testRunDurationMs: 60_000 }) },
      { log: runnerLog({ index: 2, requests: uniform(600, 100), startEpochMs: t0, testRunDurationMs: 60_000 }) },
    ]);
    // plays an operator whose reconcile of the runners' readiness failed and is queued behind a long backoff: only
    // an update of the TestRun makes it look again
    api.onApply = (o) => {
      if (o.kind !== 'TestRun') return;
      const nudged = o.metadata.annotations?.[NUDGE_ANNOTATION] !== undefined;
      if (!nudged) for (let i = 1; i <= 2; i++) api.set(runnerPod(o.metadata.name, i, 'Running', { running: {} }));
      api.set({ ...o, status: { stage: nudged ? 'started' : 'created' } });
    };
    const clock = new FakeClock();
    const load = generator(api, logs).withClock(clock);
    const running = await load.start(profile, { labels });
    expect(api.applied.filter((o) => o.kind === 'TestRun' && o.metadata.annotations?.[NUDGE_ANNOTATION] !== undefined)).toHaveLength(1);
    await running.stop();
  });

  // plays k6-operator 1.6.0 stalled in a reconcile (its runner probe has no timeout): the runner pods run and
  // answer, the stage stays `created` whatever drillbook does, and no starter ever comes
  function stalledOperator(api: Cluster) {
    api.onApply = (o) => {
      if (o.kind !== 'TestRun') return;
      if (o.metadata.annotations?.[NUDGE_ANNOTATION] === undefined) for (let i = 1; i <= 2; i++) api.set(runnerPod(o.metadata.name, i, 'Running', { running: {} }));
      api.set({ ...o, status: { stage: 'created' } });
    };
  }

  it('starts the runners itself when the operator leaves every answering runner paused at `created` for 30 s, and says so in the result', async () => {
    const api = cluster();
    const logs = new Map<string, string>();
    const t0 = Date.UTC(2026, 10, 23, 12, 0, 0);
    stalledOperator(api);
    const clock = new FakeClock();
    const resumedAt: number[] = [];
    const paused = new Set([1, 2]);
    const finish = finishOnStop(api, logs, [
      { log: runnerLog({ index: 1, requests: uniform(600, 100), startEpochMs: t0, testRunDurationMs: 60_000 }) },
      { log: runnerLog({ index: 2, requests: uniform(600, 100), startEpochMs: t0, testRunDurationMs: 60_000 }) },
    ]);
    api.onProxy = (service, path, request) => {
      const i = Number(service.name.split('-').pop());
      if (request.method === 'GET') return { status: 200, body: JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: paused.has(i), stopped: false } } }) };
      if (String(request.body).includes('"paused":false')) {
        resumedAt.push(clock.now());
        paused.delete(i);
        return { status: 200, body: '{}' };
      }
      return finish(service, path, request);
    };
    const running = await generator(api, logs).withClock(clock).start(profile, { labels });
    expect(resumedAt).toHaveLength(2);
    for (const at of resumedAt) expect(at).toBeGreaterThanOrEqual(SELF_START_AFTER_MS);
    expect(api.applied.filter((o) => o.kind === 'TestRun' && o.metadata.annotations?.[NUDGE_ANNOTATION] !== undefined).length).toBeGreaterThan(1);
    const result = await running.stop();
    expect(result.start).toEqual({ by: 'drillbook', reason: expect.stringMatching(/left TestRun .* at stage "created" for \d+ s while all 2 runners answered, paused; drillbook started them/) });
    expect(result.requests).toBe(1200);
  });

  it('never starts runners that do not answer: the timeout names each silent runner', async () => {
    const api = cluster();
    stalledOperator(api);
    api.onProxy = (service, _path, request) => {
      if (request.method !== 'GET') throw new Error('drillbook must not start a runner it could not ask');
      if (service.name.endsWith('-1')) return { status: 200, body: JSON.stringify({ data: { attributes: { paused: true } } }) };
      throw new Error('connect ETIMEDOUT');
    };
    const error = await generator(api).start(profile, { labels }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/runner 2's REST API \(through the API server\): connect ETIMEDOUT/);
    expect((error as Error).message).not.toMatch(/runner 1's REST API/);
    expect(api.proxied.filter((p) => p.request.method === 'PATCH' && String(p.request.body).includes('"paused":false'))).toEqual([]);
    // nothing of the failed start is left
    expect(api.deleted.map((d) => d.kind)).toContain('TestRun');
  });
});
