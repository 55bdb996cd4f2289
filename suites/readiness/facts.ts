// Facts the harness measures on a running stack for the readiness checks: Prometheus targets, AlertManager
// receivers and a real test alert seen delivered, a backend log line in Loki, the applied migrations, the app pods'
// restart counts. Read-only except the test alert (fired, then resolved). Each service is reached through a JsonGet:
// a loopback URL of the run's own stack (Docker) or the API server's service proxy (kind).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { allUnreadable } from './snapshot.ts';
import type { AlertingFact, ClusterSnapshot, ContainerRestarts, HarnessFacts, LokiFact, MigrationsFact, PrometheusTargetFact } from './snapshot.ts';

async function getJson(url: string, signal?: AbortSignal): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.any([...(signal ? [signal] : []), AbortSignal.timeout(10_000)]) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

/** A JSON GET on one service by path ('/api/v1/targets'); rejects on a non-2xx answer with what was asked. */
export type JsonGet = (path: string, signal?: AbortSignal) => Promise<unknown>;

/** The service at a base URL (loopback): `${base}${path}`. */
export const urlGet = (base: string): JsonGet => (path, signal) => getJson(`${base}${path}`, signal);

const asGet = (source: string | JsonGet): JsonGet => (typeof source === 'string' ? urlGet(source) : source);

export async function prometheusTargets(prometheus: string | JsonGet, signal?: AbortSignal): Promise<PrometheusTargetFact[]> {
  const body = (await asGet(prometheus)('/api/v1/targets?state=active', signal)) as {
    data: { activeTargets: { labels: Record<string, string>; scrapeUrl: string; health: string; lastError?: string }[] };
  };
  return body.data.activeTargets.map((t) => ({
    job: t.labels.job ?? 'unknown',
    instance: t.labels.instance ?? t.scrapeUrl,
    health: t.health === 'up' || t.health === 'down' ? t.health : 'unknown',
    ...(t.lastError ? { lastError: t.lastError } : {}),
  }));
}

const INTEGRATIONS = ['slack_configs', 'email_configs', 'webhook_configs', 'pagerduty_configs', 'opsgenie_configs', 'msteams_configs', 'telegram_configs'] as const;

/**
 * Receivers from AlertManager's running config (a receiver with no integration is a template, not a destination)
 * and, when `testAlert` is given, the real test alert it fires (fireTestAlert) to the receiver the route sends to.
 */
export async function alertingFact(alertmanager: string | JsonGet, signal?: AbortSignal, testAlert?: (routeReceiver: string) => Promise<TestAlertResult>): Promise<AlertingFact> {
  const status = (await asGet(alertmanager)('/api/v2/status', signal)) as { config: { original: string } };
  const config = (parseYaml(status.config.original) ?? {}) as { route?: { receiver?: unknown }; receivers?: Record<string, unknown>[] };
  const receivers = (config.receivers ?? []).map((r) => {
    const kinds = INTEGRATIONS.filter((k) => Array.isArray(r[k]) && (r[k] as unknown[]).length > 0);
    return { name: String(r.name), kind: kinds.map((k) => k.replace('_configs', '')).join('+') || 'none', configured: kinds.length > 0 };
  });
  return { receivers, ...(testAlert ? { testAlert: await testAlert(String(config.route?.receiver ?? '')) } : {}) };
}

export type TestAlertResult = NonNullable<AlertingFact['testAlert']>;

/** What firing a test alert needs: AlertManager's POST /api/v2/alerts and the receiver's record of deliveries. */
export interface TestAlertPort {
  /** POST /api/v2/alerts with these alerts; any HTTP status resolves. */
  postAlerts(alerts: readonly Record<string, unknown>[], signal: AbortSignal): Promise<{ status: number; body: string }>;
  /**
   * The notifications the receiver got whose body contains `match`, waiting up to `waitMs` for the first (a long
   * poll); `status` is the notification's 'firing' or 'resolved'.
   */
  deliveries(match: string, waitMs: number, signal: AbortSignal): Promise<readonly { receivedAtWall: string; status: string; receiver: string }[]>;
  /** Wall clock (ms), for the latency; default Date.now. */
  now?(): number;
}

export const TEST_ALERT_NAME = 'DrillbookSignoffTestAlert';

/**
 * PRODUCTION_SIGN_OFF.md § 3.2 "send a test alert, confirm delivery": posts a uniquely labelled alert (alertname
 * DrillbookSignoffTestAlert, drillbook_test_id=`id`) to AlertManager, waits up to `timeoutMs` for the receiver to
 * get it firing, and resolves it afterwards (endsAt now, whatever happened). The latency is post -> receipt (wall
 * clocks of this machine and the receiver's node: one machine on kind). Not delivered in time is delivered:false
 * with what was seen, never an exception: that is the check's evidence.
 */
