// e2e: `cluster.provider: existing` against a cluster drillbook did not create, as a stand-in for a team's staging
// cluster. The cluster is made with the kind binary directly (not KindCluster), the reference stack rendered to YAML
// and applied with `kubectl apply -f`, its images loaded with `kind load docker-image`. Then, through the CLI:
//   (a) no allow-list: exit 2, and the stack's Deployments are untouched (resourceVersion and generation);
//   (b) the namespace allowed for the context: the drills pass (crash through the kind node, lost Secret);
//   (c) a run SIGKILLed with its fault in place, then `drillbook gc`: the stack is restored and nothing of
//       drillbook's is left. The cluster is deleted at the end. Budget: ~8 min warm on 2 cores.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kindEnv } from '../clusters/kube/kind.provider.ts';
import { DEFAULT_NAMESPACES, stackOptions } from '../clusters/stack/manifests/stack-options.ts';
import { referenceStack } from '../clusters/stack/manifests/stack.manifest.ts';
import { ensureImage } from '../tools/images/images.ts';
import { run, tryRun } from '../tools/lib/exec.ts';
import { ensureKindToolchain, type KindToolchain } from '../tools/kube/toolchain.ts';
import { ensureK6 } from '../tools/k6/k6.installer.ts';
import { K6_OPERATOR_CONTROLLER, K6_OPERATOR_NAMESPACE, k6OperatorController, k6OperatorCrds } from '../clusters/stack/manifests/k6-operator.manifest.ts';
import { ensureK6OperatorBuild } from '../tools/images/k6-operator.prerequisite.ts';
import { loadIngress } from './environments/k6-operator.env.ts';
import { TESTRUN, type K6OperatorLoadResult } from '../tools/k6/k6-operator.driver.ts';

const CLUSTER = 'team-staging-e2e'; // not drillbook-*: drillbook must not take it for its own
const CONTEXT = `kind-${CLUSTER}`;
const NS = 'gravl-staging';
const DRILLS = ['backend-crash', 'secret-missing'];

/** The CLI as a user runs it (a path, not an import: suites sit below the CLI). */
const CLI = fileURLToPath(new URL('../tools/cli/drillbook.mjs', import.meta.url));

interface Sandbox {
  readonly dir: string;
  readonly config: string;
  readonly state: string;
  readonly out: string;
}
function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-existing-cli-'));
  return { dir, config: join(dir, 'drillbook.yaml'), state: join(dir, 'state'), out: join(dir, 'out') };
}

