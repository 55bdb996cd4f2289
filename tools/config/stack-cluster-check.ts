// The stack description against a live cluster, before anything is injected: every name, port and Secret key it
// gives must exist, and when one does not the error says what exists instead ("no Deployment 'gravl-api' in
// namespace 'shop'; Deployments there: gravl-backend, gravl-frontend"). Read-only: lists and reads through the
// KubeClient port, nothing is created.
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import type { KubeClient } from '../../clusters/kube/kube-client.ts';
import { InvalidInputError } from '../../scenarios/errors.ts';
import type { CallOptions } from '../../scenarios/ports.ts';
import type { DescribedStack } from './stack-description.ts';

const KINDS = {
  Namespace: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  Service: 'v1',
  Secret: 'v1',
  ConfigMap: 'v1',
  Ingress: 'networking.k8s.io/v1',
  CronJob: 'batch/v1',
  PersistentVolumeClaim: 'v1',
} as const;
type Kind = keyof typeof KINDS;

const listed = (names: readonly string[]) => (names.length ? names.join(', ') : 'none');

interface Container {
  name: string;
  ports?: { containerPort: number; name?: string }[];
}

/** Problems of `stack` on the cluster `kube` talks to, one line each: field, what does not exist, what does. */
export async function validateAgainstCluster(stack: DescribedStack, kube: Pick<KubeClient, 'api'>, options: CallOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const cache = new Map<string, KubeObject[]>();
  const list = async (kind: Kind, namespace?: string): Promise<KubeObject[]> => {
    const k = `${kind}/${namespace ?? ''}`;
    if (!cache.has(k)) cache.set(k, (await kube.api.list({ apiVersion: KINDS[kind], kind, ...(namespace ? { namespace } : {}) }, {}, options)).items);
    return cache.get(k)!;
  };
  const namespaces = (await list('Namespace')).map((n) => n.metadata.name);
  const missingNamespaces = new Set<string>();
  const nsOk = (field: string, ns: string): boolean => {
    if (namespaces.includes(ns)) return true;
    if (!missingNamespaces.has(ns)) problems.push(`${field}: no namespace '${ns}' in the cluster; namespaces: ${listed(namespaces)}`);
    missingNamespaces.add(ns);
    return false;
  };
  /** The object, or undefined after a problem naming the ones there are. */
  const find = async (field: string, kind: Kind, name: string, ns: string): Promise<KubeObject | undefined> => {
    if (!nsOk(field, ns)) return undefined;
    const items = await list(kind, ns);
    const hit = items.find((o) => o.metadata.name === name);
    if (!hit) problems.push(`${field}: no ${kind} '${name}' in namespace '${ns}'; ${kind}s there: ${listed(items.map((o) => o.metadata.name))}`);
    return hit;
  };
  const servicePort = (field: string, service: KubeObject | undefined, port: number) => {
    if (!service) return;
    const ports = ((service.spec as { ports?: { port: number }[] } | undefined)?.ports ?? []).map((p) => p.port);
    if (!ports.includes(port)) problems.push(`${field}: Service '${service.metadata.name}' has no port ${port}; its ports: ${listed(ports.map(String))}`);
  };
  const dataKey = (field: string, object: KubeObject | undefined, key: string) => {
    if (!object) return;
    const keys = [...Object.keys((object as { data?: object }).data ?? {}), ...Object.keys((object as { stringData?: object }).stringData ?? {})];
    if (!keys.includes(key)) problems.push(`${field}: ${object.kind} '${object.metadata.name}' has no key '${key}'; its keys: ${listed(keys)}`);
  };
  const ns = (c: { namespace?: string | undefined }) => c.namespace ?? stack.namespace;
  const c = stack.components;

  // backend: Deployment -> container -> port; the app secret
  const b = c.backend;
  const at = 'stack.components.backend';
  const deployment = await find(`${at}.deployment`, 'Deployment', b.deployment, ns(b));
  if (deployment) {
    const containers = ((deployment.spec as { template?: { spec?: { containers?: Container[] } } }).template?.spec?.containers ?? []) as Container[];
    const container = containers.find((x) => x.name === b.container);
    if (!container) problems.push(`${at}.container: Deployment '${b.deployment}' has no container '${b.container}'; its containers: ${listed(containers.map((x) => x.name))}`);
    else {
      const ports = (container.ports ?? []).map((p) => p.containerPort);
      // a container need not declare its ports; when it does, the described one must be among them
      if (ports.length && !ports.includes(b.port)) problems.push(`${at}.port: container '${b.container}' of Deployment '${b.deployment}' declares no port ${b.port}; its ports: ${listed(ports.map(String))}`);
    }
  }
  if (b.appSecret) await find(`${at}.appSecret`, 'Secret', b.appSecret, ns(b));

  // database: workload, Service and port, credentials Secret and keys
  const d = c.database;
  await find('stack.components.database.name', d.kind, d.name, ns(d));
  servicePort('stack.components.database.port', await find('stack.components.database.service', 'Service', d.service, ns(d)), d.port);
  const creds = await find('stack.components.database.credentials.secret', 'Secret', d.credentials.secret, ns(d));
  dataKey('stack.components.database.credentials.userKey', creds, d.credentials.userKey);
  dataKey('stack.components.database.credentials.passwordKey', creds, d.credentials.passwordKey);

  if (c.logging) {
    const l = c.logging;
    servicePort('stack.components.logging.port', await find('stack.components.logging.service', 'Service', l.service, ns(l)), l.port);
    if (l.statefulSet) await find('stack.components.logging.statefulSet', 'StatefulSet', l.statefulSet, ns(l));
  }
  if (c.alerting) {
    const a = c.alerting;
    servicePort('stack.components.alerting.port', await find('stack.components.alerting.service', 'Service', a.service, ns(a)), a.port);
    dataKey('stack.components.alerting.config.key', await find('stack.components.alerting.config.name', a.config.kind, a.config.name, ns(a)), a.config.key);
  }
  if (c.tlsEdge) {
    const t = c.tlsEdge;
    await find('stack.components.tlsEdge.name', t.kind, t.name, ns(t));
    await find('stack.components.tlsEdge.tlsSecret', 'Secret', t.tlsSecret, ns(t));
  }
  if (c.backup) {
    const k = c.backup;
    await find('stack.components.backup.cronJob', 'CronJob', k.cronJob, ns(k));
    await find('stack.components.backup.pvc', 'PersistentVolumeClaim', k.pvc, ns(k));
  }
  // the migration Job is not checked: a finished Job is removed by its TTL, and the drills create the next one
  return problems;
}

/** Throws InvalidInputError listing every problem of `stack` on the cluster; call it before any fault is injected. */
export async function assertStackOnCluster(stack: DescribedStack, kube: Pick<KubeClient, 'api'>, where: string, options: CallOptions = {}): Promise<void> {
  const problems = await validateAgainstCluster(stack, kube, options);
  if (problems.length) throw new InvalidInputError(`the stack description against ${where}`, problems, { hint: 'fix the names in drillbook.yaml (stack.components); nothing was injected' });
}
