// ROLLBACK.md's release operations on the one-node kind environment (GravlReleaseEnv): the faults of Scenarios 1
// and 4 as data, the watches that see their symptoms, and the runbook's kubectl operations on the backend
// Deployment as server-side applies, each under its own field manager as kubectl has.
import { isPodReady, podsReady, podsRestartedSince, podsWaiting, waitingReasons, deploymentAvailable } from '../../clusters/kube/conditions.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { secrets as stackSecrets } from '../../clusters/stack/manifests/foundation.manifest.ts';
import { COMPONENT } from '../../clusters/stack/manifests/stack-options.ts';
import type { GravlReleaseEnv } from '../../scenarios/catalog/gravl-kube.env.ts';
import type { KubeDrillDeps } from './kind-drill-deps.ts';

/** The longest a crashed container can wait to be restarted (the kubelet's CrashLoopBackOff cap, 5 min), and its start. */
export const RESTART_WAIT_MS = 360_000;

/**
 * Field managers of the runbook's own changes, one per operation as kubectl has (scale, set image, rollout
 * restart). Each always applies the same fields: server-side apply removes a field its manager applied before and
 * leaves out now, so one manager for "replicas" and then "image" would reset the replica count.
 */
export const RUNBOOK_FIELD_MANAGERS = {
  scale: 'drillbook-runbook-scale',
  setImage: 'drillbook-runbook-set-image',
  restart: 'drillbook-runbook-restart',
} as const;

/**
 * Where the release drills find the stack's objects: the backend Deployment and its container, the label selectors
 * of the backend's and the database's pods, and the app secret. Gravl's are GRAVL_RELEASE_NAMES; a described stack
 * gives its own (suites/environments/described-kind.env.ts).
 */
export interface ReleaseNames {
  readonly deployment: string;
  readonly container: string;
  /** The backend's pods (the Deployment's selector). */
  readonly backendSelector: string;
  /** The database's pods (its workload's selector). */
  readonly databaseSelector: string;
  /** The Secret the backend reads at start. */
  readonly appSecret: string;
}

/** The reference Gravl stack's names (clusters/stack/manifests). */
export const GRAVL_RELEASE_NAMES: ReleaseNames = {
  deployment: 'backend',
  container: 'backend',
  backendSelector: `${COMPONENT}=backend`,
  databaseSelector: `${COMPONENT}=database`,
  appSecret: 'app-secret',
};

export function kindReleaseEnv(
  d: KubeDrillDeps & { platform: string; replicas: number; images: { backend: string; broken: string }; names?: ReleaseNames; paths?: Pick<GravlReleaseEnv, 'readinessPath' | 'businessReadPath'> },
): GravlReleaseEnv {
  const { client, stack, backendUrl, replicas, images } = d;
  const names = d.names ?? GRAVL_RELEASE_NAMES;
  const { deployment, container, backendSelector } = names;
  const ns = stack.namespaces.app;
  const pods = async (sig: AbortSignal) =>
    (await client.api.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: backendSelector }, { signal: sig })).items.filter(
      (p) => !p.metadata.deletionTimestamp,
    );
  const patchDeployment = async (manager: keyof typeof RUNBOOK_FIELD_MANAGERS, spec: Record<string, unknown>, sig: AbortSignal) => {
    const started = performance.now();
    await client.api.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: deployment, namespace: ns }, spec }, RUNBOOK_FIELD_MANAGERS[manager], { signal: sig });
    return Math.round(performance.now() - started);
  };
  const rolloutStatus = async (sig: AbortSignal) => {
    const verdict = await client.waitFor(deploymentAvailable(ns, deployment), { timeoutMs: 280_000, signal: sig, hint: `kubectl -n ${ns} describe deployment ${deployment}` });
    return verdict.detail;
  };
  return {
    backendUrl,
    ...d.paths,
    platform: d.platform,
  namespace: ns,
  backendReplicas: replicas,
  previousBackendImage: images.backend,
  brokenBackendImage: images.broken,
  // A crash is a SIGKILL of the component's containers (every backend replica, or PostgreSQL), as on Docker.
  crashFault: (component) => ({ kind: 'container-kill', namespace: ns, selector: component === 'database' ? names.databaseSelector : backendSelector }),
  // On Kubernetes the kubelet restarts a crashed container by itself: the runbook's "restart pods" is then
  // watching the workload come back (kubectl rollout status). Right after the SIGKILL the pods still read Ready
  // (the kubelet's next sync has not run), so the crashed ones must be seen restarted since the crash, then Ready;
  // a container that crashed repeatedly waits in CrashLoopBackOff (10 s doubling to 5 min, reset after 10 min
  // up), so the wait covers the longest back-off. The service is back when every backend replica is Ready again.
  restart: async (component, sig) => {
    const started = performance.now();
    // the crash was just before its detection (milliseconds to seconds): a minute back is this crash, not the last
    const since = Date.now() - 60_000;
    const crashed = component === 'database' ? podsRestartedSince(ns, names.databaseSelector, since) : podsRestartedSince(ns, backendSelector, since, replicas);
    const waits = [crashed, ...(component === 'database' ? [podsReady(ns, backendSelector, replicas)] : [])];
    const seen: string[] = [];
    for (const condition of waits) seen.push(`${condition.name}: ${(await client.waitFor(condition, { timeoutMs: RESTART_WAIT_MS, signal: sig })).detail}`);
    return `kubectl rollout status: ${seen.join('; ')}; after ${Math.round(performance.now() - started)} ms`;
  },
  badRelease: () => ({ kind: 'set-image', namespace: ns, deployment, container, image: images.broken }),
  secretDeleted: () => ({ kind: 'secret-delete', namespace: ns, name: names.appSecret }),
  backendPodsKilled: () => ({ kind: 'pod-kill', namespace: ns, selector: backendSelector }),
  watchBackendWaiting: async (reasons, count, sig) => {
    const verdict = await client.waitFor(podsWaiting(ns, backendSelector, reasons, count), { timeoutMs: 600_000, signal: sig });
    const matching = (await pods(sig)).filter((p) => waitingReasons(p).some((r) => reasons.includes(r))).length;
    return { detail: verdict.detail, pods: matching };
  },
  readyBackendPods: async (sig) => (await pods(sig)).filter(isPodReady).length,
  crashLoopingBackendPods: async (sig) => (await pods(sig)).filter((p) => waitingReasons(p).includes('CrashLoopBackOff')).length,
  scaleBackend: async (n, sig) => `kubectl scale deployment ${deployment} --replicas=${n} (${await patchDeployment('scale', { replicas: n }, sig)} ms)`,
  setBackendImage: async (image, sig) =>
    `kubectl set image deployment/${deployment} ${container}=${image} (${await patchDeployment('setImage', { template: { spec: { containers: [{ name: container, image }] } } }, sig)} ms)`,
  backendRolloutStatus: async (sig) => `kubectl rollout status deployment/${deployment}: ${await rolloutStatus(sig)}`,
  restartBackend: async (sig) => {
    const ms = await patchDeployment('restart', { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } }, sig);
    return `kubectl rollout restart deployment/${deployment} (${ms} ms); rollout status: ${await rolloutStatus(sig)}`;
  },
  restoreAppSecret: async (sig) => {
    const secret = stackSecrets(stack).find((o: KubeObject) => o.metadata.name === 'app-secret')!;
    await client.apply([secret], { signal: sig });
    return `re-applied Secret ${ns}/app-secret from the stack's definition`;
  },
  };
}
