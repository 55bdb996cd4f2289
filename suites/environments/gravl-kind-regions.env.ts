// The Gravl stack on a two-region kind cluster (clusters/kind/kind-config.ts twoRegionConfig: one control plane, two
// workers per region): PostgreSQL primary pinned to region A, its streaming replica to region B, the backend's
// replicas pinned to region B (a region-A backend would be a dead endpoint kube-proxy keeps forwarding to until the
// node turns NotReady). The backend's NodePort is published on 127.0.0.1 through the control-plane node, which is
// in neither region. Minimal stack: no frontend, no observability, no backup CronJob.
// Wired to the ports: node-stop faults (docker stop of this cluster's node containers), real k6 and the data probe
// through the NodePort, the failover runbook's operations as one-off psql Jobs and server-side applies.
import { randomBytes } from 'node:crypto';
import { REGION_LABEL, twoRegionConfig } from '../../clusters/kind/kind-config.ts';
import { deploymentAvailable, isPodReady, jobSucceeded, objectAbsent, podsReady, statefulSetReady } from '../../clusters/kube/conditions.ts';
import { KindCluster, type StartedKindCluster } from '../../clusters/kube/kind.provider.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import type { KubeClient } from '../../clusters/kube/kube-client.ts';
import { deployStages } from '../../clusters/stack/deploy-stack.ts';
import { backend, migrationJob } from '../../clusters/stack/manifests/app.manifest.ts';
import { namespaces, networkPolicies, rbac, secrets } from '../../clusters/stack/manifests/foundation.manifest.ts';
import {
  databaseService,
  dumpJob,
  fenceWritesJob,
  instanceStatusJob,
  unfenceJob,
  walPositionJob,
  parseInstanceStatus,
  parsePromoted,
  pinToRegion,
  PRIMARY_STS,
  promoteJob,
  replicatedPrimary,
  replicatedStandby,
  replicationFoundation,
  replayedJob,
  reportValue,
  reseededStandby,
  REPLICATION_SLOT,
  STANDBY_POD,
  STANDBY_STS,
  type ReplicationOptions,
} from '../../clusters/stack/manifests/postgres-replication.manifest.ts';
import type { StackStage } from '../../clusters/stack/manifests/stack.manifest.ts';
import { COMPONENT, DEFAULT_NAMESPACES, stackOptions, type StackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import type { GravlRegionEnv } from '../../scenarios/catalog/gravl-region.env.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { deployOnto, drillPorts, handOver, prerequisites, type KindEnvironment, type KindEnvironmentOptions } from './kind-steps.ts';
import { FaultDispatcher } from '../../tools/faults/fault-dispatcher.ts';
import { WRITE_FENCE, WriteFenceFaultInjector } from '../../tools/faults/write-fence.fault.ts';
import { NodeStopFaultInjector } from '../../tools/faults/node-stop.fault.ts';
import { freePort } from '../../tools/lib/free-port.ts';
import { run } from '../../tools/lib/exec.ts';

export const DEFAULT_REGIONS_CLUSTER = 'drillbook-regions';

/** Field managers of the runbook's changes (never the stack's own). */
export const FAILOVER_FIELD_MANAGERS = { dns: 'drillbook-runbook-dns', restart: 'drillbook-runbook-restart' } as const;

export type GravlKindRegionsEnvironment = KindEnvironment<GravlRegionEnv>;

/** clusterName defaults to drillbook-regions; namespace and replicas as every kind environment. */
export interface GravlKindRegionsOptions extends KindEnvironmentOptions {
  regions?: readonly [string, string];
}

export function regionStages(stack: StackOptions, r: ReplicationOptions): StackStage[] {
  const app = stack.namespaces.app;
  return [
    { name: 'foundation', objects: [...namespaces(stack), ...rbac(stack), ...networkPolicies(stack), ...secrets(stack), ...replicationFoundation(stack, r)], waits: [] },
    { name: 'database-primary', objects: replicatedPrimary(stack, r), waits: [statefulSetReady(app, PRIMARY_STS)] },
    { name: 'database-standby', objects: replicatedStandby(stack, r), waits: [statefulSetReady(app, STANDBY_STS)] },
    { name: 'migration', objects: [migrationJob(stack)], waits: [jobSucceeded(app, 'db-migration')] },
    { name: 'app', objects: backend(stack).map((o) => (o.kind === 'Deployment' ? pinToRegion(o, r.standbyRegion) : o)), waits: [deploymentAvailable(app, 'backend')] },
  ];
}

/**
 * kind's kube-proxy kubeconfig names the API server `<cluster>-control-plane`; on this node image a worker's
 * kube-proxy resolves it through the kubelet's upstream resolver (not Docker's embedded DNS) and fails, so no
 * Service rules are programmed on workers: no ClusterIP, no DNS from their pods. The control plane's own
 * kube-proxy works (its /etc/hosts has its name). Fix: point the kubeconfig at the control plane's IP (a SAN of the
 * API server certificate) and restart kube-proxy.
 */
export async function pointKubeProxyAtControlPlaneIp(cluster: StartedKindCluster, client: KubeClient, signal: AbortSignal): Promise<string> {
  const started = performance.now();
  const cp = `${cluster.name}-control-plane`;
  const { stdout } = await run('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', cp], { signal });
  const ip = stdout.trim();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`no IPv4 address for ${cp}: '${ip}'`);
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kube-proxy' };
  const cm = await client.api.read(ref, { signal });
  const kubeconfig = (cm?.data as Record<string, string> | undefined)?.['kubeconfig.conf'];
  if (!kubeconfig) throw new Error('kube-system/kube-proxy has no kubeconfig.conf');
  const fixed = kubeconfig.replace(`https://${cp}:6443`, `https://${ip}:6443`);
  if (fixed === kubeconfig) return `kube-proxy already talks to ${ip}`;
  await client.api.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-proxy', namespace: 'kube-system' }, data: { 'kubeconfig.conf': fixed } }, 'drillbook-kind-fixup', { signal });
  const { items } = await client.api.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system' }, { labelSelector: 'k8s-app=kube-proxy' }, { signal });
  for (const pod of items) await client.api.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system', name: pod.metadata.name }, { signal, propagation: 'Background' });
  // the replacements must be new pods (not the ones being deleted) and ready
  await client.waitFor(
    { ...podsReady('kube-system', 'k8s-app=kube-proxy', items.length), name: 'kube-proxy restarted on every node', evaluate: (objects) => {
      const fresh = objects.filter((p) => !items.some((old) => old.metadata.uid === p.metadata.uid));
      return { ok: fresh.length >= items.length && fresh.every(isPodReady), detail: `${fresh.filter(isPodReady).length}/${items.length} restarted` };
    } },
    { timeoutMs: 120_000, signal },
  );
  return `kube-proxy pointed at the API server's IP ${ip} (was ${cp}) and restarted on ${items.length} nodes in ${Math.round(performance.now() - started)} ms`;
}

