// Monitoring and logging: Prometheus (scrapes every backend pod's :3001/metrics, found through a headless Service, alerts to
// AlertManager), AlertManager (alertmanager-0 with alertmanager-config), Loki (StatefulSet whose
// volumeClaimTemplate `loki-storage` uses lokiStorageClass) and the log shipper DaemonSet.
// Images are expected to have the daemon as ENTRYPOINT (as upstream images do); only args are set here.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { KubeObject } from '../../kube/kube-api.ts';
import { COMPONENT, type StackOptions } from './stack-options.ts';
import { rulesWithHoldCap } from '../alert-rules.ts';

/** The alert rules baked into the prometheus image (promtool-tested at its build): the seeds' and the seven DR alerts. */
const GRAVL_RULES = new URL('../../images/prometheus/gravl.rules.yml', import.meta.url);

/** Annotation on prometheus-config: the holds a drill cluster capped (JSON list of { alert, written, drill }). */
export const CAPPED_HOLDS_ANNOTATION = 'drillbook.io/alert-holds-capped';

/** Headless Service over the backend pods' metrics port: one DNS A record per pod (Ready or not), Prometheus's targets. */
export const BACKEND_METRICS = 'backend-metrics';

const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

export function prometheus(o: StackOptions): KubeObject[] {
  if (!o.images.prometheus) return [];
  const ns = o.namespaces.monitoring;
  const labels = { app: 'prometheus', [COMPONENT]: 'prometheus' };
  // a drill cluster (holds capped) also scrapes and evaluates every 5 s: an alert fires and resolves within a drill
  const interval = o.alertHoldCapSeconds === undefined ? '15s' : '5s';
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    alerting: { alertmanagers: [{ static_configs: [{ targets: ['alertmanager:9093'] }] }] },
    // this ConfigMap's rules and gravl.rules.yml (the seeds' alerts and the seven DR alerts). The ConfigMap is
    // mounted over /etc/prometheus, hiding the image's copy, so it carries the file itself.
    rule_files: ['/etc/prometheus/rules.yaml', '/etc/prometheus/gravl.rules.yml'],
    scrape_configs: [
      {
        // every backend pod, through the headless Service's A records: Debian's prometheus package is built without
        // kubernetes_sd_configs (promtool: "field kubernetes_sd_configs not found"), DNS discovery is built in
        job_name: 'gravl-backend',
        dns_sd_configs: [{ names: [`${BACKEND_METRICS}.${o.namespaces.app}.svc.cluster.local`], type: 'A', port: 3001, refresh_interval: '15s' }],
      },
    ],
  };
  const rules = {
    groups: [
      {
        name: 'gravl',
        rules: [
          { alert: 'BackendDown', expr: 'up{job="gravl-backend"} == 0', for: '1m', labels: { severity: 'critical' } },
          { alert: 'BackendAbsent', expr: 'absent(up{job="gravl-backend"})', for: '2m', labels: { severity: 'critical' } },
        ],
      },
    ],
  };
  const written = readFileSync(GRAVL_RULES, 'utf8');
  const cap = o.alertHoldCapSeconds;
  const gravlRules = cap === undefined ? { text: written, capped: [] } : rulesWithHoldCap(written, cap);
  const ownRules = cap === undefined ? { text: stringify(rules), capped: [] } : rulesWithHoldCap(stringify(rules), cap);
  const capped = [...ownRules.capped, ...gravlRules.capped];
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'prometheus-config', namespace: ns, ...(cap === undefined ? {} : { annotations: { [CAPPED_HOLDS_ANNOTATION]: JSON.stringify(capped) } }) },
      data: { 'prometheus.yaml': stringify(config), 'rules.yaml': ownRules.text, 'gravl.rules.yml': gravlRules.text },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'prometheus', namespace: ns, labels }, spec: { selector: labels, ports: [{ name: 'http', port: 9090 }] } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: BACKEND_METRICS, namespace: o.namespaces.app, labels: { app: 'backend', [COMPONENT]: 'backend-metrics' } },
      // every pod, Ready or not (as kubernetes_sd's pod role would): a backend whose database is down fails its
      // readiness, and its metrics are what say so (GravlPrimaryDatabaseDown reads gravl_database_primary_up 0)
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { [COMPONENT]: 'backend' }, ports: [{ name: 'metrics', port: 3001, targetPort: 3001 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'prometheus', namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'prometheus',
            containers: [
              {
                name: 'prometheus',
                image: o.images.prometheus,
                imagePullPolicy: 'IfNotPresent',
                args: ['--config.file=/etc/prometheus/prometheus.yaml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=1d', '--web.listen-address=:9090'],
                ports: [{ name: 'http', containerPort: 9090 }],
                readinessProbe: { httpGet: { path: '/-/ready', port: 9090 }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: '/-/healthy', port: 9090 }, periodSeconds: 15 },
                resources: resources('100m', '128Mi', '1', '512Mi'),
                volumeMounts: [{ name: 'config', mountPath: '/etc/prometheus' }, { name: 'data', mountPath: '/prometheus' }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'prometheus-config' } }, { name: 'data', emptyDir: {} }],
          },
        },
      },
    },
  ];
}

