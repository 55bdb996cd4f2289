// HTTP API of the Gravl backend (node:http, no framework): health, readiness, exercises, workout logs,
// metrics, and a guarded admin endpoint that makes the API slow or failing for load/chaos tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type pg from 'pg';
import type { Config, Fault } from './config.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { appliedVersion } from './migrate.ts';

export interface AppDeps {
  config: Config;
  pool: pg.Pool;
  log: Logger;
  metrics: Metrics;
  random?: () => number;
}

class HttpError extends Error {
  readonly status: number;
  readonly kind: string;
  constructor(status: number, message: string, kind = 'client') {
    super(message);
    this.status = status;
    this.kind = kind;
  }
}

interface Route {
  method: string;
  path: string;
  /** Business routes get the injected fault; health, readiness, metrics and admin never do. */
  faulty: boolean;
  handle: (req: IncomingMessage, url: URL) => Promise<[number, unknown]>;
}

const MAX_BODY = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

/**
 * How a pod being terminated stops serving: no new connections, requests in flight finish, and every kept-alive
 * connection is told to go (`Connection: close` on its next response) instead of being served on. `server.close()`
 * alone closes only the connections idle at that instant: a client that reuses its connection at a steady rate
 * (a load generator, a probe) keeps a terminating pod answering until the kubelet's SIGKILL, which hides an
 * outage from it (a scale to 0 looked like no outage at all) and then cuts its requests mid-flight. Call at
 * creation; the returned function starts the close and resolves once every connection is gone.
 */
export function gracefulClose(server: Server): () => Promise<void> {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const sayClose = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  };
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) sayClose(res);
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  return () => {
    draining = true;
    inFlight.forEach(sayClose);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    return closed;
  };
}