export async function startGravlKindRegions(options: GravlKindRegionsOptions): Promise<GravlKindRegionsEnvironment> {
  const { signal, log } = options;
  const [primaryRegion, standbyRegion] = options.regions ?? ['region-a', 'region-b'];
  const { toolchain, k6, images } = await prerequisites({ postgres: 'postgres', backend: 'gravl-backend-v2' }, options);
  const hostPort = await freePort();
  const replicas = options.backendReplicas ?? 2;
  const stack = stackOptions({
    images,
    namespaces: { ...DEFAULT_NAMESPACES, app: options.namespace ?? DEFAULT_NAMESPACES.app },
    db: { user: 'gravl_user', password: randomBytes(24).toString('base64url'), name: 'gravl' },
    jwtSecret: randomBytes(32).toString('base64url'),
    backendReplicas: replicas,
  });
  const replication: ReplicationOptions = { primaryRegion, standbyRegion, replicationPassword: randomBytes(24).toString('base64url') };
  const ns = stack.namespaces.app;

  await using owned = new AsyncDisposableStack();
  const cluster = await new KindCluster(options.clusterName ?? DEFAULT_REGIONS_CLUSTER)
    .withKindBinary(toolchain.kind)
    .withNodeImage(toolchain.nodeImage)
    .withConfig(twoRegionConfig({ regions: [primaryRegion, standbyRegion], ports: [{ containerPort: stack.backendNodePort, hostPort }] }))
    .withReuse(false)
    .withKeepOnDispose(options.keep ?? false)
    .withReadyTimeout(300_000)
    // before CoreDNS is judged: a CoreDNS pod on a worker is unready until that worker's kube-proxy works
    .withFixup(async (c, o) => log(await pointKubeProxyAtControlPlaneIp(c, c.client(), o.signal ?? signal)))
    .start({ signal });
  owned.use(cluster);
  log(`kind cluster ${cluster.name} (2 regions, ${(await cluster.nodes({ signal })).length} nodes) up in ${cluster.startMs} ms; backend will be on 127.0.0.1:${hostPort}`);
  const { client, deployTimings } = await deployOnto(cluster, images, (c, onStage) => deployStages(c, regionStages(stack, replication), { signal, conditionTimeoutMs: 300_000, onStage }), options);

  const runLabels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: options.runId, [LABELS.scenario]: options.suite };
  const backendUrl = `http://127.0.0.1:${hostPort}`;
  const backendSelector = `${COMPONENT}=backend`;
  const suffix = () => randomBytes(3).toString('hex');
  /** A one-off Job to completion; its pod's termination message. */
  const runJob = async (job: KubeObject, sig: AbortSignal) => (await client.runJob(job, { timeoutMs: 130_000, signal: sig })).message;
  const stsOf = (region: string) => {
    if (region !== primaryRegion && region !== standbyRegion) throw new Error(`no PostgreSQL instance in region '${region}'`);
    return region === primaryRegion ? PRIMARY_STS : STANDBY_STS;
  };
  /** The Service in front of the instance of a region (one per StatefulSet). */
  const hostOf = (region: string) => stsOf(region);
  /** Admin Jobs run in the standby's region, except when they talk to the primary region's instance after fail-back. */
  const adminRegion = (_region: string) => standbyRegion;
  const pods = async (sig: AbortSignal) =>
    (await client.api.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: backendSelector }, { signal: sig })).items.filter((p) => !p.metadata.deletionTimestamp);

  const env: GravlRegionEnv = {
    backendUrl,
    platform: `kind-${cluster.name}`,
    namespace: ns,
    primaryRegion,
    standbyRegion,
    backendReplicas: replicas,
    crashFault: (component) => ({ kind: 'unsupported', component }),
    restart: async () => {
      throw new Error('the region drills restart the backend through restartBackend');
    },
    regionDown: (region) => ({ kind: 'node-stop', selector: `${REGION_LABEL}=${region}`, graceSeconds: 0 }),
    regionNodes: async (sig) =>
      (await client.api.list({ apiVersion: 'v1', kind: 'Node' }, {}, { signal: sig })).items
        .filter((n) => n.metadata.labels?.[REGION_LABEL] !== undefined)
        .map((n) => ({
          name: n.metadata.name,
          region: n.metadata.labels![REGION_LABEL]!,
          ready: ((n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
        })),
    readyBackendPods: async (sig) => (await pods(sig)).filter(isPodReady).length,
    // the Jobs run in the standby's region: a pod scheduled onto a node of a lost region never starts
    serving: async (sig) => parseInstanceStatus(await runJob(instanceStatusJob(stack, `db-serving-${suffix()}`, runLabels, 'postgres', standbyRegion), sig)),
    standbyStatus: async (sig) => parseInstanceStatus(await runJob(instanceStatusJob(stack, `db-standby-${suffix()}`, runLabels, STANDBY_STS, standbyRegion), sig)),
    promoteStandby: async (sig) => {
      const message = await runJob(promoteJob(stack, `db-promote-${suffix()}`, runLabels, STANDBY_STS, standbyRegion), sig);
      return { ...parseInstanceStatus(message), promoted: parsePromoted(message) };
    },
    repointDatabase: async (sig) => {
      const started = performance.now();
      const service = databaseService(stack, STANDBY_POD);
      await client.api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'postgres', namespace: ns }, spec: { selector: (service.spec as { selector: unknown }).selector } }, FAILOVER_FIELD_MANAGERS.dns, { signal: sig });
      return `kubectl -n ${ns} patch service postgres: selector -> ${STANDBY_POD} (${Math.round(performance.now() - started)} ms)`;
    },
    instanceStatus: async (region, sig) => parseInstanceStatus(await runJob(instanceStatusJob(stack, `db-status-${suffix()}`, runLabels, hostOf(region), adminRegion(region)), sig)),
    backupServing: async (sig) => {
      const message = await runJob(dumpJob(stack, `db-backup-${suffix()}`, runLabels, 'postgres', standbyRegion), sig);
      return { bytes: Number(reportValue(message, 'dump_bytes')), instance: parseInstanceStatus(message).instance };
    },
    reseedAsStandby: async (region, sig) => {
      const started = performance.now();
      const sts = stsOf(region);
      const other = region === primaryRegion ? STANDBY_STS : PRIMARY_STS;
      const stsRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ns, name: sts };
      const podRef = { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: `${sts}-0` };
      const pvcRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: `data-${sts}-0` };
      await client.api.delete(stsRef, { signal: sig, propagation: 'Background' });
      await client.waitFor(objectAbsent('apps/v1', 'StatefulSet', ns, sts), { timeoutMs: 60_000, signal: sig });
      await client.api.delete(podRef, { signal: sig, gracePeriodSeconds: 0 });
      await client.waitFor(objectAbsent('v1', 'Pod', ns, podRef.name), { timeoutMs: 90_000, signal: sig });
      await client.api.delete(pvcRef, { signal: sig, propagation: 'Background' });
      await client.waitFor(objectAbsent('v1', 'PersistentVolumeClaim', ns, pvcRef.name), { timeoutMs: 90_000, signal: sig });
      const slot = region === primaryRegion ? 'failback_slot' : REPLICATION_SLOT;
      await client.apply([reseededStandby(stack, sts, region, { host: other, slot, createSlot: true })], { signal: sig });
      let ready;
      try {
        ready = await client.waitFor(statefulSetReady(ns, sts), { timeoutMs: 240_000, signal: sig, hint: `kubectl -n ${ns} logs ${sts}-0 -c seed-from-primary` });
      } catch (error) {
        // what the seed said (it waits for its source forever): the cause, in the journal, before the cluster goes
        const logs = await run(toolchain.kubectl, ['--kubeconfig', cluster.kubeconfigPath, '--context', cluster.context, '-n', ns, 'logs', podRef.name, '-c', 'seed-from-primary', '--tail', '5'], { signal: sig, timeoutMs: 15_000 })
          .then((r) => r.stdout.trim().replaceAll('\n', ' | '))
          .catch((e: Error) => `no logs: ${e.message.split('\n')[0]}`);
        throw new Error(`${(error as Error).message}; seed-from-primary said: ${logs}`, { cause: error });
      }
      return `deleted StatefulSet ${sts}, its pod and PVC ${pvcRef.name}; re-created it as a standby seeded from ${other} (pg_basebackup -C -S ${slot}): ${ready.detail} after ${Math.round(performance.now() - started)} ms`;
    },
    writeFence: (region) => ({ kind: WRITE_FENCE, region }),
    walPosition: async (region, sig) => {
      const lsn = reportValue(await runJob(walPositionJob(stack, `db-wal-${suffix()}`, runLabels, hostOf(region), adminRegion(region)), sig), 'lsn');
      if (!lsn) throw new Error(`no WAL position reported by the instance in ${region}`);
      return lsn;
    },
    replayedTo: async (region, lsn, sig) => {
      const message = await runJob(replayedJob(stack, `db-replayed-${suffix()}`, runLabels, hostOf(region), adminRegion(region), lsn), sig);
      return { caughtUp: reportValue(message, 'caught_up') === 'true', replayLsn: reportValue(message, 'replay_lsn') ?? 'none' };
    },
    promote: async (region, sig) => {
      const message = await runJob(promoteJob(stack, `db-promote-${suffix()}`, runLabels, hostOf(region), adminRegion(region)), sig);
      return { ...parseInstanceStatus(message), promoted: parsePromoted(message) };
    },
    repointDatabaseTo: async (region, sig) => {
      const started = performance.now();
      const pod = `${stsOf(region)}-0`;
      const service = databaseService(stack, pod);
      await client.api.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'postgres', namespace: ns }, spec: { selector: (service.spec as { selector: unknown }).selector } }, FAILOVER_FIELD_MANAGERS.dns, { signal: sig });
      return `kubectl -n ${ns} patch service postgres: selector -> ${pod} (${Math.round(performance.now() - started)} ms)`;
    },
    restartBackend: async (sig) => {
      const started = performance.now();
      await client.api.apply(
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'backend', namespace: ns }, spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } },
        FAILOVER_FIELD_MANAGERS.restart,
        { signal: sig },
      );
      const verdict = await client.waitFor(deploymentAvailable(ns, 'backend'), { timeoutMs: 280_000, signal: sig, hint: `kubectl -n ${ns} describe deployment backend` });
      return `kubectl rollout restart deployment/backend; rollout status: ${verdict.detail} after ${Math.round(performance.now() - started)} ms`;
    },
  };

  const ports = drillPorts({
    cluster,
    k6,
    outDir: options.outDir,
    backendUrl,
    faults: new FaultDispatcher([
      new NodeStopFaultInjector(client.api, cluster.name),
      new WriteFenceFaultInjector({
        regions: [primaryRegion, standbyRegion],
        target: { kubeconfig: cluster.kubeconfigPath, context: cluster.context },
        fence: async (region, sig) => {
          const message = await runJob(fenceWritesJob(stack, `db-fence-${suffix()}`, runLabels, hostOf(region), adminRegion(region)), sig);
          return `default_transaction_read_only = on in ${region} (ALTER SYSTEM + reload); WAL position ${reportValue(message, 'lsn')}`;
        },
        unfenceJob: (region) => unfenceJob(stack, `db-unfence-${suffix()}`, runLabels, hostOf(region), adminRegion(region)),
        isStandby: async (region, sig) => (await env.instanceStatus(region, sig)).inRecovery,
        runJob: async (job, sig) => runJob(job, sig),
      }),
    ]),
  });
  return handOver(owned, { env, ports, cluster, client, stack, deployTimings, secrets: [stack.db.password, stack.jwtSecret, replication.replicationPassword] });
}
