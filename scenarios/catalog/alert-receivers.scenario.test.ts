// The alerting drill against an in-memory AlertManager (it runs what it last loaded; the fault and the runbook
// change what is mounted) and a loopback HTTP stand-in for the backend; the real clock, as the probes do real
// HTTP. What the e2e tier measures on kind, this proves about the declaration: the remediation's steps in order,
// the arrival latency as evidence, the findings about the runbook, and the fault reverted.
import { describe, expect, it } from 'vitest';
import { loopbackBackend } from '../testing/loopback-backend.ts';
import { systemClock } from '../clock.ts';
import type { FaultInjector, FaultSpec, InjectedFault } from '../ports.ts';
import { runScenario } from '../runner.ts';
import { ARRIVAL_OBJECTIVE_MS, alertReceivers } from './alert-receivers.scenario.ts';
import type { AlertConfigView, EgressRule, GravlAlertingEnv, WebhookDelivery } from './gravl-alerting.env.ts';
import type { GravlEnv } from './gravl.env.ts';

const NO_ENDPOINT: AlertConfigView = { route: 'default', receivers: [{ name: 'default', integrations: [] }] };
const WEBHOOK: AlertConfigView = { route: 'drillbook-webhook', receivers: [{ name: 'default', integrations: [] }, { name: 'drillbook-webhook', integrations: ['webhook_configs'] }] };
const DNS_ONLY: EgressRule[] = [{ policy: 'allow-dns-egress', ports: ['53/UDP', '53/TCP'], to: ['namespace {kubernetes.io/metadata.name=kube-system} pods {k8s-app=kube-dns}'] }];

class FakeAlerting {
  mounted: AlertConfigView = NO_ENDPOINT;
  running: AlertConfigView = NO_ENDPOINT;
  webhook = false;
  /** Reloads needed after the apply before the kubelet refreshed the file (1: the first reload already sees it). */
  reloadsUntilRefreshed = 3;
  alertPostStatus = 200;
  egress: EgressRule[] = DNS_ONLY;
  active = new Map<string, boolean>();
  delivered: { match: string; d: WebhookDelivery }[] = [];
  readonly log: string[] = [];
}

class FakeAlertFaults implements FaultInjector {
  readonly name = 'fake-alerting';
  readonly a: FakeAlerting;
  constructor(a: FakeAlerting) {
    this.a = a;
  }
  validate(spec: FaultSpec) {
    return spec.kind === 'alertmanager-config' ? [] : [`unknown kind ${spec.kind}`];
  }
  async inject(spec: FaultSpec): Promise<InjectedFault> {
    const a = this.a;
    const before = { mounted: a.mounted, running: a.running };
    a.mounted = NO_ENDPOINT;
    a.running = NO_ENDPOINT;
    a.log.push(`inject ${spec.kind}`);
    return {
      id: 'f1',
      spec,
      evidence: [],
      async revert() {
        Object.assign(a, before);
        a.log.push('revert');
        return [];
      },
    };
  }
}

const backend = loopbackBackend();