const children: ChildProcess[] = [];
/** drillbook with the sandbox's config and state folder; stdout lines can be waited for. */
function startCli(sb: Sandbox, args: readonly string[]) {
  const child = spawn(process.execPath, [CLI, '--config', sb.config, ...args], { cwd: sb.dir, env: { ...process.env, DRILLBOOK_STATE: sb.state }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    const before = stdout;
    stdout += d.toString();
    const lines = stdout.slice(before.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
    for (const line of lines) for (const w of [...waiters]) if (w.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitForLine: (test: (line: string) => boolean) => new Promise<string>((resolve) => waiters.push({ test, resolve })),
  };
}
function killLeftovers(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

let toolchain: KindToolchain;
let kubeconfig: string;
const work = mkdtempSync(join(tmpdir(), 'drillbook-existing-e2e-'));
const kubectl = (args: readonly string[], timeoutMs = 180_000) => run(toolchain.kubectl, ['--kubeconfig', kubeconfig, '--context', CONTEXT, ...args], { timeoutMs });

/** The stack's Deployments as their owners see them: any write by drillbook changes resourceVersion or generation. */
async function deploymentsState(): Promise<Record<string, { resourceVersion: string; generation: number; replicas: number; ready: number }>> {
  const { stdout } = await kubectl(['-n', NS, 'get', 'deployments', '-o', 'json']);
  const items = (JSON.parse(stdout) as { items: { metadata: { name: string; resourceVersion: string; generation: number }; spec: { replicas: number }; status: { readyReplicas?: number } }[] }).items;
  return Object.fromEntries(items.map((d) => [d.metadata.name, { resourceVersion: d.metadata.resourceVersion, generation: d.metadata.generation, replicas: d.spec.replicas, ready: d.status.readyReplicas ?? 0 }]));
}

/** Objects labelled as drillbook's, minus those the kind node image itself ships (its CNI's ConfigMap). */
let nodeImageObjects: string[] = [];
const LOAD_NS = 'gravl-load';
async function drillbookObjects(): Promise<string[]> {
  const { stdout } = await kubectl(['get', 'pods,jobs,deployments,statefulsets,services,configmaps,secrets,networkpolicies', '--all-namespaces', '-l', 'app.kubernetes.io/managed-by=drillbook', '-o', 'name']);
  return stdout.split('\n').filter((name) => name && !nodeImageObjects.includes(name));
}

function config(sb: Sandbox, allow: boolean, extra: { namespaces?: readonly string[]; lines?: readonly string[] } = {}): void {
  writeFileSync(
    sb.config,
    [
      `reports:\n  outDir: ${sb.out}`,
      `cluster:\n  provider: existing\n  context: ${CONTEXT}\n  kubeconfig: ${kubeconfig}`,
      `stack:\n  namespace: ${NS}`,
      ...(allow ? [`allowDestructive:\n  contexts:\n    ${CONTEXT}:\n      namespaces: [${[NS, ...(extra.namespaces ?? [])].join(', ')}]`] : []),
      ...(extra.lines ?? []),
    ].join('\n') + '\n',
  );
}

/** Every journal the run wrote under the sandbox's out folder. */
function journals(sb: Sandbox): { scenario: { id: string }; status: string; load?: K6OperatorLoadResult; findings: { detail: string }[] }[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.journal.json')) found.push(join(dir, e.name));
    }
  };
  walk(sb.out);
  return found.map((f) => JSON.parse(readFileSync(f, 'utf8')));
}

beforeAll(async () => {
  // prerequisites, loudly: Docker, the kind toolchain, the stack's images and k6 (built here when missing)
  const docker = await tryRun('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
  if (docker instanceof Error) throw new Error(`this e2e needs a running Docker daemon: ${docker.message}`);
  toolchain = await ensureKindToolchain();
  await ensureK6({ log: () => {} });
  const images = { postgres: await ensureImage('postgres', { log: () => {} }), backend: await ensureImage('gravl-backend-v2', { log: () => {} }) };
  await tryRun(toolchain.kind, ['delete', 'cluster', '--name', CLUSTER], { env: kindEnv() });
  kubeconfig = join(work, 'kubeconfig');
  await run(toolchain.kind, ['create', 'cluster', '--name', CLUSTER, '--image', toolchain.nodeImage, '--kubeconfig', kubeconfig, '--wait', '180s'], { env: kindEnv(), timeoutMs: 300_000 });
  // the node image's own objects (drillbook-podnet, its CNI) carry drillbook's label from the start: not a run's
  nodeImageObjects = await drillbookObjects();
  for (const image of Object.values(images)) await run(toolchain.kind, ['load', 'docker-image', '--name', CLUSTER, image], { env: kindEnv(), timeoutMs: 300_000 });
  // the team's stack: the reference manifests as plain YAML files, applied stage by stage as a team would
  const stack = stackOptions({
    images,
    namespaces: { ...DEFAULT_NAMESPACES, app: NS },
    db: { user: 'gravl_user', password: `pw-${Date.now().toString(36)}`, name: 'gravl' },
    jwtSecret: `jwt-${Date.now().toString(36)}`,
    backendReplicas: 2,
  });
  for (const [i, stage] of referenceStack(stack).entries()) {
    const file = join(work, `${i}-${stage.name}.yaml`);
    writeFileSync(file, stage.objects.map((o) => stringify(o)).join('---\n'));
    await kubectl(['apply', '-f', file]);
    if (stage.name === 'database') await kubectl(['-n', NS, 'rollout', 'status', 'statefulset/postgres', '--timeout=240s'], 300_000);
    if (stage.name === 'migration') await kubectl(['-n', NS, 'wait', '--for=condition=complete', 'job/db-migration', '--timeout=240s'], 300_000);
    if (stage.name === 'app') await kubectl(['-n', NS, 'rollout', 'status', 'deployment/backend', '--timeout=240s'], 300_000);
  }
  expect(await drillbookObjects()).toEqual([]);
}, 900_000);

afterEach(() => killLeftovers());
afterAll(async () => {
  if (toolchain) await run(toolchain.kind, ['delete', 'cluster', '--name', CLUSTER], { env: kindEnv(), timeoutMs: 180_000 });
  const { stdout } = await run(toolchain.kind, ['get', 'clusters'], { env: kindEnv() });
  expect(stdout.split('\n')).not.toContain(CLUSTER);
}, 300_000);

describe('drillbook on a cluster it did not create (provider existing)', () => {
  it('(a) without the namespace allow-list: exit 2 naming the context, the namespace and the lines to add; nothing touched', async () => {
    const before = await deploymentsState();
    const sb = sandbox();
    config(sb, false);
    const p = startCli(sb, ['run', 'nightly', '--only', ...DRILLS]);
    expect(await p.exited, p.output().stderr).toBe(2);
    expect(p.output().stderr).toContain(`refusing destructive drills in namespace ${NS} of context '${CONTEXT}'`);
    expect(p.output().stderr).toContain(`namespaces: ["${NS}"]`);
    expect(await deploymentsState()).toEqual(before);
    expect(await drillbookObjects()).toEqual([]);
  }, 120_000);

  it('(b) with the allow-list the drills pass on the stack as deployed', async () => {
    const sb = sandbox();
    config(sb, true);
    const p = startCli(sb, ['run', 'nightly', '--only', ...DRILLS]);
    const code = await p.exited;
    expect(code, `${p.output().stdout}\n${p.output().stderr}`).toBe(0);
    const after = await deploymentsState();
    expect(after.backend).toMatchObject({ replicas: 2, ready: 2 });
    expect(await drillbookObjects()).toEqual([]);
  }, 420_000);

  it("(d) the cluster's own k6-operator (installed by the team): the drill's load runs as its TestRun of 2 runners in an allowed namespace, judged on the merged data", async () => {
    // the team's install, as they would do it: CRDs, a controller watching their load namespace, the runner image on
    // the nodes, and a NetworkPolicy letting that namespace reach the backend
    const images = { controller: await ensureImage('k6-operator', { log: () => {} }), runner: await ensureImage('k6-runner', { log: () => {} }) };
    for (const image of Object.values(images)) await run(toolchain.kind, ['load', 'docker-image', '--name', CLUSTER, image], { env: kindEnv(), timeoutMs: 300_000 });
    const build = await ensureK6OperatorBuild({ log: () => {} });
    const objects = [
      ...k6OperatorCrds(build.crds.map((f) => readFileSync(f, 'utf8'))),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: LOAD_NS } },
      ...k6OperatorController(images.controller, { watchNamespaces: [LOAD_NS] }),
      loadIngress(NS, LOAD_NS, 3000, { team: 'platform' }),
    ];
    const file = join(work, 'k6-operator.yaml');
    writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
    await kubectl(['apply', '--server-side', '-f', file]);
    await kubectl(['-n', 'k6-operator-system', 'rollout', 'status', 'deployment', '--timeout=180s'], 240_000);
    nodeImageObjects = [...nodeImageObjects, ...(await drillbookObjects())]; // the team's install is theirs, whatever its labels

    const sb = sandbox();
    const operator = [`load:\n  engine: k6-operator\n  parallelism: 2\n  k6Operator:\n    namespace: ${LOAD_NS}\n    runnerImage: ${images.runner}`];
    // the load namespace not allowed: refused before anything, naming it
    config(sb, true, { lines: operator });
    const refused = startCli(sb, ['run', 'nightly', '--only', 'backend-crash']);
    expect(await refused.exited, refused.output().stderr).toBe(2);
    expect(refused.output().stderr).toContain(`namespace ${LOAD_NS} of context '${CONTEXT}'`);
    // allowed: the drill runs under the operator's load
    config(sb, true, { namespaces: [LOAD_NS], lines: operator });
    const p = startCli(sb, ['run', 'nightly', '--only', 'backend-crash']);
    const code = await p.exited;
    // a failure says what the operator did: its log (the team would read it) and the events of the load namespace
    const operatorSide = async () => {
      const log = await tryRun(toolchain.kubectl, ['--kubeconfig', kubeconfig, '--context', CONTEXT, '-n', K6_OPERATOR_NAMESPACE, 'logs', `deploy/${K6_OPERATOR_CONTROLLER}`, '--tail=80']);
      const events = await tryRun(toolchain.kubectl, ['--kubeconfig', kubeconfig, '--context', CONTEXT, '-n', LOAD_NS, 'get', 'events', '--sort-by=.lastTimestamp']);
      return [log, events].map((r) => (r instanceof Error ? r.message : r.stdout)).join('\n');
    };
    expect(code, `${p.output().stdout}\n${p.output().stderr}\n${code === 0 ? '' : await operatorSide()}`).toBe(0);
    const [journal] = journals(sb).filter((j) => j.scenario.id === 'backend-crash');
    expect(journal?.status).toBe('completed');
    const load = journal!.load!;
    // who started the runners: the operator, or drillbook when the operator stalled (then a warning finding says so)
    const start = load.start;
    console.log(`existing k6-operator: ${load.requests} requests, ${load.rps} req/s, p95 ${load.p95Ms} ms; runners ${JSON.stringify(load.runners)}; started by ${JSON.stringify(start)}`);
    expect(['k6-operator', 'drillbook']).toContain(start.by);
    if (start.by === 'drillbook') expect(journal!.findings.map((f) => f.detail)).toContain(start.reason);
    expect(load.runners).toHaveLength(2);
    for (const r of load.runners) expect(r.requests).toBeGreaterThan(0);
    expect(load.requests).toBe(load.runners.reduce((n, r) => n + r.requests, 0));
    const { stdout } = await kubectl(['-n', LOAD_NS, 'get', TESTRUN.kind.toLowerCase() + 's.k6.io', '-o', 'name']);
    expect(stdout.trim()).toBe(''); // the run's TestRuns are gone
    expect(await drillbookObjects()).toEqual([]);
  }, 600_000);

  it('(c) SIGKILLed with the Secret deleted, then `drillbook gc`: the stack is restored and nothing of drillbook is left', async () => {
    const sb = sandbox();
    config(sb, true);
    const p = startCli(sb, ['--json', 'run', 'nightly', '--only', 'secret-missing']);
    await p.waitForLine((l) => l.includes('"fault-injected"'));
    p.child.kill('SIGKILL');
    await p.exited;
    const gone = await tryRun(toolchain.kubectl, ['--kubeconfig', kubeconfig, '--context', CONTEXT, '-n', NS, 'get', 'secret', 'app-secret']);
    expect(gone instanceof Error, 'the fault was in place when the run died').toBe(true);
    const gc = startCli(sb, ['gc']);
    expect(await gc.exited, gc.output().stderr).toBe(0);
    await kubectl(['-n', NS, 'get', 'secret', 'app-secret']);
    await kubectl(['-n', NS, 'rollout', 'restart', 'deployment/backend']); // the pods read the Secret at start: prove they start with it
    await kubectl(['-n', NS, 'rollout', 'status', 'deployment/backend', '--timeout=180s'], 240_000);
    expect((await deploymentsState()).backend).toMatchObject({ replicas: 2, ready: 2 });
    expect(await drillbookObjects()).toEqual([]);
  }, 300_000);
});
