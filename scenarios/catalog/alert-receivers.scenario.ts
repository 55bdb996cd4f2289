// BLOCKING_ISSUES_REMEDIATION.md § Issue #3 ("AlertManager endpoints not configured"; PRODUCTION_SIGN_OFF.md
// § 3.2: "No alerts to on-call"), drilled as the remediation writes it, with what cannot work here replaced and
// said so: AlertManager runs a config whose receivers have no endpoint; detect it from AlertManager's own
// /api/v2/status; configure a receiver (a webhook running in the cluster, in place of Slack/SMTP, which need the
// internet), update alertmanager-config, reload AlertManager, fire a test alert and prove it reached the webhook
// within 60 s, then clean the test alert up. The arrival latency is the evidence.
import { defineScenario, type Probe, type ScenarioContext } from '../define.ts';
import { backendReady } from './gravl.env.ts';
import type { AlertConfigView, GravlAlertingEnv } from './gravl-alerting.env.ts';
import type { GravlEnv } from './gravl.env.ts';

type Env = GravlEnv & GravlAlertingEnv;
type Ctx = ScenarioContext<Env>;

export const TEST_ALERT = 'DrillbookTestAlert';
/** The remediation's success criterion "test alert received", bounded (its Slack check says 30 s; group_wait is 10 s). */
export const ARRIVAL_OBJECTIVE_MS = 60_000;
const REF = 'BLOCKING_ISSUES_REMEDIATION.md § Issue #3';

const withEndpoint = (v: AlertConfigView) => v.receivers.filter((r) => r.integrations.length > 0);
const describe = (v: AlertConfigView) => `route -> ${v.route}; ${v.receivers.map((r) => `${r.name} [${r.integrations.join(', ') || 'no endpoint'}]`).join(', ')}`;
/** The labels of this run's test alert (AlertManager label names: [a-zA-Z_][a-zA-Z0-9_]*). */
const testAlertLabels = (ctx: Ctx) => ({ alertname: TEST_ALERT, run_id: ctx.runId, severity: 'info' });

const alertManagerReady: Probe<Env> = {
  name: 'AlertManager GET /-/ready (service proxy)',
  tolerance: { equals: 200 },
  measure: (ctx: Ctx) => ctx.env.alertManagerReadyStatus(ctx.signal),
};

const receiversWithEndpoint: Probe<Env> = {
  name: 'receivers with an endpoint in the config AlertManager runs',
  tolerance: { min: 1 },
  measure: async (ctx: Ctx) => {
    const running = await ctx.env.runningAlertConfig(ctx.signal);
    ctx.evidence('running config', describe(running));
    return withEndpoint(running).length;
  },
};

const testAlertDelivered: Probe<Env> = {
  name: "this run's test alert recorded by the webhook",
  tolerance: { min: 1 },
  measure: async (ctx: Ctx) => (await ctx.env.webhookDeliveries(ctx.runId, 0, ctx.signal)).length,
};