function setup() {
  const a = new FakeAlerting();
  let reloads = 0;
  const env: GravlEnv & GravlAlertingEnv = {
    backendUrl: backend.url(),
    platform: 'fake',
    crashFault: () => ({ kind: 'noop' }),
    restart: async () => 'restarted',
    monitoringNamespace: 'gravl-monitoring',
    alertReceiversWithoutEndpoint: () => ({ kind: 'alertmanager-config', namespace: 'gravl-monitoring', configMap: 'alertmanager-config', config: 'receivers: [{name: default}]' }),
    alertManagerReadyStatus: async () => 200,
    runningAlertConfig: async () => a.running,
    alertManagerEgress: async () => a.egress,
    prometheusRuleServed: async () => false,
    deployAlertWebhook: async () => {
      a.webhook = true;
      a.log.push('deploy webhook');
      return 'applied';
    },
    configureWebhookReceiver: async () => {
      a.log.push('apply config');
      reloads = 0;
      return { detail: 'applied', config: 'route: {receiver: drillbook-webhook}', previousConfig: 'route: {receiver: default}\nreceivers: [{name: default}]' };
    },
    reloadAlertManager: async () => {
      reloads += 1;
      const immediate = reloads >= a.reloadsUntilRefreshed;
      reloads = Math.max(reloads, a.reloadsUntilRefreshed);
      a.mounted = WEBHOOK;
      a.running = WEBHOOK;
      a.log.push('reload');
      return { immediateReloadLoaded: immediate, reloads, sinceApplyMs: 42_000, config: a.running };
    },
    postAlert: async (labels, options) => {
      if (a.alertPostStatus !== 200) return { status: a.alertPostStatus, body: 'bad alert' };
      a.active.set(labels.run_id!, !options.endsAt);
      a.log.push(options.endsAt ? 'resolve alert' : 'fire alert');
      if (!options.endsAt && a.running.receivers.some((r) => r.integrations.length) && a.webhook) {
        setTimeout(() => a.delivered.push({ match: labels.run_id!, d: { receivedAtWall: new Date().toISOString(), status: 'firing', receiver: a.running.route, alertnames: [labels.alertname!] } }), 30);
      }
      return { status: 200, body: '' };
    },
    activeAlerts: async (labels) => (a.active.get(labels.run_id!) ? 1 : 0),
    webhookDeliveries: async (match, waitMs) => {
      const found = () => a.delivered.filter((x) => x.match === match).map((x) => x.d);
      const deadline = Date.now() + waitMs;
      while (found().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return found();
    },
  };
  const ports = { clock: systemClock, faults: new FakeAlertFaults(a), cluster: { name: 'fake', context: 'fake', provider: 'kind' as const, createdByDrillbook: true } };
  return { a, env, ports };
}

describe('alert-receivers', () => {
  it('detects the receivers without endpoint, configures the webhook, reloads, and measures the test alert’s arrival', async () => {
    const { a, env, ports } = setup();
    const journal = await runScenario(alertReceivers, { env, ports, runId: 'unit-run' });
    expect(journal.status, JSON.stringify(journal.error ?? journal.phases)).toBe('completed');
    expect(journal.verdict, JSON.stringify(journal.objectives)).toBe('met');
    expect(journal.measurements.detectionMs).not.toBeNull();
    const recover = journal.phases.find((p) => p.name === 'recover')!;
    expect(recover.steps.map((s) => [s.name, s.status])).toEqual([
      ['create the receiver endpoint (webhook in the cluster)', 'passed'],
      ['update alertmanager-config', 'passed'],
      ['reload AlertManager', 'passed'],
      ['fire a test alert and see it arrive', 'passed'],
      ['clean up the test alert', 'passed'],
    ]);
    expect(a.log).toEqual(['inject alertmanager-config', 'deploy webhook', 'apply config', 'reload', 'fire alert', 'resolve alert', 'revert']);
    const arrival = recover.steps[3]!.evidence.find((e) => e.label === 'alert arrival latency')!.value as { valueMs: number; objectiveMs: number; met: boolean };
    expect(arrival.objectiveMs).toBe(ARRIVAL_OBJECTIVE_MS);
    expect(arrival.met).toBe(true);
    expect(arrival.valueMs).toBeGreaterThanOrEqual(20);
    expect(arrival.valueMs).toBeLessThan(5_000);
    expect(journal.findings.map((f) => f.title)).toEqual([
      "AlertManager cannot reach Slack or SMTP: the monitoring namespace's default deny blocks its egress",
      'The symptom and the edit describe a config the stack does not have',
      "Adding a 'slack-notifications' receiver routes nothing to it",
      'The rollback plan `kubectl rollout undo configmap` does not exist',
      'Reloading right after `kubectl apply` reloads the old config',
      "The test alert is a PrometheusRule, a kind this cluster doesn't serve",
    ]);
    expect(journal.findings[4]!.detail).toMatch(/42000 ms after the apply \(3 reloads\)/);
    expect(a.active.get('unit-run')).toBe(false);
    expect(a.running).toBe(NO_ENDPOINT); // reverted to the state before the drill
  });

  it('reports no reload or egress defect when the first reload loads the file and egress to 443 is open', async () => {
    const { a, env, ports } = setup();
    a.reloadsUntilRefreshed = 1;
    a.egress = [...DNS_ONLY, { policy: 'alertmanager-egress', ports: ['443/TCP'], to: ['*'] }];
    const journal = await runScenario(alertReceivers, { env, ports, runId: 'unit-run' });
    expect(journal.status).toBe('completed');
    const titles = journal.findings.map((f) => f.title);
    expect(titles).not.toContain('Reloading right after `kubectl apply` reloads the old config');
    expect(titles).not.toContain("AlertManager cannot reach Slack or SMTP: the monitoring namespace's default deny blocks its egress");
  });

  it('a test alert AlertManager refuses fails the step; the clean-up is skipped, the verdict says so, the fault is reverted', async () => {
    const { a, env, ports } = setup();
    a.alertPostStatus = 400;
    const journal = await runScenario(alertReceivers, { env, ports, runId: 'unit-run' });
    const recover = journal.phases.find((p) => p.name === 'recover')!;
    expect(recover.steps.slice(3).map((s) => s.status)).toEqual(['errored', 'skipped']);
    expect(recover.steps[3]!.error?.message).toBe('POST /api/v2/alerts answered 400: bad alert');
    expect(journal.verdict).not.toBe('met');
    expect(a.log.at(-1)).toBe('revert');
  });
});
