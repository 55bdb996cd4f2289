// The alerting env and its fault injector against the in-memory KubeApi, with a stand-in AlertManager behind the
// service proxy: it runs the config it last loaded, and a reload loads the mounted file, which the "kubelet"
// refreshes from the ConfigMap only when the test says so (as the real one does on its pod sync).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import type { KubeObject, ProxyRequest, ServiceRef } from '../../clusters/kube/kube-api.ts';
import { KubeClient, withLabels } from '../../clusters/kube/kube-client.ts';
import { alertmanagerConfigWithWebhook, configText, deployedAlertmanagerConfig } from '../../clusters/stack/manifests/alert-webhook.manifest.ts';
import { stackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import { LABELS, MANAGED_BY, type FaultInjector, type FaultSpec, type InjectedFault } from '../../scenarios/ports.ts';
import { FaultLedger } from '../../tools/state/ledger.ts';
import { ALERTING_FIELD_MANAGER, kindAlertingEnv } from './kind-alerting.ts';
import { AlertConfigFaultInjector } from '../../tools/faults/alert-config.fault.ts';
import { FaultDispatcher } from '../../tools/faults/fault-dispatcher.ts';

const stack = stackOptions({
  images: { postgres: 'drillbook/postgres:16-a', backend: 'drillbook/gravl-backend:v2-b', alertmanager: 'drillbook/alertmanager:0.25-c' },
  db: { user: 'u', password: 'p', name: 'gravl' },
  jwtSecret: 'j',
});
const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'run-1', [LABELS.scenario]: 'kube-drills' };
const signal = new AbortController().signal;
const NS = 'gravl-monitoring';
const cmText = (api: FakeKubeApi) => configText([...api.objects.values()].find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'alertmanager-config')!);

class FakeAlertManager {
  mounted: string;
  running: string;
  reloads = 0;
  /** Reload number at which the kubelet has refreshed the mounted file (0: never by itself). */
  refreshOnReload = 0;
  alerts: { labels: Record<string, string>; endsAt?: string }[] = [];
  delivered: { receivedAt: string; body: string }[] = [];
  readonly api: FakeKubeApi;
  constructor(api: FakeKubeApi, config: string) {
    this.api = api;
    this.mounted = config;
    this.running = config;
  }
  restart() {
    this.mounted = cmText(this.api);
    this.running = this.mounted;
  }
  handle(service: ServiceRef, path: string, req: ProxyRequest) {
    if (service.name === 'alert-webhook') {
      const match = new URL(path, 'http://x').searchParams.get('match') ?? '';
      return { status: 200, body: JSON.stringify({ received: this.delivered.filter((d) => d.body.includes(match)) }) };
    }
    const method = req.method ?? 'GET';
    if (path === '/-/ready') return { status: 200, body: 'OK' };
    if (path === '/api/v2/status') return { status: 200, body: JSON.stringify({ config: { original: this.running } }) };
    if (path === '/-/reload' && method === 'POST') {
      this.reloads += 1;
      if (this.reloads === this.refreshOnReload) this.mounted = cmText(this.api);
      this.running = this.mounted;
      return { status: 200, body: '' };
    }
    if (path === '/api/v2/alerts' && method === 'POST') {
      for (const a of JSON.parse(req.body!) as { labels: Record<string, string>; endsAt?: string }[]) {
        this.alerts = [...this.alerts.filter((x) => JSON.stringify(x.labels) !== JSON.stringify(a.labels)), a];
        if (!a.endsAt && this.running.includes('webhook_configs')) {
          this.delivered.push({ receivedAt: new Date().toISOString(), body: JSON.stringify({ status: 'firing', receiver: 'drillbook-webhook', alerts: [a] }) });
        }
      }
      return { status: 200, body: '' };
    }
    if (path === '/api/v2/alerts') {
      const now = Date.now();
      return { status: 200, body: JSON.stringify(this.alerts.map((a) => ({ ...a, status: { state: a.endsAt && Date.parse(a.endsAt) <= now ? 'resolved' : 'active' } }))) };
    }
    return { status: 404, body: 'not found' };
  }
}

