import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../../scenarios/ports.ts';
import {
  ALERTMANAGER,
  ALERT_WEBHOOK,
  RECORDER_SCRIPT,
  WEBHOOK_RECEIVER,
  alertWebhook,
  alertmanagerConfigWithWebhook,
  configText,
  deployedAlertmanagerConfig,
  hasEndpoint,
  receiverIntegrations,
  webhookUrl,
} from './alert-webhook.manifest.ts';
import { stackOptions } from './stack-options.ts';

const stack = stackOptions({
  images: { postgres: 'drillbook/postgres:16-a', backend: 'drillbook/gravl-backend:v2-b', alertmanager: 'drillbook/alertmanager:0.25-c' },
  db: { user: 'u', password: 'p', name: 'gravl' },
  jwtSecret: 'j',
});
const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'run-1', [LABELS.scenario]: 'kube-drills' };

describe('alert webhook manifests', () => {
  const objects = alertWebhook(stack, labels);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it('labels every object (and the pod template) with the run, in the monitoring namespace', () => {
    for (const o of objects) {
      expect(o.metadata.namespace).toBe('gravl-monitoring');
      expect(o.metadata.labels).toMatchObject(labels);
    }
    const template = (byKind('Deployment')[0]!.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
    expect(template.metadata.labels).toMatchObject({ ...labels, component: 'alert-webhook' });
  });

  it('runs the recorder from its ConfigMap with the backend image, non-root, read-only', () => {
    const pod = (byKind('Deployment')[0]!.spec as { template: { spec: { containers: Record<string, unknown>[]; volumes: { configMap?: { name: string } }[] } } }).template.spec;
    const c = pod.containers[0]!;
    expect(c.image).toBe(stack.images.backend);
    expect(c.command).toEqual(['/usr/local/bin/node', '/etc/alert-webhook/recorder.mjs']);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.volumes[0]!.configMap!.name).toBe('alert-webhook-script');
    expect((byKind('ConfigMap')[0] as unknown as { data: Record<string, string> }).data['recorder.mjs']).toBe(RECORDER_SCRIPT);
  });

  it('opens the default deny for AlertManager -> webhook on the webhook port only', () => {
    const policies = byKind('NetworkPolicy').map((p) => p.spec as Record<string, unknown>);
    expect(policies).toContainEqual({
      podSelector: { matchLabels: { component: 'alert-webhook' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { component: 'alertmanager' } } }], ports: [{ protocol: 'TCP', port: ALERT_WEBHOOK.port }] }],
    });
    expect(policies).toContainEqual({
      podSelector: { matchLabels: { component: 'alertmanager' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { component: 'alert-webhook' } } }], ports: [{ protocol: 'TCP', port: ALERT_WEBHOOK.port }] }],
    });
  });
});

describe('alertmanager-config', () => {
  it('as deployed: one receiver, no endpoint (the seeds’ defect)', () => {
    const view = receiverIntegrations(configText(deployedAlertmanagerConfig(stack)));
    expect(view).toEqual({ route: 'default', receivers: [{ name: 'default', integrations: [] }] });
    expect(hasEndpoint(view)).toBe(false);
  });

  it('remediated: a webhook receiver the route sends to, grouping and timers kept', () => {
    const cm = alertmanagerConfigWithWebhook(stack, labels);
    expect(cm.metadata).toMatchObject({ name: ALERTMANAGER.configMap, namespace: 'gravl-monitoring', labels });
    const text = configText(cm);
    expect(receiverIntegrations(text)).toEqual({
      route: WEBHOOK_RECEIVER,
      receivers: [{ name: 'default', integrations: [] }, { name: WEBHOOK_RECEIVER, integrations: ['webhook_configs'] }],
    });
    const config = parse(text) as { route: Record<string, unknown>; receivers: { webhook_configs?: { url: string }[] }[] };
    expect(config.route).toMatchObject({ group_by: ['alertname'], group_wait: '10s' });
    expect(config.receivers[1]!.webhook_configs![0]!.url).toBe('http://alert-webhook.gravl-monitoring.svc:8080/alertmanager');
    expect(webhookUrl(stack)).toBe(config.receivers[1]!.webhook_configs![0]!.url);
  });

  it('reads integrations from AlertManager’s re-marshalled config (status config.original)', () => {
    const original = [
      'global:',
      '  resolve_timeout: 5m',
      'route:',
      '  receiver: team',
      'receivers:',
      '- name: team',
      '  slack_configs:',
      '  - api_url: <secret>',
      '  email_configs:',
      '  - to: a@b',
      '- name: empty',
      '  webhook_configs: []',
    ].join('\n');
    expect(receiverIntegrations(original).receivers).toEqual([
      { name: 'team', integrations: ['email_configs', 'slack_configs'] },
      { name: 'empty', integrations: [] },
    ]);
  });
});

describe('the recorder script', () => {
  let child: ChildProcess;
  let base: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alert-webhook-'));
    writeFileSync(join(dir, 'recorder.mjs'), RECORDER_SCRIPT);
    child = spawn(process.execPath, [join(dir, 'recorder.mjs')], { env: { PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        const m = /listening on (\d+)/.exec(d.toString());
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`recorder exited ${code}`)));
    });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => {
    child.kill('SIGTERM');
  });

  it('records POST bodies and serves them by match', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await fetch(`${base}/alertmanager`, { method: 'POST', body: JSON.stringify({ status: 'firing', alerts: [{ labels: { run_id: 'r-1' } }] }) });
    await fetch(`${base}/alertmanager`, { method: 'POST', body: JSON.stringify({ status: 'firing', alerts: [{ labels: { run_id: 'other' } }] }) });
    const { received } = (await (await fetch(`${base}/received?match=r-1`)).json()) as { received: { body: string; path: string; receivedAt: string }[] };
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/alertmanager');
    expect(JSON.parse(received[0]!.body).alerts[0].labels.run_id).toBe('r-1');
    expect(Number.isNaN(Date.parse(received[0]!.receivedAt))).toBe(false);
  });

  it('long-polls: answers the moment a matching POST arrives, or empty after waitMs', async () => {
    const started = performance.now();
    const waiting = fetch(`${base}/received?match=late-1&waitMs=5000`).then((r) => r.json() as Promise<{ received: unknown[] }>);
    await new Promise((r) => setTimeout(r, 200));
    await fetch(`${base}/x`, { method: 'POST', body: '{"late":"late-1"}' });
    expect((await waiting).received).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(3_000);
    const empty = (await (await fetch(`${base}/received?match=never&waitMs=300`)).json()) as { received: unknown[] };
    expect(empty.received).toEqual([]);
  });
});
