// Distributed load for a kind environment: k6-operator installed from what is built here (controller image, CRDs
// of the same source, drillbook's k6 in the runner image), a load namespace of its own, and a NetworkPolicy that
// lets that namespace reach the backend (the stack denies in-cluster traffic it does not name). Returns the
// LoadGenerator the drills use through the same port as local k6; disposing removes what this step added
// (namespace, policy, controller), the CRDs stay (cluster-wide, harmless, shared by a reused cluster).
//
// On an existing cluster that already runs k6-operator, build K6OperatorLoadGenerator directly with the
// namespace the context is allowed and a runner image its nodes can pull (imagePullable).
import { readFile } from 'node:fs/promises';
import { deploymentAvailable } from '../../clusters/kube/conditions.ts';
import { ClientNodeKubeApi, loadKubeConfig } from '../../clusters/kube/client-node.kube-api.ts';
import type { StartedKindCluster } from '../../clusters/kube/kind.provider.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { K6_OPERATOR_CONTROLLER, K6_OPERATOR_NAMESPACE, k6OperatorController, k6OperatorCrds } from '../../clusters/stack/manifests/k6-operator.manifest.ts';
import { COMPONENT } from '../../clusters/stack/manifests/stack-options.ts';
import { LABELS, MANAGED_BY, type Labels } from '../../scenarios/ports.ts';
import { ensureImage } from '../../tools/images/images.ts';
import { ensureK6OperatorBuild } from '../../tools/images/k6-operator.prerequisite.ts';
import { K6OperatorLoadGenerator } from '../../tools/k6/k6-operator.driver.ts';
import { ClientNodePodLogs } from '../../tools/k6/k6-operator.kube.ts';

export const LOAD_NAMESPACE = 'drillbook-load';

export interface K6OperatorLoadOptions {
  readonly parallelism: number;
  /** The backend as the harness reaches it (loopback NodePort) and as the runners do (its Service). */
  readonly backend: { readonly harnessUrl: string; readonly serviceUrl: string; readonly namespace: string; readonly port: number };
  readonly labels: Labels;
  readonly namespace?: string;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

export interface K6OperatorLoad extends AsyncDisposable {
  readonly load: K6OperatorLoadGenerator;
  readonly runnerImage: string;
  readonly installMs: number;
}

export async function k6OperatorLoad(cluster: StartedKindCluster, options: K6OperatorLoadOptions): Promise<K6OperatorLoad> {
  const { signal, log } = options;
  const started = performance.now();
  const namespace = options.namespace ?? LOAD_NAMESPACE;
  const images = { controller: await ensureImage('k6-operator', { signal, log }), runner: await ensureImage('k6-runner', { signal, log }) };
  const build = await ensureK6OperatorBuild({ signal, log });
  await cluster.loadImages([images.controller, images.runner], { signal });
  const client = cluster.client();
  const labels = { [LABELS.managedBy]: MANAGED_BY, ...options.labels };
  const crds = k6OperatorCrds(await Promise.all(build.crds.map((f) => readFile(f, 'utf8'))));
  const added: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } },
    loadIngress(options.backend.namespace, namespace, options.backend.port, labels),
    ...k6OperatorController(images.controller, { watchNamespaces: [namespace] }),
  ];
  await client.apply(crds, signal ? { signal } : {});
  await client.apply(added, signal ? { signal } : {});
  await client.waitFor(deploymentAvailable(K6_OPERATOR_NAMESPACE, K6_OPERATOR_CONTROLLER), {
    timeoutMs: 180_000,
    ...(signal ? { signal } : {}),
    hint: `kubectl -n ${K6_OPERATOR_NAMESPACE} logs deploy/${K6_OPERATOR_CONTROLLER}`,
  });
  const installMs = Math.round(performance.now() - started);
  log?.(`k6-operator installed (controller ${images.controller}, runners ${images.runner}, namespace ${namespace}) in ${installMs} ms`);
  const serviceHost = new URL(options.backend.serviceUrl).hostname;
  const load = new K6OperatorLoadGenerator(client.api, new ClientNodePodLogs(loadKubeConfig(cluster.kubeconfigPath, cluster.context)), {
    namespace,
    runnerImage: images.runner,
    parallelism: options.parallelism,
    // loaded onto every node just above (kind load): the kubelet lists a new image in the node's status only at its
    // next image scan, so the status check would refuse an image that is there (seen in the e2e)
    imagePullable: true,
  })
    .withAllowedHosts([serviceHost])
    .withTargetRewrite(options.backend.harnessUrl, options.backend.serviceUrl);
  return {
    load,
    runnerImage: images.runner,
    installMs,
    async [Symbol.asyncDispose]() {
      for (const o of [...added].reverse()) {
        await client.api.delete({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }, { propagation: 'Background' }).catch(() => undefined);
      }
    },
  };
}

/** The backend accepts the load namespace's pods on its HTTP port (the stack's policies name every other client). */
export function loadIngress(appNamespace: string, loadNamespace: string, port: number, labels: Labels): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `backend-ingress-from-${loadNamespace}`, namespace: appNamespace, labels },
    spec: {
      podSelector: { matchLabels: { [COMPONENT]: 'backend' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': loadNamespace } } }], ports: [{ protocol: 'TCP', port }] }],
    },
  };
}

/**
 * k6-operator load on an existing cluster that already runs it (the user's): nothing is installed; TestRuns go to
 * `namespace` (one the context may use and the operator watches), the runner image must be pullable by the nodes
 * (pushed to the registry they use), targets are the hosts given. start() still refuses a missing CRD, a
 * namespace it cannot use and more runners than the nodes can take (when the context may list nodes).
 */
export function existingK6OperatorLoad(o: {
  kubeconfig: string;
  context: string;
  namespace: string;
  runnerImage: string;
  parallelism: number;
  allowedHosts: readonly string[];
}): K6OperatorLoadGenerator {
  const kc = loadKubeConfig(o.kubeconfig, o.context);
  return new K6OperatorLoadGenerator(new ClientNodeKubeApi(kc), new ClientNodePodLogs(kc), {
    namespace: o.namespace,
    runnerImage: o.runnerImage,
    parallelism: o.parallelism,
    imagePullable: true,
  }).withAllowedHosts(o.allowedHosts);
}
