// The alerting drill's operations on a cluster running the Gravl stack: AlertManager's API through the API
// server's service proxy (GET /api/v2/status, POST /-/reload, /api/v2/alerts), the in-cluster webhook receiver
// (clusters/stack/manifests/alert-webhook.manifest.ts) and the fault "the receivers have no endpoint".
//
// The fault is explicit and revertible rather than "the stack as deployed": AlertConfigFaultInjector applies the
// stack's own alertmanager-config (no integration on any receiver) and makes AlertManager run it, keeping the
// copy that was there for the revert. On a fresh stack that is the config already running, so the apply changes
// nothing (the seeds' defect, as deployed); on a cluster where an earlier drill or a person configured a receiver,
// the drill still starts from the defect and the revert puts their config back. The revert restarts the
// AlertManager pod when the running config must change back (a restart loads the mounted file at once; a reload
// would wait for the kubelet to refresh it): its time is the evidence of the restart route, the remediation's
// reload route is measured in the recovery.
import type { KubeApi, KubeObject, ObjectRef, ServiceRef } from '../../clusters/kube/kube-api.ts';
import { describeRef } from '../../clusters/kube/kube-api.ts';
import { deploymentAvailable } from '../../clusters/kube/conditions.ts';
import { withLabels, type KubeClient } from '../../clusters/kube/kube-client.ts';
import {
  ALERTMANAGER,
  ALERT_WEBHOOK,
  alertWebhook,
  alertmanagerConfigWithWebhook,
  configText,
  deployedAlertmanagerConfig,
  hasEndpoint,
  receiverIntegrations,
} from '../../clusters/stack/manifests/alert-webhook.manifest.ts';
import { COMPONENT, type StackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import type { AlertConfigView, EgressRule, GravlAlertingEnv, WebhookDelivery } from '../../scenarios/catalog/gravl-alerting.env.ts';
import { systemClock } from '../../scenarios/clock.ts';
import type { Evidence } from '../../scenarios/journal.ts';
import { LABELS, MANAGED_BY, type CallOptions, type FaultInjector, type FaultSpec, type InjectedFault, type Labels } from '../../scenarios/ports.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { FAULT_FIELD_MANAGER, REVERT_FIELD_MANAGER, restorable } from '../../tools/kube/kube.fault.ts';
import { FaultLedger, ledgerEntry, type KubeTargetRef } from '../../tools/state/ledger.ts';
import { randomUUID } from 'node:crypto';

/** Field manager of the remediation's edit of alertmanager-config (never the stack's own, nor the fault's). */
export const ALERTING_FIELD_MANAGER = 'drillbook-runbook-alerting';
export const ALERT_CONFIG_FAULT = 'alertmanager-config';

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
    const res = await this.#api.proxy(this.service, '/api/v2/status', { headers: { accept: 'application/json' } }, { signal });
    if (res.status !== 200) throw new Error(`AlertManager GET /api/v2/status answered ${res.status}: ${res.body.slice(0, 200)}`);
    const original = (JSON.parse(res.body) as { config?: { original?: string } }).config?.original;
    if (typeof original !== 'string') throw new Error('AlertManager GET /api/v2/status has no config.original');
    return receiverIntegrations(original);
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

const egressPorts = (ports: { protocol?: string; port?: number | string }[] | undefined) => (ports ?? []).map((p) => `${p.port ?? '*'}/${p.protocol ?? 'TCP'}`);
function describePeer(peer: Record<string, unknown>): string {
  const ip = peer.ipBlock as { cidr?: string } | undefined;
  if (ip?.cidr) return ip.cidr === '0.0.0.0/0' ? '*' : `ipBlock ${ip.cidr}`;
  const labels = (sel: unknown) => Object.entries((sel as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const parts = [peer.namespaceSelector ? `namespace {${labels(peer.namespaceSelector)}}` : '', peer.podSelector ? `pods {${labels(peer.podSelector)}}` : ''].filter(Boolean);
  return parts.join(' ') || '*';
}

/** The alerting operations of GravlAlertingEnv on a cluster where the stack runs (`labels` go on what it creates). */
export function kindAlertingEnv(client: KubeClient, stack: StackOptions, labels: Labels): GravlAlertingEnv {
  const ns = stack.namespaces.monitoring;
  const am = new AlertManagerProxy(client.api, ns);
  const webhook: ServiceRef = { namespace: ns, name: ALERT_WEBHOOK.name, port: ALERT_WEBHOOK.port };
  const configRef: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: ALERTMANAGER.configMap };
  let configAppliedAt: number | undefined;

  return {
    monitoringNamespace: ns,
    alertReceiversWithoutEndpoint: () => ({ kind: ALERT_CONFIG_FAULT, namespace: ns, configMap: ALERTMANAGER.configMap, config: configText(deployedAlertmanagerConfig(stack)) }),
    alertManagerReadyStatus: (sig) => am.readyStatus(sig),
    runningAlertConfig: (sig) => am.running(sig),
    alertManagerEgress: async (sig) => {
      const { items } = await client.api.list({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: ns }, {}, { signal: sig });
      const podLabels: Record<string, string> = { app: 'alertmanager', [COMPONENT]: 'alertmanager' };
      const rules: EgressRule[] = [];
      for (const p of items) {
        const spec = (p.spec ?? {}) as { podSelector?: { matchLabels?: Record<string, string> }; policyTypes?: string[]; egress?: { to?: Record<string, unknown>[]; ports?: { protocol?: string; port?: number }[] }[] };
        const selects = Object.entries(spec.podSelector?.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v);
        if (!selects || !(spec.policyTypes ?? []).includes('Egress')) continue;
        for (const rule of spec.egress ?? []) rules.push({ policy: p.metadata.name, ports: egressPorts(rule.ports), to: rule.to?.length ? rule.to.map(describePeer) : ['*'] });
      }
      return rules;
    },
    prometheusRuleServed: async (sig) =>
      (await client.api.read({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'prometheusrules.monitoring.coreos.com' }, { signal: sig })) !== undefined,
    deployAlertWebhook: async (sig) => {
      const started = performance.now();
      const objects = alertWebhook(stack, labels);
      await client.apply(objects, { signal: sig });
      const verdict = await client.waitFor(deploymentAvailable(ns, ALERT_WEBHOOK.name), { timeoutMs: 110_000, signal: sig, hint: `kubectl -n ${ns} describe deployment ${ALERT_WEBHOOK.name}` });
      return `applied ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}; ${verdict.detail} after ${Math.round(performance.now() - started)} ms`;
    },
    configureWebhookReceiver: async (sig) => {
      const before = await client.api.read(configRef, { signal: sig });
      const next = alertmanagerConfigWithWebhook(stack, labels);
      await client.api.apply(withLabels(next, labels), ALERTING_FIELD_MANAGER, { signal: sig });
      configAppliedAt = performance.now();
      return {
        detail: `server-side apply of ConfigMap ${ns}/${ALERTMANAGER.configMap} (field manager ${ALERTING_FIELD_MANAGER})`,
        config: configText(next),
        previousConfig: before ? configText(before) : '',
      };
    },
    reloadAlertManager: async (sig) => {
      // The runbook's order: reload right after the apply (its `kill -HUP 1`); then as it must be done.
      await am.reload(sig);
      const immediateReloadLoaded = hasEndpoint(await am.running(sig));
      const { reloads, config } = await am.reloadUntil('AlertManager runs a receiver with an endpoint', hasEndpoint, 140_000, sig);
      return { immediateReloadLoaded, reloads: reloads + 1, sinceApplyMs: Math.round(performance.now() - (configAppliedAt ?? performance.now())), config };
    },
    // Resolving: no startsAt. AlertManager keeps the stored alert's start (same labels, same alert) and rejects an
    // endsAt before a startsAt of now, which a fresh startsAt would be.
    postAlert: (alertLabels, options, sig) =>
      am.postAlerts(
        [{ labels: alertLabels, annotations: { summary: options.summary }, ...(options.endsAt ? { endsAt: options.endsAt.toISOString() } : { startsAt: new Date().toISOString() }) }],
        sig,
      ),
    activeAlerts: async (alertLabels, sig) =>
      (await am.alerts(sig)).filter((a) => a.status?.state === 'active' && Object.entries(alertLabels).every(([k, v]) => a.labels[k] === v)).length,
    webhookDeliveries: async (match, waitMs, sig) => {
      const path = `/received?match=${encodeURIComponent(match)}${waitMs > 0 ? `&waitMs=${Math.round(waitMs)}` : ''}`;
      const res = await client.api.proxy(webhook, path, {}, { signal: sig });
      if (res.status !== 200) throw new Error(`the webhook recorder answered ${res.status}: ${res.body.slice(0, 200)}`);
      const { received } = JSON.parse(res.body) as { received: { receivedAt: string; body: string }[] };
      return received.map((r): WebhookDelivery => {
        const payload = JSON.parse(r.body) as { status?: string; receiver?: string; alerts?: { labels?: Record<string, string> }[] };
        return {
          receivedAtWall: r.receivedAt,
          status: String(payload.status ?? ''),
          receiver: String(payload.receiver ?? ''),
          alertnames: (payload.alerts ?? []).map((a) => a.labels?.alertname ?? ''),
        };
      });
    },
  };
}

/**
 * FaultInjector for `alertmanager-config` faults (alertmanager-config gets `config` and AlertManager runs it), in
 * the monitoring namespace only; every other kind goes to `inner` (the kube injector of the app namespace).
 * Like the kube injector: only objects with drillbook's managed-by label, and the undo (re-apply the saved
 * ConfigMap) goes into the ledger before the change, so `drillbook gc` restores the ConfigMap after a kill -9 (the
 * pod then loads it at its next reload or restart).
 */
export class AlertConfigFaultInjector implements FaultInjector {
  readonly name: string;
  readonly #inner: FaultInjector;
  readonly #api: KubeApi;
  readonly #namespace: string;
  readonly #cluster: KubeTargetRef;
  readonly #ledger: FaultLedger;
  /** Budget to make AlertManager run the new config (reloads until the kubelet refreshed the file). */
  readonly #loadTimeoutMs: number;

  constructor(inner: FaultInjector, api: KubeApi, stack: StackOptions, cluster: KubeTargetRef, options: { ledger?: FaultLedger; loadTimeoutMs?: number } = {}) {
    this.#inner = inner;
    this.name = `${inner.name}+alertmanager-config`;
    this.#api = api;
    this.#namespace = stack.namespaces.monitoring;
    this.#cluster = cluster;
    this.#ledger = options.ledger ?? new FaultLedger();
    this.#loadTimeoutMs = options.loadTimeoutMs ?? 110_000;
  }

  validate(spec: FaultSpec): string[] {
    if (spec.kind !== ALERT_CONFIG_FAULT) return this.#inner.validate(spec);
    const p: string[] = [];
    if (spec.namespace !== this.#namespace) p.push(`namespace: '${String(spec.namespace)}' must be the stack's monitoring namespace '${this.#namespace}'`);
    if (spec.configMap !== ALERTMANAGER.configMap) p.push(`configMap: must be '${ALERTMANAGER.configMap}' (the one AlertManager mounts)`);
    if (typeof spec.config !== 'string' || spec.config.trim() === '') p.push('config: the AlertManager config (YAML) to run');
    else {
      try {
        if (receiverIntegrations(spec.config).receivers.length === 0) p.push('config: has no receivers; AlertManager would refuse it');
      } catch (error) {
        p.push(`config: not YAML: ${(error as Error).message}`);
      }
    }
    return p;
  }

  async inject(spec: FaultSpec, options: CallOptions & { labels: Labels }): Promise<InjectedFault> {
    if (spec.kind !== ALERT_CONFIG_FAULT) return this.#inner.inject(spec, options);
    const signal = options.signal ?? new AbortController().signal;
    const ref: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: this.#namespace, name: ALERTMANAGER.configMap };
    const current = await this.#api.read(ref, { signal });
    if (!current) throw new Error(`${describeRef(ref)} does not exist; is AlertManager deployed (the stack's alertmanager image)?`);
    if (current.metadata.labels?.[LABELS.managedBy] !== MANAGED_BY) throw new Error(`refusing to touch ${describeRef(ref)}: it has no ${LABELS.managedBy}=${MANAGED_BY} label`);
    const saved = restorable(current);
    const savedConfig = configText(saved);
    const wanted = spec.config as string;
    const id = `${ALERT_CONFIG_FAULT}-${randomUUID().slice(0, 8)}`;
    const am = new AlertManagerProxy(this.#api, this.#namespace);
    this.#ledger.record(ledgerEntry(id, ALERT_CONFIG_FAULT, options.labels, [{ kind: 'kube-apply', cluster: this.#cluster, fieldManager: REVERT_FIELD_MANAGER, manifests: [saved] }]));
    const evidence: Evidence[] = [];
    try {
      const patch: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ref.name, namespace: this.#namespace }, data: { [ALERTMANAGER.key]: wanted } };
      await this.#api.apply(patch, FAULT_FIELD_MANAGER, { signal });
      const want = hasEndpoint(receiverIntegrations(wanted));
      const running = await am.running(signal);
      evidence.push({
        kind: 'command',
        label: 'injected',
        value: `applied ${describeRef(ref)} (${savedConfig === wanted ? 'identical to what was there: the stack as deployed' : 'replacing what was there; a copy is kept for the revert'}); receivers: ${describeReceivers(receiverIntegrations(wanted))}`,
      });
      if (hasEndpoint(running) !== want) {
        const started = performance.now();
        const { reloads } = await am.reloadUntil('AlertManager runs the fault config', (v) => hasEndpoint(v) === want, this.#loadTimeoutMs, signal);
        evidence.push({ kind: 'text', label: 'loaded', value: `AlertManager ran ${describeReceivers(running)}; after ${reloads} reload(s) in ${Math.round(performance.now() - started)} ms it runs the fault config` });
      } else {
        evidence.push({ kind: 'text', label: 'running', value: `AlertManager already runs it: ${describeReceivers(running)}` });
      }
    } catch (error) {
      await this.#api.apply(saved, REVERT_FIELD_MANAGER).catch(() => undefined);
      this.#ledger.remove(id);
      throw error;
    }
    const api = this.#api;
    const ledger = this.#ledger;
    const namespace = this.#namespace;
    const loadTimeoutMs = this.#loadTimeoutMs;
    return {
      id,
      spec,
      evidence,
      async revert(opts = {}) {
        const sig = opts.signal ?? new AbortController().signal;
        await api.apply(saved, REVERT_FIELD_MANAGER, { signal: sig });
        const done: Evidence[] = [{ kind: 'command', label: 'revert', value: `re-applied the saved ${describeRef(ref)}` }];
        const want = hasEndpoint(receiverIntegrations(savedConfig));
        const running = await am.running(sig);
        if (hasEndpoint(running) !== want) {
          // A restart mounts the restored file at once; a reload would wait for the kubelet's refresh.
          const started = performance.now();
          await api.delete({ apiVersion: 'v1', kind: 'Pod', namespace, name: ALERTMANAGER.pod }, { signal: sig, propagation: 'Background' });
          await waitFor(
            systemClock,
            condition('the restarted AlertManager runs the restored config', async (s) => {
              const v = await am.running(s);
              return { ok: hasEndpoint(v) === want, value: describeReceivers(v) };
            }),
            { timeoutMs: loadTimeoutMs, intervalMs: 500, signal: sig },
          );
          done.push({ kind: 'metric', label: 'restart to restored config', value: { ms: Math.round(performance.now() - started), route: `kubectl -n ${namespace} delete pod ${ALERTMANAGER.pod}` } });
        } else {
          done.push({ kind: 'text', label: 'running', value: `AlertManager runs the restored config already: ${describeReceivers(running)}` });
        }
        ledger.remove(id);
        return done;
      },
    };
  }
}

function describeReceivers(v: { route: string; receivers: readonly { name: string; integrations: readonly string[] }[] }): string {
  return `route -> ${v.route}; ${v.receivers.map((r) => `${r.name} [${r.integrations.join(', ') || 'no endpoint'}]`).join(', ')}`;
}