export function alertmanager(o: StackOptions): KubeObject[] {
  if (!o.images.alertmanager) return [];
  const ns = o.namespaces.monitoring;
  const labels = { app: 'alertmanager', [COMPONENT]: 'alertmanager' };
  const config = {
    route: { receiver: 'default', group_by: ['alertname'], group_wait: '10s', repeat_interval: '1h' },
    receivers: [{ name: 'default' }],
  };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'alertmanager-config', namespace: ns }, data: { 'alertmanager.yaml': stringify(config) } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'alertmanager', namespace: ns, labels }, spec: { selector: labels, ports: [{ name: 'http', port: 9093 }] } },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'alertmanager', namespace: ns, labels },
      spec: {
        serviceName: 'alertmanager',
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'alertmanager',
                image: o.images.alertmanager,
                imagePullPolicy: 'IfNotPresent',
                args: ['--config.file=/etc/alertmanager/alertmanager.yaml', '--storage.path=/alertmanager', '--cluster.listen-address='],
                ports: [{ name: 'http', containerPort: 9093 }],
                readinessProbe: { httpGet: { path: '/-/ready', port: 9093 }, periodSeconds: 5 },
                resources: resources('50m', '32Mi', '500m', '128Mi'),
                volumeMounts: [{ name: 'config', mountPath: '/etc/alertmanager' }, { name: 'data', mountPath: '/alertmanager' }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'alertmanager-config' } }, { name: 'data', emptyDir: {} }],
          },
        },
      },
    },
  ];
}

export function loki(o: StackOptions): KubeObject[] {
  if (!o.images.loki) return [];
  const ns = o.namespaces.logging;
  const labels = { app: 'loki', [COMPONENT]: 'loki' };
  const config = {
    auth_enabled: false,
    server: { http_listen_port: 3100 },
    common: { path_prefix: '/loki', replication_factor: 1, ring: { kvstore: { store: 'inmemory' } }, storage: { filesystem: { chunks_directory: '/loki/chunks', rules_directory: '/loki/rules' } } },
    schema_config: { configs: [{ from: '2024-01-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } }] },
  };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'loki-config', namespace: ns }, data: { 'loki.yaml': stringify(config) } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'loki', namespace: ns, labels }, spec: { selector: labels, ports: [{ name: 'http', port: 3100 }] } },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'loki', namespace: ns, labels },
      spec: {
        serviceName: 'loki',
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { fsGroup: 10001, runAsUser: 10001, runAsNonRoot: true },
            containers: [
              {
                name: 'loki',
                image: o.images.loki,
                imagePullPolicy: 'IfNotPresent',
                args: ['-config.file=/etc/loki/loki.yaml'],
                ports: [{ name: 'http', containerPort: 3100 }],
                readinessProbe: { httpGet: { path: '/ready', port: 3100 }, periodSeconds: 5, initialDelaySeconds: 5 },
                resources: resources('100m', '128Mi', '1', '512Mi'),
                volumeMounts: [{ name: 'config', mountPath: '/etc/loki' }, { name: 'loki-storage', mountPath: '/loki' }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'loki-config' } }, ...(o.lokiEmptyDir ? [{ name: 'loki-storage', emptyDir: {} }] : [])],
          },
        },
        ...(o.lokiEmptyDir
          ? {}
          : {
              volumeClaimTemplates: [
                {
                  metadata: { name: 'loki-storage', labels },
                  spec: { storageClassName: o.lokiStorageClass ?? o.storageClass, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
                },
              ],
            }),
      },
    },
  ];
}

