// Facts the harness measures on a running stack for the readiness checks: Prometheus targets, AlertManager
// receivers, a backend log line in Loki, the applied migrations. Read-only; loopback URLs of the run's own stack.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { allUnreadable } from './snapshot.ts';
import type { AlertingFact, ClusterSnapshot, HarnessFacts, LokiFact, MigrationsFact, PrometheusTargetFact } from './snapshot.ts';

async function getJson(url: string, signal?: AbortSignal): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.any([...(signal ? [signal] : []), AbortSignal.timeout(10_000)]) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

export async function prometheusTargets(prometheusUrl: string, signal?: AbortSignal): Promise<PrometheusTargetFact[]> {
  const body = (await getJson(`${prometheusUrl}/api/v1/targets?state=active`, signal)) as {
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

/** Receivers from AlertManager's running config; a receiver with no integration is a template, not a destination. */
export async function alertingFact(alertmanagerUrl: string, signal?: AbortSignal): Promise<AlertingFact> {
  const status = (await getJson(`${alertmanagerUrl}/api/v2/status`, signal)) as { config: { original: string } };
  const config = (parseYaml(status.config.original) ?? {}) as { receivers?: Record<string, unknown>[] };
  return {
    receivers: (config.receivers ?? []).map((r) => {
      const kinds = INTEGRATIONS.filter((k) => Array.isArray(r[k]) && (r[k] as unknown[]).length > 0);
      return { name: String(r.name), kind: kinds.map((k) => k.replace('_configs', '')).join('+') || 'none', configured: kinds.length > 0 };
    }),
  };
}

export async function lokiFact(lokiUrl: string, query: string, signal?: AbortSignal, now = Date.now()): Promise<LokiFact> {
  const start = (now - 15 * 60_000) * 1e6;
  const body = (await getJson(`${lokiUrl}/loki/api/v1/query_range?query=${encodeURIComponent(query)}&start=${start}&limit=1000&direction=backward`, signal)) as {
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
  const expected = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f) && Number(f.slice(0, 3)) <= upTo)
    .map((f) => f.replace(/\.sql$/, ''))
    .sort();
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
