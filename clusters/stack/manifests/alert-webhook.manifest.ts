// The alerting drill's receiver (BLOCKING_ISSUES_REMEDIATION.md § Issue #3): Slack and SMTP need the internet,
// so the drill configures AlertManager with a webhook that runs in the cluster: a tiny Node HTTP recorder (the
// gravl-backend image already has node; the script comes from a ConfigMap) that keeps every POST body and serves
// them on GET /received, with a long poll so the harness waits for a delivery instead of polling for it.
// Also here: the NetworkPolicies the monitoring namespace's default deny needs for AlertManager -> webhook, and
// the alertmanager-config variants (as deployed; with the webhook receiver routed to) and how to read one.
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../../kube/kube-api.ts';
import { alertmanager } from './observability.manifest.ts';
import { COMPONENT, type StackOptions } from './stack-options.ts';

export const ALERT_WEBHOOK = { name: 'alert-webhook', port: 8080, component: 'alert-webhook' } as const;
export const ALERTMANAGER = { configMap: 'alertmanager-config', key: 'alertmanager.yaml', service: 'alertmanager', port: 9093, pod: 'alertmanager-0' } as const;
/** The receiver the drill adds (the remediation's 'slack-notifications', as a webhook). */
export const WEBHOOK_RECEIVER = 'drillbook-webhook';

/**
 * The recorder. POST anything: recorded (body, path, time), at most 500 kept. GET /received?match=TEXT[&waitMs=N]:
 * the records whose body contains TEXT; with waitMs and none yet, answers when the first arrives (or after N ms,
 * at most 55 s, with none). GET /healthz: 200.
 */
export const RECORDER_SCRIPT = `import { createServer } from 'node:http';
const received = [];
const waiting = new Set();
const json = (res, status, value) => {
  if (res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://recorder');
  if (req.method === 'POST') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const record = { seq: received.length + 1, receivedAt: new Date().toISOString(), path: url.pathname, body: Buffer.concat(chunks).toString('utf8') };
      received.push(record);
      if (received.length > 500) received.shift();
      for (const w of [...waiting]) if (record.body.includes(w.match)) w.done(record);
      json(res, 200, { seq: record.seq });
    });
    return;
  }
  if (url.pathname === '/healthz') return json(res, 200, { ok: true, received: received.length });
  if (url.pathname === '/received') {
    const match = url.searchParams.get('match') ?? '';
    const found = received.filter((r) => r.body.includes(match));
    const waitMs = Math.min(Number(url.searchParams.get('waitMs')) || 0, 55000);
    if (found.length > 0 || waitMs <= 0) return json(res, 200, { received: found });
    const w = { match, done: (r) => { clearTimeout(timer); waiting.delete(w); json(res, 200, { received: [r] }); } };
    const timer = setTimeout(() => { waiting.delete(w); json(res, 200, { received: [] }); }, waitMs);
    waiting.add(w);
    res.on('close', () => { clearTimeout(timer); waiting.delete(w); });
    return;
  }
  json(res, 404, { error: 'POST anything; GET /received?match=TEXT[&waitMs=N]; GET /healthz' });
});
server.listen(Number(process.env.PORT ?? 8080), () => console.log(\`alert webhook recorder listening on \${server.address().port}\`));
process.on('SIGTERM', () => process.exit(0));
`;

/** Where AlertManager posts: the recorder's Service, by its cluster DNS name. */
export function webhookUrl(o: StackOptions): string {
  return `http://${ALERT_WEBHOOK.name}.${o.namespaces.monitoring}.svc:${ALERT_WEBHOOK.port}/alertmanager`;
}

