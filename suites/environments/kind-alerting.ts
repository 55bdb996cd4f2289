// The alerting drill's operations on a cluster running the Gravl stack: AlertManager's API through the API
// server's service proxy (clusters/stack/alertmanager.proxy.ts), the in-cluster webhook receiver
// (clusters/stack/manifests/alert-webhook.manifest.ts) and the fault "the receivers have no endpoint", which
// tools/faults/alert-config.fault.ts injects and reverts.
import { deploymentAvailable } from '../../clusters/kube/conditions.ts';
import type { ObjectRef, ServiceRef } from '../../clusters/kube/kube-api.ts';
import { withLabels, type KubeClient } from '../../clusters/kube/kube-client.ts';
import {
  ALERTMANAGER,
  ALERT_WEBHOOK,
  alertWebhook,
  alertmanagerConfigWithWebhook,
  configText,
  deployedAlertmanagerConfig,
  hasEndpoint,
} from '../../clusters/stack/manifests/alert-webhook.manifest.ts';
import { COMPONENT, type StackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import type { EgressRule, GravlAlertingEnv, WebhookDelivery } from '../../scenarios/catalog/gravl-alerting.env.ts';
import type { Labels } from '../../scenarios/ports.ts';
import { AlertManagerProxy } from '../../clusters/stack/alertmanager.proxy.ts';
import { ALERT_CONFIG_FAULT } from '../../tools/faults/alert-config.fault.ts';

/** Field manager of the remediation's edit of alertmanager-config (never the stack's own, nor the fault's). */
export const ALERTING_FIELD_MANAGER = 'drillbook-runbook-alerting';

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