class InnerFaults implements FaultInjector {
  readonly name = 'kube';
  readonly kinds = ['pod-kill'];
  readonly seen: string[] = [];
  validate(spec: FaultSpec) {
    return spec.kind === 'pod-kill' ? [] : [`unknown fault kind '${spec.kind}'`];
  }
  async inject(spec: FaultSpec): Promise<InjectedFault> {
    this.seen.push(spec.kind);
    return { id: 'inner', spec, evidence: [], revert: async () => [] };
  }
}

let api: FakeKubeApi;
let am: FakeAlertManager;
let ledger: FaultLedger;
let injector: AlertConfigFaultInjector;
let faults: FaultDispatcher;
let inner: InnerFaults;

beforeEach(async () => {
  api = new FakeKubeApi();
  const deployed = withLabels(deployedAlertmanagerConfig(stack), {});
  await api.apply(deployed, 'drillbook');
  api.set({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'alertmanager-0', namespace: NS, labels: { [LABELS.managedBy]: MANAGED_BY } } });
  am = new FakeAlertManager(api, configText(deployed));
  api.onProxy = (s, p, r) => am.handle(s, p, r);
  const del = api.delete.bind(api);
  api.delete = async (ref, options) => {
    await del(ref, options);
    if (ref.kind === 'Pod' && ref.name === 'alertmanager-0') am.restart();
  };
  ledger = new FaultLedger(mkdtempSync(join(tmpdir(), 'alert-ledger-')));
  inner = new InnerFaults();
  injector = new AlertConfigFaultInjector(api, stack, { kubeconfig: '/dev/null', context: 'kind-test' }, { ledger, loadTimeoutMs: 8_000 });
  faults = new FaultDispatcher([inner, injector]);
});

const env = () => kindAlertingEnv(new KubeClient(api), stack, labels);

describe('AlertConfigFaultInjector', () => {
  it('beside the kube injector, each kind goes to its own (the dispatcher routes)', async () => {
    expect(faults.validate({ kind: 'pod-kill', namespace: 'gravl-production', selector: 'a=b' })).toEqual([]);
    expect(faults.validate({ kind: 'nope' })[0]).toMatch(/^unknown fault kind 'nope'/);
    await faults.inject({ kind: 'pod-kill' }, { labels });
    expect(inner.seen).toEqual(['pod-kill']);
  });

  it('validates the alertmanager-config fault: monitoring namespace, the mounted ConfigMap, a config with receivers', () => {
    expect(injector.validate(env().alertReceiversWithoutEndpoint())).toEqual([]);
    expect(injector.validate({ kind: 'alertmanager-config', namespace: 'gravl-production', configMap: 'other', config: 'route: {}' })).toEqual([
      "namespace: 'gravl-production' must be the stack's monitoring namespace 'gravl-monitoring'",
      "configMap: must be 'alertmanager-config' (the one AlertManager mounts)",
      'config: has no receivers; AlertManager would refuse it',
    ]);
  });

  it('on the stack as deployed: nothing to reload, the ledger holds the undo until the revert', async () => {
    const fault = await injector.inject(env().alertReceiversWithoutEndpoint(), { labels });
    expect(String(fault.evidence[0]!.value)).toMatch(/identical to what was there: the stack as deployed/);
    expect(am.reloads).toBe(0);
    expect(ledger.list().map((e) => e.faultKind)).toEqual(['alertmanager-config']);
    const reverted = await fault.revert();
    expect(reverted.map((e) => e.label)).toEqual(['revert', 'running']);
    expect(ledger.list()).toEqual([]);
  });

  it('on a cluster with a receiver configured: makes AlertManager run the defect, and the revert restarts it onto the saved config', async () => {
    const configured = alertmanagerConfigWithWebhook(stack, labels);
    await api.apply(withLabels(configured, labels), ALERTING_FIELD_MANAGER);
    am.restart();
    am.refreshOnReload = 2;
    const fault = await injector.inject(env().alertReceiversWithoutEndpoint(), { labels });
    expect(await env().runningAlertConfig(signal)).toEqual({ route: 'default', receivers: [{ name: 'default', integrations: [] }] });
    expect(fault.evidence.map((e) => e.label)).toEqual(['injected', 'loaded']);
    await fault.revert();
    expect(api.deleted.map((r) => r.name)).toEqual(['alertmanager-0']);
    expect((await env().runningAlertConfig(signal)).route).toBe('drillbook-webhook');
  });

  it('refuses a ConfigMap drillbook did not create', async () => {
    const cm = api.objects.get('v1/ConfigMap/gravl-monitoring/alertmanager-config')!;
    api.set({ ...cm, metadata: { ...cm.metadata, labels: {} } });
    await expect(injector.inject(env().alertReceiversWithoutEndpoint(), { labels })).rejects.toThrow(/no app.kubernetes.io\/managed-by=drillbook label/);
    expect(ledger.list()).toEqual([]);
  });
});