/** The webhook receiver: script ConfigMap, Service, Deployment (gravl-backend image, non-root), NetworkPolicies. */
export function alertWebhook(o: StackOptions, labels: Readonly<Record<string, string>>): KubeObject[] {
  const ns = o.namespaces.monitoring;
  const selector = { app: ALERT_WEBHOOK.name, [COMPONENT]: ALERT_WEBHOOK.component };
  const all = { ...labels, ...selector };
  const { port } = ALERT_WEBHOOK;
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${ALERT_WEBHOOK.name}-script`, namespace: ns, labels: all }, data: { 'recorder.mjs': RECORDER_SCRIPT } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: ALERT_WEBHOOK.name, namespace: ns, labels: all }, spec: { selector, ports: [{ name: 'http', port, targetPort: port }] } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: ALERT_WEBHOOK.name, namespace: ns, labels: all },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: all },
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'recorder',
                image: o.images.backend,
                imagePullPolicy: 'IfNotPresent',
                command: ['/usr/local/bin/node', '/etc/alert-webhook/recorder.mjs'],
                env: [{ name: 'PORT', value: String(port) }],
                ports: [{ name: 'http', containerPort: port }],
                readinessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 2 },
                resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '96Mi' } },
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 10001,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                volumeMounts: [{ name: 'script', mountPath: '/etc/alert-webhook', readOnly: true }],
              },
            ],
            volumes: [{ name: 'script', configMap: { name: `${ALERT_WEBHOOK.name}-script` } }],
          },
        },
      },
    },
    // The namespace denies all ingress and egress by default: AlertManager may reach the webhook, and only it.
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${ALERT_WEBHOOK.name}-ingress`, namespace: ns, labels: all },
      spec: {
        podSelector: { matchLabels: { [COMPONENT]: ALERT_WEBHOOK.component } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { [COMPONENT]: 'alertmanager' } } }], ports: [{ protocol: 'TCP', port }] }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `alertmanager-to-${ALERT_WEBHOOK.name}-egress`, namespace: ns, labels: all },
      spec: {
        podSelector: { matchLabels: { [COMPONENT]: 'alertmanager' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: { [COMPONENT]: ALERT_WEBHOOK.component } } }], ports: [{ protocol: 'TCP', port }] }],
      },
    },
  ];
}

/** alertmanager-config as the stack deploys it (observability.manifest.ts): receiver 'default', no integration. */
export function deployedAlertmanagerConfig(o: StackOptions): KubeObject {
  const found = alertmanager({ ...o, images: { ...o.images, alertmanager: o.images.alertmanager ?? 'unused' } }).find(
    (x) => x.kind === 'ConfigMap' && x.metadata.name === ALERTMANAGER.configMap,
  );
  if (!found) throw new Error(`the stack's AlertManager manifests have no ConfigMap ${ALERTMANAGER.configMap}`);
  return found;
}

export function configText(configMap: KubeObject): string {
  const text = (configMap as { data?: Record<string, string> }).data?.[ALERTMANAGER.key];
  if (typeof text !== 'string') throw new Error(`ConfigMap ${configMap.metadata.name} has no ${ALERTMANAGER.key}`);
  return text;
}

/**
 * The stack's config with the remediation done: a receiver with an endpoint (the webhook, send_resolved) AND the
 * route sending to it; everything else (grouping, timers) as deployed.
 */
export function alertmanagerConfigWithWebhook(o: StackOptions, labels: Readonly<Record<string, string>> = {}, options: { readonly groupInterval?: string } = {}): KubeObject {
  const deployed = deployedAlertmanagerConfig(o);
  const config = parse(configText(deployed)) as { route: Record<string, unknown>; receivers?: { name: string }[] };
  // groupInterval: how soon a group that already notified may notify again (its resolved notification); default 5m
  config.route = { ...config.route, receiver: WEBHOOK_RECEIVER, ...(options.groupInterval ? { group_interval: options.groupInterval } : {}) };
  config.receivers = [...(config.receivers ?? []).filter((r) => r.name !== WEBHOOK_RECEIVER), { name: WEBHOOK_RECEIVER, webhook_configs: [{ url: webhookUrl(o), send_resolved: true }] } as { name: string }];
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: ALERTMANAGER.configMap, namespace: o.namespaces.monitoring, labels: { ...deployed.metadata.labels, ...labels } },
    data: { [ALERTMANAGER.key]: stringify(config) },
  };
}

export interface ReceiverIntegrations {
  readonly route: string;
  readonly receivers: readonly { readonly name: string; readonly integrations: readonly string[] }[];
}

/**
 * The receivers of an AlertManager config (the file, or /api/v2/status's config.original) and which integrations
 * each has: every non-empty `*_configs` list (webhook_configs, slack_configs, email_configs, pagerduty_configs...).
 */
export function receiverIntegrations(configYaml: string): ReceiverIntegrations {
  const config = (parse(configYaml) ?? {}) as { route?: { receiver?: unknown }; receivers?: Record<string, unknown>[] };
  const receivers = (config.receivers ?? []).map((r) => ({
    name: String(r.name ?? ''),
    integrations: Object.entries(r)
      .filter(([k, v]) => k.endsWith('_configs') && Array.isArray(v) && v.length > 0)
      .map(([k]) => k)
      .sort(),
  }));
  return { route: String(config.route?.receiver ?? ''), receivers };
}

/** Does any receiver have an endpoint? */
export function hasEndpoint(view: ReceiverIntegrations): boolean {
  return view.receivers.some((r) => r.integrations.length > 0);
}
