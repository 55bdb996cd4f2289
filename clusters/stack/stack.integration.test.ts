// The whole reference stack on Docker from locally built images: migrations, health and readiness, writes and
// reads, the frontend's proxy, the backend's metrics in Prometheus (with the seeds' alert rules loaded) and a
// backend log line in Loki shipped by promtail.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../scenarios/clock.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { GravlDockerStack, type StartedGravlDockerStack } from './docker-stack.ts';

const getJson = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as any };
};

describe('reference Gravl stack on Docker', () => {
  let stack: StartedGravlDockerStack;
  const clientId = `stack-test-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    stack = await new GravlDockerStack().withLabels(`images-${Date.now().toString(36)}`, 'images-stack-test').withLog((l) => console.log(`[stack] ${l}`)).start();
  });
  afterAll(async () => {
    await stack?.stop();
    await stack?.stop(); // idempotent
  });

  it('passes health and readiness with the v2 schema applied by the migrate command', async () => {
    expect(await getJson(`${stack.backendUrl}/api/health`)).toMatchObject({ status: 200, body: { status: 'ok', version: 'v2' } });
    expect(await getJson(`${stack.backendUrl}/api/ready`)).toMatchObject({ status: 200, body: { status: 'ready', schema: 2 } });
  });

  it('writes workout logs (acknowledged after commit) and reads them back by client sequence', async () => {
    for (let seq = 1; seq <= 5; seq++) {
      const r = await getJson(`${stack.backendUrl}/api/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId, seq, exerciseId: 1 + (seq % 3), reps: 5, weightKg: 60 + seq, rpe: 7 }),
      });
      expect(r).toMatchObject({ status: 201, body: { clientId, seq, duplicate: false } });
    }
    const retry = await getJson(`${stack.backendUrl}/api/logs`, { method: 'POST', body: JSON.stringify({ clientId, seq: 3, exerciseId: 1, reps: 5 }) });
    expect(retry).toMatchObject({ status: 200, body: { duplicate: true } });
    const read = await getJson(`${stack.backendUrl}/api/logs?clientId=${clientId}`);
    expect(read.body).toMatchObject({ clientId, count: 5, maxSeq: 5 });
    expect(read.body.logs.map((l: { seq: number }) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(read.body.logs[0]).toMatchObject({ rpe: 7 });
  });

  it('serves the frontend, which reaches the backend through nginx', async () => {
    const page = await fetch(`${stack.frontendUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Gravl</title>');
    const viaProxy = await getJson(`${stack.frontendUrl}/api/exercises`);
    expect(viaProxy.status).toBe(200);
    expect(viaProxy.body.exercises.length).toBeGreaterThanOrEqual(6);
  });

  it("shows the backend's request metrics in Prometheus, with the seeds' alert rules loaded", async () => {
    const value = await waitFor(
      systemClock,
      condition('prometheus has gravl-backend POST /api/logs requests', async () => {
        const q = encodeURIComponent('sum(http_requests_total{job="gravl-backend",route="/api/logs",method="POST"})');
        const r = await getJson(`${stack.prometheusUrl}/api/v1/query?query=${q}`);
        const v = Number(r.body?.data?.result?.[0]?.value?.[1] ?? 0);
        return { ok: v >= 6, value: v };
      }),
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(value).toBeGreaterThanOrEqual(6);
    const rules = await getJson(`${stack.prometheusUrl}/api/v1/rules?type=alert`);
    const names = rules.body.data.groups.flatMap((g: { rules: Array<{ name: string }> }) => g.rules.map((r) => r.name));
    expect(names).toEqual(expect.arrayContaining(['GravlHighErrorRate', 'GravlPodCrashLooping', 'GravlNoRecentBackup']));
    const active = await waitFor(
      systemClock,
      condition('prometheus discovered the alertmanager', async () => {
        const ams = await getJson(`${stack.prometheusUrl}/api/v1/alertmanagers`);
        const list: Array<{ url: string }> = ams.body?.data?.activeAlertmanagers ?? [];
        return { ok: list.length > 0, value: list };
      }),
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(active[0]?.url).toMatch(/alertmanager:9093/);
  });

  it('has a line the backend wrote in Loki, shipped by promtail', async () => {
    const lines = await waitFor(
      systemClock,
      condition(`loki has the backend's "workout log committed" line for ${clientId}`, async () => {
        const query = encodeURIComponent(`{job="docker", service="gravl-backend"} |= "${clientId}" |= "workout log committed"`);
        const start = (Date.now() - 15 * 60_000) * 1e6;
        const r = await getJson(`${stack.lokiUrl}/loki/api/v1/query_range?query=${query}&start=${start}&limit=100`);
        const found: string[] = (r.body?.data?.result ?? []).flatMap((s: { values: Array<[string, string]> }) => s.values.map((v) => v[1]));
        return { ok: found.length >= 5, value: found };
      }),
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(JSON.parse(lines[0]!)).toMatchObject({ service: 'gravl-backend', msg: 'workout log committed', clientId });
  });
});