describe('kindAlertingEnv', () => {
  it('deploys the webhook and waits for it', async () => {
    api.onApply = (o: KubeObject) => {
      if (o.kind === 'Deployment') api.set({ ...o, metadata: { ...o.metadata, generation: 1 }, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } });
    };
    expect(await env().deployAlertWebhook(signal)).toMatch(/Deployment\/alert-webhook.*available 1\/1/);
    const deployment = [...api.objects.values()].find((o) => o.kind === 'Deployment')!;
    expect(deployment.metadata.labels).toMatchObject(labels);
  });

  it('reloads until the kubelet refreshed the file; the reload right after the apply loads the old config', async () => {
    am.refreshOnReload = 3;
    const e = env();
    const applied = await e.configureWebhookReceiver(signal);
    expect(applied.previousConfig).not.toContain('webhook_configs');
    expect(cmText(api)).toContain('webhook_configs');
    const reload = await e.reloadAlertManager(signal);
    expect(reload).toMatchObject({ immediateReloadLoaded: false, reloads: 3 });
    expect(reload.sinceApplyMs).toBeGreaterThanOrEqual(900); // one 1 s interval between reloads 2 and 3
    expect(reload.config.route).toBe('drillbook-webhook');
  });

  it('posts and resolves a test alert, and reads the webhook’s deliveries', async () => {
    const e = env();
    await e.configureWebhookReceiver(signal);
    am.restart();
    const alert = { alertname: 'DrillbookTestAlert', run_id: 'run-1' };
    expect((await e.postAlert(alert, { summary: 's' }, signal)).status).toBe(200);
    expect(await e.activeAlerts(alert, signal)).toBe(1);
    const deliveries = await e.webhookDeliveries('run-1', 1_000, signal);
    expect(deliveries).toEqual([{ receivedAtWall: expect.any(String), status: 'firing', receiver: 'drillbook-webhook', alertnames: ['DrillbookTestAlert'] }]);
    expect(api.proxied.at(-1)!.path).toBe('/received?match=run-1&waitMs=1000');
    expect((await e.postAlert(alert, { summary: 's', endsAt: new Date(Date.now() - 1) }, signal)).status).toBe(200);
    expect(JSON.parse(api.proxied.at(-1)!.request.body!)[0]).not.toHaveProperty('startsAt'); // resolving keeps the stored start
    expect(await e.activeAlerts(alert, signal)).toBe(0);
  });

  it('lists the egress the namespace allows AlertManager', async () => {
    api.set({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-dns-egress', namespace: NS },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }] }] },
    });
    api.set({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'prometheus-egress', namespace: NS }, spec: { podSelector: { matchLabels: { component: 'prometheus' } }, policyTypes: ['Egress'], egress: [{}] } });
    expect(await env().alertManagerEgress(signal)).toEqual([{ policy: 'allow-dns-egress', ports: ['53/UDP'], to: ['namespace {kubernetes.io/metadata.name=kube-system}'] }]);
  });
});
