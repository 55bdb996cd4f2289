// The HTTP layer against an in-memory fake of the pool: validation, idempotent writes, fault injection, metrics.
import { once } from 'node:events';
import { Agent, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { createApp, gracefulClose } from './server.ts';

function fakePool(schemaVersion = 2) {
  const rows = new Map<string, { id: number; created_at: Date }>();
  const query = async (sql: string, params: unknown[] = []) => {
    if (sql.includes('to_regclass')) return { rows: [{ t: 'schema_migrations' }] };
    if (sql.includes('max(version)')) return { rows: [{ v: schemaVersion }] };
    if (sql.startsWith('SET')) return { rows: [] };
    if (sql.startsWith('INSERT INTO workout_logs')) {
      const key = `${params[0]}#${params[1]}`;
      if (rows.has(key)) return { rows: [] };
      const row = { id: rows.size + 1, created_at: new Date() };
      rows.set(key, row);
      return { rows: [row] };
    }
    if (sql.startsWith('SELECT id, created_at FROM workout_logs')) return { rows: [rows.get(`${params[0]}#${params[1]}`)] };
    if (sql.includes('FROM exercises')) return { rows: [{ id: 1, name: 'Back squat', muscleGroup: 'legs' }] };
    throw new Error(`unexpected SQL ${sql}`);
  };
  const pool = { query, connect: async () => ({ query, release: () => {} }) };
  return { pool: pool as unknown as pg.Pool, rows };
}

const servers: Array<{ close: () => void }> = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function start(env: Record<string, string> = {}, schemaVersion = 2, random = () => 0.5) {
  const config = loadConfig({ DB_PASSWORD: 'x', GRAVL_VERSION: 'v2', ...env }, () => undefined);
  const lines: string[] = [];
  const { pool, rows } = fakePool(schemaVersion);
  const metrics = createMetrics(config.version, async () => undefined);
  const { server } = createApp({ config, pool, log: createLogger({ service: 'gravl-backend' }, 'info', (l) => lines.push(l)), metrics, random });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
  const post = (path: string, body: unknown) => call(path, { method: 'POST', body: JSON.stringify(body) });
  return { call, post, lines, rows, server };
}

describe('gravl-backend HTTP API', () => {
  it('acknowledges a write once and reports the retry as a duplicate, logging the commit', async () => {
    const { post, lines } = await start();
    const first = await post('/api/logs', { clientId: 'c', seq: 1, exerciseId: 1, reps: 5, weightKg: 50 });
    expect(first).toMatchObject({ status: 201, body: { clientId: 'c', seq: 1, duplicate: false } });
    expect((await post('/api/logs', { clientId: 'c', seq: 1, exerciseId: 1, reps: 5 })).body.duplicate).toBe(true);
    expect(lines.some((l) => JSON.parse(l).msg === 'workout log committed')).toBe(true);
  });

  it('rejects invalid writes with 400 and a reason', async () => {
    const { post } = await start();
    expect(await post('/api/logs', { clientId: '', seq: 1, exerciseId: 1, reps: 5 })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/clientId/) } });
    expect(await post('/api/logs', { clientId: 'c', seq: 1.5, exerciseId: 1, reps: 5 })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/seq/) } });
    expect(await post('/api/logs', { clientId: 'c', seq: 1, exerciseId: 1, reps: 5, rpe: 11 })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/rpe/) } });
  });

  it('is not ready while the schema is behind the migration this build needs', async () => {
    const { call } = await start({}, 1);
    expect(await call('/api/ready')).toMatchObject({ status: 503, body: { reason: expect.stringMatching(/needs 2: run the migrate command/) } });
    expect((await call('/api/health')).status).toBe(200);
  });

  it('injects errors on business routes only, counts them in metrics, and hides the admin endpoint unless enabled', async () => {
    const faulty = await start({ GRAVL_FAULT_ERROR_RATE: '0.5' }, 2, () => 0.1);
    expect((await faulty.call('/api/exercises')).status).toBe(500);
    expect((await faulty.call('/api/health')).status).toBe(200);
    expect((await faulty.call('/api/admin/fault')).status).toBe(404);
    const metrics = (await faulty.call('/metrics')).body as string;
    expect(metrics).toMatch(/http_request_errors_total\{route="\/api\/exercises",kind="injected"\} 1/);
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/api\/exercises",status="500"\} 1/);
  });

  it('lets tests switch latency and errors at run time through the guarded admin endpoint', async () => {
    const { call, post } = await start({ GRAVL_ADMIN_ENABLED: 'true' });
    expect(await post('/api/admin/fault', { latencyMs: 150, errorRate: 0 })).toMatchObject({ status: 200, body: { latencyMs: 150, errorRate: 0 } });
    const t0 = performance.now();
    expect((await call('/api/exercises')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect((await post('/api/admin/fault', { errorRate: 2 })).status).toBe(400);
    expect((await post('/api/admin/fault', {})).body).toEqual({ latencyMs: 0, errorRate: 0 });
  });
});

describe('gravl-backend graceful close (SIGTERM)', () => {
  it('lets the request in flight finish, tells its kept-alive client to go, and then stops serving', async () => {
    // 200 ms of injected latency keeps the business read in flight while the close starts
    const { server } = await start({ GRAVL_FAULT_LATENCY_MS: '200' });
    const close = gracefulClose(server);
    const { port } = server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port, path, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
        }).on('error', reject);
      });
    try {
      expect(await get('/api/health')).toEqual({ status: 200, connection: 'keep-alive' });
      const arrived = once(server, 'request');
      const inFlight = get('/api/exercises'); // on the kept-alive connection
      await arrived;
      const closed = close();
      expect(await inFlight).toEqual({ status: 200, connection: 'close' });
      await closed; // resolves only once no connection is left: without the close header the client's would stay
      await expect(get('/api/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      agent.destroy();
    }
  });
});
