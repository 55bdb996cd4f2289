// AlertManager's HTTP API through the API server's service proxy (GET /api/v2/status, POST /-/reload,
// /api/v2/alerts): what the alerting drill's environment and the alertmanager-config fault both talk to.
import type { KubeApi, ServiceRef } from '../kube/kube-api.ts';
import type { AlertConfigView } from '../../scenarios/catalog/gravl-alerting.env.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { ALERTMANAGER, receiverIntegrations } from './manifests/alert-webhook.manifest.ts';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** AlertManager's HTTP API through the API server's service proxy. */
export class AlertManagerProxy {
  readonly #api: KubeApi;
  readonly service: ServiceRef;
  constructor(api: KubeApi, namespace: string) {
    this.#api = api;
    this.service = { namespace, name: ALERTMANAGER.service, port: ALERTMANAGER.port };
  }

  async readyStatus(signal: AbortSignal): Promise<number> {
    return (await this.#api.proxy(this.service, '/-/ready', {}, { signal })).status;
  }

  /** The config AlertManager runs (config.original of GET /api/v2/status, its own re-marshalled copy). */
  async running(signal: AbortSignal): Promise<AlertConfigView> {
    return receiverIntegrations(await this.runningOriginal(signal));
  }

  /** The YAML of the config AlertManager runs (config.original of GET /api/v2/status), route timers included. */
  async runningOriginal(signal: AbortSignal): Promise<string> {
    const res = await this.#api.proxy(this.service, '/api/v2/status', { headers: { accept: 'application/json' } }, { signal });
    if (res.status !== 200) throw new Error(`AlertManager GET /api/v2/status answered ${res.status}: ${res.body.slice(0, 200)}`);
    const original = (JSON.parse(res.body) as { config?: { original?: string } }).config?.original;
    if (typeof original !== 'string') throw new Error('AlertManager GET /api/v2/status has no config.original');
    return original;
  }

  /** POST /-/reload: AlertManager re-reads its config file (what `kill -HUP 1` does). */
  async reload(signal: AbortSignal): Promise<void> {
    const res = await this.#api.proxy(this.service, '/-/reload', { method: 'POST' }, { signal });
    if (res.status !== 200) throw new Error(`AlertManager POST /-/reload answered ${res.status}: ${res.body.trim().slice(0, 300)}`);
  }

  /** Reloads until the running config satisfies `ok` (each reload re-reads the mounted file). */
  async reloadUntil(what: string, ok: (v: AlertConfigView) => boolean, timeoutMs: number, signal: AbortSignal): Promise<{ reloads: number; config: AlertConfigView }> {
    let reloads = 0;
    const config = await waitFor(
      systemClock,
      condition(what, async (sig) => {
        await this.reload(sig);
        reloads += 1;
        const v = await this.running(sig);
        return { ok: ok(v), value: v };
      }),
      { timeoutMs, intervalMs: 1_000, signal, hint: `the kubelet refreshes ConfigMap volumes on its pod sync (about a minute); kubectl -n ${this.service.namespace} logs ${ALERTMANAGER.pod}` },
    );
    return { reloads, config };
  }

  async postAlerts(alerts: readonly Record<string, unknown>[], signal: AbortSignal): Promise<{ status: number; body: string }> {
    const res = await this.#api.proxy(this.service, '/api/v2/alerts', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(alerts) }, { signal });
    return { status: res.status, body: res.body.trim().slice(0, 300) };
  }

  async alerts(signal: AbortSignal): Promise<{ labels: Record<string, string>; status?: { state?: string }; endsAt?: string }[]> {
    const res = await this.#api.proxy(this.service, '/api/v2/alerts', { headers: { accept: 'application/json' } }, { signal });
    if (res.status !== 200) throw new Error(`AlertManager GET /api/v2/alerts answered ${res.status}`);
    return JSON.parse(res.body) as { labels: Record<string, string> }[];
  }
}

/** One line: the route and each receiver with its integrations. */
export function describeReceivers(v: { route: string; receivers: readonly { name: string; integrations: readonly string[] }[] }): string {
  return `route -> ${v.route}; ${v.receivers.map((r) => `${r.name} [${r.integrations.join(', ') || 'no endpoint'}]`).join(', ')}`;
}