export async function fireTestAlert(port: TestAlertPort, o: { receiver: string; id: string; timeoutMs?: number; signal: AbortSignal }): Promise<TestAlertResult> {
  const now = () => port.now?.() ?? Date.now();
  const timeoutMs = o.timeoutMs ?? 90_000;
  const labels = { alertname: TEST_ALERT_NAME, severity: 'info', drillbook_test_id: o.id };
  const annotations = { summary: 'drillbook sign-off test alert: confirms delivery to the configured receiver; resolved by the harness' };
  const postedAt = now();
  const posted = await port.postAlerts([{ labels, annotations, startsAt: new Date(postedAt).toISOString() }], o.signal);
  if (posted.status !== 200) return { receiver: o.receiver, delivered: false, latencyMs: null, detail: `POST /api/v2/alerts answered ${posted.status}: ${posted.body}` };
  try {
    let seen: readonly { receivedAtWall: string; status: string; receiver: string }[] = [];
    while (now() - postedAt < timeoutMs) {
      const waitMs = Math.min(55_000, Math.max(1, timeoutMs - (now() - postedAt)));
      seen = await port.deliveries(o.id, waitMs, o.signal);
      const firing = seen.find((d) => d.status === 'firing');
      if (firing) {
        const latencyMs = Math.max(0, Date.parse(firing.receivedAtWall) - postedAt);
        return { receiver: firing.receiver || o.receiver, delivered: true, latencyMs, detail: `alert ${TEST_ALERT_NAME} drillbook_test_id=${o.id} received firing by ${firing.receiver || o.receiver} at ${firing.receivedAtWall}` };
      }
    }
    return {
      receiver: o.receiver,
      delivered: false,
      latencyMs: null,
      detail: `alert ${TEST_ALERT_NAME} drillbook_test_id=${o.id} not received firing within ${Math.round(timeoutMs / 1000)} s (${seen.length ? `seen: ${seen.map((d) => d.status).join(', ')}` : 'nothing received'})`,
    };
  } finally {
    // resolved whatever happened: no startsAt (AlertManager keeps the stored one), endsAt now
    await port.postAlerts([{ labels, annotations, endsAt: new Date(now()).toISOString() }], o.signal).catch(() => undefined);
  }
}

export async function lokiFact(loki: string | JsonGet, query: string, signal?: AbortSignal, now = Date.now()): Promise<LokiFact> {
  const start = (now - 15 * 60_000) * 1e6;
  const body = (await asGet(loki)(`/loki/api/v1/query_range?query=${encodeURIComponent(query)}&start=${start}&limit=1000&direction=backward`, signal)) as {
    data: { result: { values: [string, string][] }[] };
  };
  const stamps = body.data.result.flatMap((s) => s.values.map(([ns]) => Number(BigInt(ns) / 1_000_000n)));
  return { query, lines: stamps.length, newestAgeMs: stamps.length ? Math.max(0, now - Math.max(...stamps)) : null };
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../../clusters/stack/app/backend/migrations/', import.meta.url));

/**
 * Expected: the release's migration files (those up to `upTo`, the schema the signed-off release needs: the folder
 * also holds a later release's); applied: what schema_migrations holds.
 */
export async function migrationsFact(db: pg.ClientConfig, upTo: number): Promise<MigrationsFact> {
  const expected = releaseMigrations(upTo);
  const client = new pg.Client({ ...db, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    return { expected, applied: rows.map((r) => r.name) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The release's migrations: the files of the migrations folder numbered up to `upTo`, e.g. ['001_init', '002_add_rpe']. */
export function releaseMigrations(upTo: number): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f) && Number(f.slice(0, 3)) <= upTo)
    .map((f) => f.replace(/\.sql$/, ''))
    .sort();
}

/** A snapshot for a stack that runs off-cluster (Docker): no Kubernetes objects, only what the harness measured. */
export function offClusterSnapshot(appNamespace: string, facts: HarnessFacts, takenAt = new Date()): ClusterSnapshot {
  return {
    takenAtWall: takenAt.toISOString(),
    appNamespace,
    nodes: null,
    storageClasses: [],
    namespaces: [],
    clusterRoles: [],
    clusterRoleBindings: [],
    roles: [],
    roleBindings: [],
    networkPolicies: [],
    secrets: [],
    deployments: [],
    statefulSets: [],
    cronJobs: [],
    jobs: [],
    ingresses: [],
    crds: [],
    issuers: [],
    certificates: [],
    tlsCertificates: [],
    credentials: [],
    // Off-cluster nothing was read: every list is unknown, so no cluster check can pass on its emptiness.
    unreadable: allUnreadable('no cluster answered: judged off-cluster'),
    facts,
  };
}

/** A pod as the API gives it, reduced to what restartCounts reads. */
export interface PodRestartView {
  readonly metadata?: { readonly name?: string; readonly ownerReferences?: readonly { readonly kind?: string }[] };
  readonly status?: { readonly containerStatuses?: readonly { readonly name?: string; readonly restartCount?: number }[] };
}

/**
 * Every container's restartCount of the application's pods: those a ReplicaSet (Deployment) or StatefulSet owns;
 * a Job's pod (migration, backup, the DBA's one-offs) is not the application.
 */
export function restartCounts(pods: readonly PodRestartView[]): ContainerRestarts[] {
  return pods
    .filter((p) => (p.metadata?.ownerReferences ?? []).some((r) => r.kind === 'ReplicaSet' || r.kind === 'StatefulSet'))
    .flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => ({ pod: p.metadata?.name ?? '?', container: c.name ?? '?', restarts: c.restartCount ?? 0 })))
    .sort((a, b) => `${a.pod}/${a.container}`.localeCompare(`${b.pod}/${b.container}`));
}
