// The ledger image against a real PostgreSQL (Docker, no Kubernetes): the probe contract of drillbook.yaml
// writes 20 entries and reads them back; with the database container killed, writes are refused (never
// acknowledged) and readiness drops while liveness holds. Also: the version shows in /livez, the broken
// release exits at start.
import '../../../tools/lib/testcontainers-env.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../../scenarios/ports.ts';
import { ToolFailedError } from '../../../scenarios/errors.ts';
import { ensureImage } from '../../../tools/images/images.ts';
import { tryRun } from '../../../tools/lib/exec.ts';

const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.scenario]: 'ledger-example-test' };
const stack = (parse(readFileSync(join(import.meta.dirname, 'drillbook.yaml'), 'utf8')) as { stack: any }).stack;
const creds = { user: 'ledger', password: 'pw-ledger-test' };

/** The description's probe templates filled in (as the drills fill them). */
const fill = (t: string, seq: number, runId: string) => t.replaceAll('{{seq}}', String(seq)).replaceAll('{{runId}}', encodeURIComponent(runId));

describe('ledger image with a real PostgreSQL', () => {
  let network: StartedNetwork;
  let pg: StartedTestContainer;
  let app: StartedTestContainer;
  let base: string;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let t = performance.now();
    const [image, pgImage] = [await ensureImage('ledger-v2', { log: console.log }), await ensureImage('postgres', { log: console.log })];
    timings.imagesMs = performance.now() - t;
    t = performance.now();
    network = await new Network().start();
    pg = await new GenericContainer(pgImage)
      .withLabels(labels)
      .withNetwork(network)
      .withNetworkAliases(stack.components.database.service)
      .withEnvironment({ POSTGRES_USER: creds.user, POSTGRES_PASSWORD: creds.password, POSTGRES_DB: stack.components.database.credentials.database })
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/))
      .start();
    timings.postgresStartMs = performance.now() - t;
    t = performance.now();
    app = await new GenericContainer(image)
      .withLabels(labels)
      .withNetwork(network)
      .withEnvironment({
        LEDGER_DB_HOST: stack.components.database.service,
        LEDGER_DB_PORT: String(stack.components.database.port),
        LEDGER_DB_NAME: stack.components.database.credentials.database,
        LEDGER_DB_USER: creds.user,
        LEDGER_DB_PASSWORD: creds.password,
      })
      .withExposedPorts(stack.components.backend.port)
      .withWaitStrategy(Wait.forHttp(stack.components.backend.readinessPath, stack.components.backend.port).forStatusCode(200))
      .start();
    timings.ledgerReadyMs = performance.now() - t;
    base = `http://127.0.0.1:${app.getMappedPort(stack.components.backend.port)}`;
  });

  afterAll(async () => {
    console.log(`[ledger timings] ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}`);
    await app?.stop({ remove: true });
    await pg?.stop({ remove: true, removeVolumes: true });
    await network?.stop();
  });

  const write = (seq: number, runId: string) =>
    fetch(base + fill(stack.probe.write.path, seq, runId), {
      method: stack.probe.write.method,
      headers: { 'content-type': 'application/json' },
      body: fill(stack.probe.write.body, seq, runId),
      signal: AbortSignal.timeout(10_000),
    });

  it('shows its release in /livez', async () => {
    const res = await fetch(`${base}${stack.components.backend.healthPath}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', version: 'v2' });
  });

  it('acknowledges 20 writes through the described probe and reads every one back', async () => {
    const runId = `run-${Date.now()}`;
    const t = performance.now();
    for (let seq = 1; seq <= 20; seq++) {
      const res = await write(seq, runId);
      expect(stack.probe.write.acceptedStatus, `seq ${seq}: ${res.status}`).toContain(res.status);
      expect(((await res.json()) as Record<string, unknown>)[stack.probe.seqField]).toBe(seq);
    }
    timings.twentyWritesMs = performance.now() - t;
    const again = await write(7, runId);
    expect(again.status).toBe(200); // a retry of an acknowledged write is acknowledged, not written twice
    const read = await fetch(base + fill(stack.probe.read.path, 0, runId), { method: stack.probe.read.method });
    expect(read.status).toBe(200);
    const seqs = ((await read.json()) as Record<string, number>[]).map((e) => e[stack.probe.seqField]);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('ledger_entries_written_total 20\n');
    expect(metrics).toMatch(/ledger_http_requests_total\{method="POST",route="\/v1\/entries",code="201"\} 20\n/);
  });

  it('refuses writes while its database is killed: not acknowledged, not ready, still live', async () => {
    const runId = `down-${Date.now()}`;
    const t = performance.now();
    const killed = await tryRun('docker', ['kill', pg.getId()], { timeoutMs: 30_000 });
    expect(killed).not.toBeInstanceOf(ToolFailedError);
    for (let seq = 1; seq <= 5; seq++) {
      const res = await write(seq, runId);
      expect(stack.probe.write.acceptedStatus).not.toContain(res.status);
      expect(res.status).toBe(503);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).not.toHaveProperty(stack.probe.seqField);
      expect(String(body.error)).toMatch(/not written/);
    }
    timings.fiveRefusedWritesMs = performance.now() - t;
    expect((await fetch(`${base}${stack.components.backend.readinessPath}`)).status).toBe(503);
    expect((await fetch(`${base}${stack.components.backend.healthPath}`)).status).toBe(200);
  });

  it('broken release exits at start with a message', async () => {
    const broken = await ensureImage('ledger-broken');
    const result = await tryRun('docker', ['run', '--rm', ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), broken], { timeoutMs: 30_000 });
    expect(result).toBeInstanceOf(ToolFailedError);
    expect((result as ToolFailedError).exitCode).toBe(78);
  });
});
