// e2e: a kind cluster from the locally built node image, the reference stack deployed on it, k6 smoke against
// the backend through a port published on 127.0.0.1, a NetworkPolicy check, a harness killed (SIGKILL) in the
// middle of a scenario and `drillbook gc` restoring the cluster, teardown.
// Prerequisites are built when missing (ensureKindToolchain: 30-60 min cold; cached afterwards).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheDir } from '../tools/lib/cache.ts';
import { run, tryRun } from '../tools/lib/exec.ts';
import { ensureKindToolchain } from '../tools/kube/toolchain.ts';
import { singleNodeConfig } from '../clusters/kind/kind-config.ts';
import { deploymentAvailable, podFinished } from '../clusters/kube/conditions.ts';
import { FaultLedger } from '../tools/state/ledger.ts';
import { KindCluster, type StartedKindCluster } from '../clusters/kube/kind.provider.ts';
import type { KubeObject } from '../clusters/kube/kube-api.ts';
import { deployStack } from '../clusters/stack/deploy-stack.ts';
import { stackOptions } from '../clusters/stack/manifests/stack-options.ts';
import { resolveStackImages } from '../clusters/stack/stack-images.ts';

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function k6Binary(): string {
  const root = cacheDir('k6');
  const versions = existsSync(root) ? readdirSync(root).sort().reverse() : [];
  for (const v of versions) {
    for (const candidate of [join(root, v, 'bin', 'k6'), join(root, v, 'k6')]) if (existsSync(candidate)) return candidate;
  }
  throw new Error(`k6 is not built (looked in ${root}/<version>/bin/k6): run tools/bootstrap.sh, which builds it with go install go.k6.io/k6`);
}

const run_id = `e2e-${Date.now().toString(36)}`;
let cluster: StartedKindCluster | undefined;

afterAll(async () => {
  await cluster?.[Symbol.asyncDispose]();
});

describe('kind cluster with the reference stack', () => {
  it('creates the cluster, deploys the stack, serves k6 smoke on 127.0.0.1, and enforces NetworkPolicy', async () => {
    const toolchain = await ensureKindToolchain({ verbose: true });
    const images = await resolveStackImages(['postgres', 'backend']);
    const hostPort = await freeLoopbackPort();
    const options = stackOptions({
      images,
      db: { user: 'gravl_user', password: `pw-${run_id}`, name: 'gravl' },
      jwtSecret: `jwt-${run_id}`,
      backendReplicas: 2,
    });

    cluster = await new KindCluster('drillbook-e2e')
      .withKindBinary(toolchain.kind)
      .withNodeImage(toolchain.nodeImage)
      .withConfig(singleNodeConfig({ ports: [{ containerPort: options.backendNodePort, hostPort }] }))
      .withReuse(false)
      .start();
    console.log(`cluster ${cluster.name} up in ${cluster.startMs} ms`);
    await cluster.loadImages(Object.values(images));

    // Default StorageClass is local-path, and there is no `standard` (the seeds' Loki failure reproduces).
    const { stdout: classes } = await run(toolchain.kubectl, ['--kubeconfig', cluster.kubeconfigPath, 'get', 'storageclass', '-o', 'name']);
    expect(classes.split('\n')).toContain('storageclass.storage.k8s.io/local-path');
    expect(classes).not.toContain('storageclass.storage.k8s.io/standard');

    const client = cluster.client();
    const timings = await deployStack(client, options, {
      conditionTimeoutMs: 240_000,
      onStage: (t) => console.log(`stage ${t.stage}: ${t.applied} objects, ready in ${t.ms} ms`),
    });
    expect(timings.map((t) => t.stage)).toEqual(['foundation', 'database', 'migration', 'app', 'backup']);

    // k6 smoke through the port kind published on 127.0.0.1 (bounded: 10 s, 2 VUs).
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-k6-'));
    const script = join(dir, 'smoke.js');
    writeFileSync(
      script,
      `import http from 'k6/http';
import { check } from 'k6';
export const options = { vus: 2, duration: '10s', thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(95)<500'] } };
export default function () { check(http.get('http://127.0.0.1:${hostPort}/api/health'), { '200': (r) => r.status === 200 }); }
`,
    );
    const k6 = await tryRun(k6Binary(), ['run', '--quiet', '--summary-export', join(dir, 'summary.json'), script], { timeoutMs: 60_000 });
    expect(k6 instanceof Error ? k6.message : 'k6 thresholds held').toBe('k6 thresholds held');

    // NetworkPolicy: only backend/migration/backup pods may reach PostgreSQL.
    const ns = options.namespaces.app;
    const probe = (name: string, component: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns, labels: { component } },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'probe', image: images.postgres, imagePullPolicy: 'IfNotPresent', command: ['pg_isready', '-h', 'postgres', '-p', '5432', '-t', '8'] }],
      },
    });
    await client.apply([probe('netpol-allowed', 'backend'), probe('netpol-denied', 'intruder')]);
    const allowed = await client.waitFor(podFinished(ns, 'netpol-allowed'), { timeoutMs: 60_000 });
    const denied = await client.waitFor(podFinished(ns, 'netpol-denied'), { timeoutMs: 60_000 });
    expect(allowed.detail).toBe('Succeeded');
    expect(denied.detail, 'a pod without an allowed component label reached PostgreSQL: NetworkPolicy is not enforced').toBe('Failed');

    // kill -9 mid-scenario: the harness injects a bad release, is killed during the runbook, and the fault stays
    // in place until `drillbook gc` undoes it from the ledger.
    const state = mkdtempSync(join(tmpdir(), 'drillbook-gc-state-'));
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'backend' };
    const image = async () => ((await client.api.read(deployment)) as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image;
    expect(await image()).toBe(images.backend);
    const env = { ...process.env, DRILLBOOK_STATE: state };
    const harness = spawn(process.execPath, [fileURLToPath(new URL('./testing/killed-mid-scenario.ts', import.meta.url)), cluster.kubeconfigPath, cluster.context, ns, images.postgres, `gc-e2e-${run_id}`], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the harness child never reached its runbook step')), 60_000);
      harness.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('MID-RUNBOOK') && (clearTimeout(timer), resolve()));
      harness.on('exit', (code) => reject(new Error(`the harness child exited early (${code})`)));
    });
    harness.kill('SIGKILL');
    await once(harness, 'exit');
    expect(await image(), 'the bad release is in place after kill -9').toBe(images.postgres);
    const ledger = new FaultLedger(join(state, 'faults'));
    expect(ledger.list().map((e) => e.faultKind)).toEqual(['set-image']);
    const gcRun = await run(process.execPath, [fileURLToPath(new URL('../tools/cli/drillbook.mjs', import.meta.url)), 'gc'], { env, timeoutMs: 120_000 });
    console.log(gcRun.stdout);
    expect(await image(), 'gc restored the previous image').toBe(images.backend);
    expect(ledger.list()).toEqual([]);
    await client.waitFor(deploymentAvailable(ns, 'backend'), { timeoutMs: 180_000 });
  });
});