export function logShipper(o: StackOptions): KubeObject[] {
  if (!o.images.logShipper || !o.images.loki) return [];
  const ns = o.namespaces.logging;
  const labels = { app: 'log-shipper', [COMPONENT]: 'log-shipper' };
  const config = {
    server: { http_listen_port: 9080, grpc_listen_port: 0 },
    positions: { filename: '/run/promtail/positions.yaml' },
    clients: [{ url: `http://loki.${ns}.svc:3100/loki/api/v1/push` }],
    scrape_configs: [
      {
        job_name: 'pods',
        static_configs: [{ targets: ['localhost'], labels: { job: 'pods', __path__: '/var/log/pods/*/*/*.log' } }],
      },
    ],
  };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'log-shipper-config', namespace: ns }, data: { 'promtail.yaml': stringify(config) } },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'log-shipper', namespace: ns, labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: 'promtail',
                image: o.images.logShipper,
                imagePullPolicy: 'IfNotPresent',
                args: ['-config.file=/etc/promtail/promtail.yaml'],
                resources: resources('50m', '64Mi', '500m', '128Mi'),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/promtail' },
                  { name: 'pods', mountPath: '/var/log/pods', readOnly: true },
                  { name: 'positions', mountPath: '/run/promtail' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'log-shipper-config' } },
              { name: 'pods', hostPath: { path: '/var/log/pods' } },
              { name: 'positions', emptyDir: {} },
            ],
          },
        },
      },
    },
  ];
}

/**
 * A one-off pod in the logging namespace that proves logs flow end to end: it writes a unique line to its own
 * stdout (which the node's log shipper tails like every pod's), then queries Loki until that line comes back,
 * and reports `found=<n> ms=<latency>` as its termination message. Runs on the backend image (it has node).
 */
export function logFlowCheckJob(o: StackOptions, name: string, labels: Record<string, string>, marker: string, timeoutSeconds = 120): KubeObject {
  if (!/^[a-z0-9-]+$/.test(marker)) throw new Error(`log-flow marker '${marker}' must be a-z, 0-9, '-'`);
  const ns = o.namespaces.logging;
  const podLabels = { ...labels, [COMPONENT]: 'log-reader' };
  const script = [
    "import { writeFileSync } from 'node:fs';",
    'const marker = process.env.MARKER, t0 = Date.now();',
    'console.log(`drillbook log-flow marker ${marker}`);',
    `const query = encodeURIComponent('{job="pods"} |= "' + marker + '"');`,
    `const url = 'http://loki.${ns}.svc:3100/loki/api/v1/query_range?limit=5&query=' + query + '&start=' + (t0 - 60000) * 1e6;`,
    "let last = 'no answer yet';",
    'for (;;) {',
    '  try {',
    '    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });',
    '    const body = await res.json();',
    '    const n = res.ok ? body.data.result.reduce((a, s) => a + s.values.length, 0) : 0;',
    '    if (n > 0) { writeFileSync("/dev/termination-log", `found=${n} ms=${Date.now() - t0}`); process.exit(0); }',
    '    last = res.ok ? "line not in Loki yet" : `Loki answered ${res.status}`;',
    '  } catch (e) { last = e.message; }',
    `  if (Date.now() - t0 > ${timeoutSeconds * 1000}) { writeFileSync("/dev/termination-log", "not found after ${timeoutSeconds} s: " + last); process.exit(1); }`,
    '  await new Promise((r) => setTimeout(r, 500));',
    '}',
  ].join('\n');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, labels: podLabels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: timeoutSeconds + 60,
      template: {
        metadata: { labels: podLabels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'log-flow',
              image: o.images.backend,
              imagePullPolicy: 'IfNotPresent',
              command: ['/usr/local/bin/node', '--input-type=module', '-e', script],
              env: [{ name: 'MARKER', value: marker }],
              resources: resources('20m', '32Mi', '500m', '128Mi'),
              securityContext: { runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

/** What the log-flow check reported. */
export function parseLogFlowReport(message: string): { lines: number; ms: number } {
  const m = /^found=(\d+) ms=(\d+)$/.exec(message.trim());
  if (!m) throw new Error(`log-flow check: ${message.trim() || 'no report'}`);
  return { lines: Number(m[1]), ms: Number(m[2]) };
}