export const alertReceivers = defineScenario<Env>({
  id: 'alert-receivers',
  title: 'AlertManager runs receivers without an endpoint; configure one, reload, and prove a test alert arrives',
  description:
    'The fault is the stack as deployed (receiver "default", no integration), applied explicitly so the drill starts from it on any cluster; ' +
    'the receiver is a webhook in the cluster (Slack and SMTP need the internet).',
  runbookRef: `${REF}: AlertManager Endpoints Not Configured`,
  runbookFingerprint: 'sha256:c1bb547d38fac01f',
  tags: ['alerting', 'kube', 'signoff'],
  destructive: true,
  needs: ['alerting'],
  // The remediation plan budgets 30 minutes for this issue; no user traffic depends on it, so the RTO is the time
  // until verification (a receiver with an endpoint runs, the test alert arrived) passes. AlertManager's API
  // answers the question directly, hence 2 s to detect.
  objectives: { rtoSeconds: 1800, detectionSeconds: 2, rtoSource: 'verify' },
  steadyState: [backendReady, alertManagerReady],
  inject: (env) => [env.alertReceiversWithoutEndpoint()],
  detect: {
    name: 'no receiver has a webhook/slack/email config (GET /api/v2/status)',
    timeoutMs: 10_000,
    intervalMs: 250,
    check: async (ctx: Ctx) => {
      const running = await ctx.env.runningAlertConfig(ctx.signal);
      return { detected: withEndpoint(running).length === 0, value: describe(running) };
    },
  },
  recover: [
    {
      name: 'create the receiver endpoint (webhook in the cluster)',
      timeoutMs: 120_000,
      runbookRef: `${REF} Fix Option A Step 1: create Slack webhook / Option B Step 1: configure SMTP`,
      run: async (ctx: Ctx) => {
        const egress = await ctx.env.alertManagerEgress(ctx.signal);
        ctx.evidence('AlertManager egress allowed before', egress.length ? egress.map((r) => `${r.policy}: ${r.ports.join(' ') || 'any port'} to ${r.to.join(', ')}`) : 'none', 'json');
        const external = egress.filter((r) => r.to.includes('*') && (r.ports.length === 0 || r.ports.some((p) => p === '443/TCP' || p === '587/TCP')));
        if (external.length === 0) {
          ctx.finding({
            severity: 'runbook-defect',
            title: "AlertManager cannot reach Slack or SMTP: the monitoring namespace's default deny blocks its egress",
            detail:
              `The NetworkPolicies selecting the AlertManager pods allow egress only to ${egress.map((r) => `${r.ports.join(' ')} (${r.policy})`).join(', ') || 'nothing'}; ` +
              'hooks.slack.com:443 and smtp.gmail.com:587 are dropped, and the remediation adds no egress policy, so a configured Slack/email receiver still ' +
              'delivers nothing. Add an egress policy for AlertManager (443/587 to the provider, or to an egress proxy). This drill applies ' +
              'alertmanager -> alert-webhook:8080 for its in-cluster webhook; Slack and SMTP themselves cannot be reached from this machine (no internet).',
            runbookRef: `${REF} Fix Options A and B`,
          });
        }
        ctx.evidence('webhook', await ctx.env.deployAlertWebhook(ctx.signal), 'command');
      },
    },
    {
      name: 'update alertmanager-config',
      timeoutMs: 30_000,
      runbookRef: `${REF} Step 2: kubectl get configmap alertmanager-config -o yaml > file, edit, kubectl apply -f`,
      run: async (ctx: Ctx) => {
        const before = await ctx.env.runningAlertConfig(ctx.signal);
        const applied = await ctx.env.configureWebhookReceiver(ctx.signal);
        ctx.evidence('apply', applied.detail, 'command');
        ctx.evidence('alertmanager.yaml before', applied.previousConfig, 'manifest');
        ctx.evidence('alertmanager.yaml after', applied.config, 'manifest');
        if (!/slack_api_url|smtp_smarthost|slack_configs|email_configs/.test(applied.previousConfig)) {
          ctx.finding({
            severity: 'warning',
            title: 'The symptom and the edit describe a config the stack does not have',
            detail:
              'The remediation says a Slack receiver is defined without a webhook URL and an email receiver without an SMTP server, and tells you to ' +
              "find the 'slack_api_url' field; the deployed alertmanager.yaml has neither: one receiver 'default' with no integration at all. " +
              'The receiver has to be written, not filled in.',
            runbookRef: `${REF} Symptom, Step 2`,
          });
        }
        if (before.route !== 'slack-notifications' && before.route !== 'email-notifications') {
          ctx.finding({
            severity: 'runbook-defect',
            title: "Adding a 'slack-notifications' receiver routes nothing to it",
            detail:
              `The running route sends every alert to receiver '${before.route}'; Step 2's snippet adds a receiver 'slack-notifications' (Option B: ` +
              "'email-notifications') and never changes route.receiver, so AlertManager would keep delivering to the receiver without an endpoint. " +
              'This drill sets route.receiver to the new receiver (grouping and timers as deployed).',
            runbookRef: `${REF} Step 2`,
          });
        }
        ctx.finding({
          severity: 'warning',
          title: 'The rollback plan `kubectl rollout undo configmap` does not exist',
          detail:
            'kubectl rollout works on Deployments, DaemonSets and StatefulSets; a ConfigMap has no revisions. Keep the previous alertmanager.yaml ' +
            '(this drill records it as evidence and its fault ledger keeps a copy), re-apply it, then reload.',
          runbookRef: 'BLOCKING_ISSUES_REMEDIATION.md § Rollback Plan: If AlertManager config breaks',
        });
      },
    },
    {
      name: 'reload AlertManager',
      timeoutMs: 150_000,
      runbookRef: `${REF} Step 3: kubectl exec alertmanager-0 -- kill -HUP 1 (here: POST /-/reload through the service proxy)`,
      run: async (ctx: Ctx) => {
        const reload = await ctx.env.reloadAlertManager(ctx.signal);
        ctx.evidence('reload', reload, 'json');
        ctx.evidence('config file refreshed and loaded', { sinceApplyMs: reload.sinceApplyMs, reloads: reload.reloads }, 'metric');
        if (withEndpoint(reload.config).length === 0) throw new Error(`AlertManager still runs no receiver with an endpoint: ${describe(reload.config)}`);
        if (!reload.immediateReloadLoaded) {
          ctx.finding({
            severity: 'runbook-defect',
            title: 'Reloading right after `kubectl apply` reloads the old config',
            detail:
              `The reload sent right after the apply (Step 3's kill -HUP 1) left AlertManager on the old config: the kubelet had not yet refreshed the ` +
              `mounted ConfigMap. It took ${reload.sinceApplyMs} ms after the apply (${reload.reloads} reloads) until a reload loaded the receiver. ` +
              "Wait until the file in the pod changed (or until /api/v2/status shows the receiver), then reload; or restart the pod. Step 3's check " +
              '`grep "configuration loaded"` does not tell which file content was loaded.',
            runbookRef: `${REF} Step 3`,
          });
        }
      },
    },
    {
      name: 'fire a test alert and see it arrive',
      timeoutMs: ARRIVAL_OBJECTIVE_MS + 15_000,
      runbookRef: `${REF} Step 4: trigger test alert, check the channel`,
      run: async (ctx: Ctx) => {
        if (!(await ctx.env.prometheusRuleServed(ctx.signal))) {
          ctx.finding({
            severity: 'runbook-defect',
            title: "The test alert is a PrometheusRule, a kind this cluster doesn't serve",
            detail:
              'Step 4 applies monitoring.coreos.com/v1 PrometheusRule, which needs the Prometheus Operator; the stack runs a plain Prometheus with ' +
              'a rules file, so the apply fails with "no matches for kind PrometheusRule". This drill posts the test alert to AlertManager ' +
              '(POST /api/v2/alerts), which tests the receiver without waiting on rule evaluation.',
            runbookRef: `${REF} Step 4`,
          });
        }
        const labels = testAlertLabels(ctx);
        const firedAt = ctx.clock.now();
        const firedAtWall = new Date(ctx.clock.wallNow()).toISOString();
        const posted = await ctx.env.postAlert(labels, { summary: `drillbook test alert, run ${ctx.runId}` }, ctx.signal);
        if (posted.status !== 200) throw new Error(`POST /api/v2/alerts answered ${posted.status}: ${posted.body}`);
        let deliveries = await ctx.env.webhookDeliveries(ctx.runId, 0, ctx.signal);
        while (deliveries.length === 0 && ctx.clock.now() - firedAt < ARRIVAL_OBJECTIVE_MS) {
          // long poll: the recorder answers the moment AlertManager's notification arrives
          deliveries = await ctx.env.webhookDeliveries(ctx.runId, Math.max(1, ARRIVAL_OBJECTIVE_MS - (ctx.clock.now() - firedAt)), ctx.signal);
        }
        const latencyMs = Math.round(ctx.clock.now() - firedAt);
        const first = deliveries[0];
        if (!first) throw new Error(`the test alert did not reach the webhook within ${ARRIVAL_OBJECTIVE_MS} ms`);
        ctx.evidence('test alert', { labels, firedAtWall, delivery: first }, 'json');
        ctx.evidence('alert arrival latency', { valueMs: latencyMs, objectiveMs: ARRIVAL_OBJECTIVE_MS, met: latencyMs <= ARRIVAL_OBJECTIVE_MS }, 'metric');
        if (latencyMs > ARRIVAL_OBJECTIVE_MS) throw new Error(`the test alert arrived after ${latencyMs} ms, over the ${ARRIVAL_OBJECTIVE_MS} ms objective`);
      },
    },
    {
      name: 'clean up the test alert',
      timeoutMs: 30_000,
      runbookRef: 'BLOCKING_ISSUES_REMEDIATION.md § Remediation Plan, Issue #3: clean up test alert (post it again with endsAt now)',
      run: async (ctx: Ctx) => {
        const labels = testAlertLabels(ctx);
        const posted = await ctx.env.postAlert(labels, { summary: `drillbook test alert, run ${ctx.runId}`, endsAt: new Date(ctx.clock.wallNow()) }, ctx.signal);
        if (posted.status !== 200) throw new Error(`POST /api/v2/alerts (endsAt now) answered ${posted.status}: ${posted.body}`);
        const active = await ctx.env.activeAlerts(labels, ctx.signal);
        ctx.evidence('active test alerts after the clean-up', active, 'metric');
        if (active > 0) throw new Error(`${active} test alert(s) of this run are still active after posting endsAt=now`);
      },
    },
  ],
  verify: [backendReady, alertManagerReady, receiversWithEndpoint, testAlertDelivered],
  verifyTimeoutMs: 30_000,
});
