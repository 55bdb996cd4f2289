// What the alerting drill (BLOCKING_ISSUES_REMEDIATION.md § Issue #3, "AlertManager endpoints not configured")
// needs from a cluster running the Gravl stack: AlertManager's own API (read through the API server's service
// proxy, nothing published on the host), the fault as data, and the remediation's operations with a webhook
// receiver that runs inside the cluster in place of Slack/SMTP (no internet here).
// The environment (suites/environments/kind-alerting.ts) implements it over the Kubernetes API.
import type { FaultSpec } from '../ports.ts';

/** One receiver of the config AlertManager runs, and the integrations it has (webhook_configs, slack_configs...). */
export interface ReceiverView {
  readonly name: string;
  readonly integrations: readonly string[];
}

/** The config AlertManager runs right now (GET /api/v2/status → config.original). */
export interface AlertConfigView {
  /** The receiver the top-level route sends everything to. */
  readonly route: string;
  readonly receivers: readonly ReceiverView[];
}

/** One egress rule of a NetworkPolicy that selects the AlertManager pods. */
export interface EgressRule {
  readonly policy: string;
  /** e.g. '53/UDP', '8080/TCP'; empty: every port. */
  readonly ports: readonly string[];
  /** Peers, described; ['*'] when the rule allows every destination. */
  readonly to: readonly string[];
}

export interface ReloadOutcome {
  /** The runbook's reload right after the apply (its `kill -HUP 1`): did AlertManager pick up the new config? */
  readonly immediateReloadLoaded: boolean;
  /** Reloads (POST /-/reload) until AlertManager ran the new config. */
  readonly reloads: number;
  /** The ConfigMap apply → AlertManager running the new config (the kubelet's refresh of the mounted file). */
  readonly sinceApplyMs: number;
  readonly config: AlertConfigView;
}

/** What the webhook recorded for one notification. */
export interface WebhookDelivery {
  /** The recorder's clock (the node's, i.e. this machine's). */
  readonly receivedAtWall: string;
  /** "firing" or "resolved", from AlertManager's payload. */
  readonly status: string;
  readonly receiver: string;
  readonly alertnames: readonly string[];
}

export interface GravlAlertingEnv {
  /** Where AlertManager runs (the seeds' gravl-monitoring). */
  readonly monitoringNamespace: string;

  /** Fault: alertmanager-config's receivers have no endpoint, and AlertManager runs that config. */
  alertReceiversWithoutEndpoint(): FaultSpec;

  /** HTTP status of AlertManager's GET /-/ready through the service proxy. */
  alertManagerReadyStatus(signal: AbortSignal): Promise<number>;
  /** The config AlertManager runs (GET /api/v2/status through the service proxy). */
  runningAlertConfig(signal: AbortSignal): Promise<AlertConfigView>;
  /** The egress the monitoring namespace's NetworkPolicies allow the AlertManager pods. */
  alertManagerEgress(signal: AbortSignal): Promise<readonly EgressRule[]>;
  /** Does the cluster serve monitoring.coreos.com/v1 PrometheusRule (the runbook's test alert)? */
  prometheusRuleServed(signal: AbortSignal): Promise<boolean>;

  /** Deploys the in-cluster webhook receiver (Deployment, Service, NetworkPolicies) and waits until it is Ready. */
  deployAlertWebhook(signal: AbortSignal): Promise<string>;
  /** Applies alertmanager-config with a webhook receiver the route sends to; returns the config written. */
  configureWebhookReceiver(signal: AbortSignal): Promise<{ readonly detail: string; readonly config: string; readonly previousConfig: string }>;
  /** Makes AlertManager run the new config (POST /-/reload once the kubelet has refreshed the mounted file). */
  reloadAlertManager(signal: AbortSignal): Promise<ReloadOutcome>;
  /**
   * POST /api/v2/alerts with these labels (a test alert). `endsAt` in the past resolves it (the remediation's
   * "clean up test alert"). Returns AlertManager's answer.
   */
  postAlert(labels: Readonly<Record<string, string>>, options: { readonly endsAt?: Date; readonly summary: string }, signal: AbortSignal): Promise<{ readonly status: number; readonly body: string }>;
  /** Alerts AlertManager holds as active whose labels include all of these. */
  activeAlerts(labels: Readonly<Record<string, string>>, signal: AbortSignal): Promise<number>;
  /**
   * Notifications the webhook recorded whose payload contains `match`; with `waitMs`, waits (long poll) up to that
   * long for the first one instead of returning none.
   */
  webhookDeliveries(match: string, waitMs: number, signal: AbortSignal): Promise<readonly WebhookDelivery[]>;
}