function requireInt(body: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = body[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new HttpError(400, `${key} must be an integer in [${min}, ${max}]`);
  return v;
}

export function createApp(deps: AppDeps): { server: Server; fault: Fault; metricsServer: () => Server } {
  const { config, pool, log, metrics } = deps;
  const random = deps.random ?? Math.random;
  const fault: Fault = { ...config.fault };
  const v2 = config.version !== 'v1';

  const dbError = (error: unknown): never => {
    if (error instanceof HttpError) throw error;
    throw new HttpError(503, `database error: ${(error as Error).message}`, 'db');
  };

  const routes: Route[] = [
    { method: 'GET', path: '/api/health', faulty: false, handle: async () => [200, { status: 'ok', version: config.version }] },
    { method: 'GET', path: '/health', faulty: false, handle: async () => [200, { status: 'ok', version: config.version }] },
    {
      method: 'GET',
      path: '/api/ready',
      faulty: false,
      handle: async () => {
        try {
          const client = await pool.connect();
          try {
            await client.query("SET statement_timeout = '2s'");
            const version = await appliedVersion(client);
            if (version < config.requiredMigration) {
              return [503, { status: 'not ready', reason: `schema at migration ${version}, this build needs ${config.requiredMigration}: run the migrate command`, version: config.version }];
            }
            return [200, { status: 'ready', version: config.version, schema: version }];
          } finally {
            client.release();
          }
        } catch (error) {
          return [503, { status: 'not ready', reason: `database unreachable: ${(error as Error).message}`, version: config.version }];
        }
      },
    },
    {
      method: 'GET',
      path: '/api/exercises',
      faulty: true,
      handle: async () => {
        const result = await pool.query('SELECT id, name, muscle_group AS "muscleGroup" FROM exercises ORDER BY id').catch(dbError);
        return [200, { exercises: result.rows }];
      },
    },
    {
      method: 'POST',
      path: '/api/logs',
      faulty: true,
      handle: async (req) => {
        const body = await readJson(req);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body must be a JSON object');
        const b = body as Record<string, unknown>;
        const clientId = b.clientId;
        if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 200) throw new HttpError(400, 'clientId must be a non-empty string (<= 200 chars)');
        const seq = requireInt(b, 'seq', 0, Number.MAX_SAFE_INTEGER);
        const exerciseId = requireInt(b, 'exerciseId', 1, 2_147_483_647);
        const reps = requireInt(b, 'reps', 1, 10_000);
        const weightKg = b.weightKg ?? 0;
        if (typeof weightKg !== 'number' || !(weightKg >= 0 && weightKg < 10_000)) throw new HttpError(400, 'weightKg must be a number in [0, 10000)');
        const rpe = v2 && b.rpe !== undefined ? requireInt(b, 'rpe', 1, 10) : null;
        // One statement in autocommit: the response is sent only after PostgreSQL has committed it.
        const columns = v2 ? '(client_id, seq, exercise_id, reps, weight_kg, rpe)' : '(client_id, seq, exercise_id, reps, weight_kg)';
        const values = v2 ? '($1, $2, $3, $4, $5, $6)' : '($1, $2, $3, $4, $5)';
        const params = v2 ? [clientId, seq, exerciseId, reps, weightKg, rpe] : [clientId, seq, exerciseId, reps, weightKg];
        const inserted = await pool
          .query<{ id: string; created_at: Date }>(`INSERT INTO workout_logs ${columns} VALUES ${values} ON CONFLICT (client_id, seq) DO NOTHING RETURNING id, created_at`, params)
          .catch((error: { code?: string; message: string }) => {
            if (error.code === '23503') throw new HttpError(400, `exerciseId ${exerciseId} does not exist`);
            return dbError(error);
          });
        const row = inserted.rows[0];
        if (!row) {
          const existing = await pool
            .query<{ id: string; created_at: Date }>('SELECT id, created_at FROM workout_logs WHERE client_id = $1 AND seq = $2', [clientId, seq])
            .catch(dbError);
          const e = existing.rows[0];
          return [200, { id: Number(e?.id), clientId, seq, committedAt: e?.created_at, duplicate: true }];
        }
        metrics.logsWritten.inc();
        log.log('info', 'workout log committed', { clientId, seq, id: Number(row.id) });
        return [201, { id: Number(row.id), clientId, seq, committedAt: row.created_at, duplicate: false }];
      },
    },
    {
      method: 'GET',
      path: '/api/logs',
      faulty: true,
      handle: async (_req, url) => {
        const clientId = url.searchParams.get('clientId');
        if (!clientId) throw new HttpError(400, 'query parameter clientId is required');
        const afterSeq = Number(url.searchParams.get('afterSeq') ?? -1);
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 1000), 10_000);
        if (!Number.isInteger(afterSeq) || !Number.isInteger(limit) || limit < 1) throw new HttpError(400, 'afterSeq and limit must be integers');
        const rows = await pool
          .query(
            `SELECT id::int AS id, seq::float8 AS seq, exercise_id AS "exerciseId", reps, weight_kg::float8 AS "weightKg",${v2 ? ' rpe,' : ''} created_at AS "createdAt"
             FROM workout_logs WHERE client_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
            [clientId, afterSeq, limit],
          )
          .catch(dbError);
        const summary = await pool
          .query<{ count: number; max: number | null }>('SELECT count(*)::int AS count, max(seq)::float8 AS max FROM workout_logs WHERE client_id = $1', [clientId])
          .catch(dbError);
        return [200, { clientId, count: summary.rows[0]?.count ?? 0, maxSeq: summary.rows[0]?.max ?? null, logs: rows.rows }];
      },
    },
    {
      method: 'GET',
      path: '/api/admin/fault',
      faulty: false,
      handle: async () => {
        if (!config.adminEnabled) throw new HttpError(404, 'not found');
        return [200, fault];
      },
    },
    {
      method: 'POST',
      path: '/api/admin/fault',
      faulty: false,
      handle: async (req) => {
        if (!config.adminEnabled) throw new HttpError(404, 'not found');
        const b = (await readJson(req)) as Record<string, unknown> | null;
        const latencyMs = b?.latencyMs ?? 0;
        const errorRate = b?.errorRate ?? 0;
        if (typeof latencyMs !== 'number' || !Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > 600_000) throw new HttpError(400, 'latencyMs must be an integer in [0, 600000]');
        if (typeof errorRate !== 'number' || errorRate < 0 || errorRate > 1) throw new HttpError(400, 'errorRate must be a number in [0, 1]');
        fault.latencyMs = latencyMs;
        fault.errorRate = errorRate;
        log.log('warn', 'fault injection changed', { latencyMs, errorRate });
        return [200, fault];
      },
    },
  ];

  const serveMetrics = async (res: ServerResponse) => {
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(body);
  };

  const server = createServer(async (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (url.pathname === '/metrics' && method === 'GET') {
      await serveMetrics(res).catch(() => res.writeHead(500).end());
      return;
    }
    const route = routes.find((r) => r.path === url.pathname && r.method === method);
    const routeLabel = route?.path ?? (routes.some((r) => r.path === url.pathname) ? url.pathname : 'unmatched');
    let status = 500;
    let payload: unknown;
    let kind: string | undefined;
    try {
      if (!route) throw new HttpError(routeLabel === 'unmatched' ? 404 : 405, routeLabel === 'unmatched' ? 'not found' : 'method not allowed');
      if (route.faulty && fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
      if (route.faulty && fault.errorRate > 0 && random() < fault.errorRate) throw new HttpError(500, 'injected fault (GRAVL_FAULT_ERROR_RATE / POST /api/admin/fault)', 'injected');
      [status, payload] = await route.handle(req, url);
    } catch (error) {
      if (error instanceof HttpError) {
        status = error.status;
        kind = error.kind;
        payload = { error: error.message };
      } else {
        status = 500;
        kind = 'internal';
        payload = { error: 'internal error' };
        log.log('error', 'unhandled error', { error: (error as Error).message, stack: (error as Error).stack });
      }
    }
    if (!res.headersSent) {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    }
    const seconds = (performance.now() - started) / 1000;
    const labels = { method, route: routeLabel, status: String(status) };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, seconds);
    if (status >= 500) metrics.errors.inc({ route: routeLabel, kind: kind ?? 'internal' });
    if (routeLabel !== '/api/health' && routeLabel !== '/health' && routeLabel !== '/api/ready') {
      log.log(status >= 500 ? 'error' : 'info', 'request', { method, path: url.pathname, status, durationMs: Math.round(seconds * 1000) });
    }
  });
  server.keepAliveTimeout = 5_000;

  const metricsServer = () =>
    createServer((req, res) => {
      if (req.url?.startsWith('/metrics')) serveMetrics(res).catch(() => res.writeHead(500).end());
      else res.writeHead(404).end();
    });
  return { server, fault, metricsServer };
}
