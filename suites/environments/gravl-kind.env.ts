// The Gravl stack on a kind cluster (built here, nothing pulled), wired to the ports: harness-native kube faults,
// real k6 and the data probe through the backend's NodePort published on 127.0.0.1, and the runbook's kubectl
// operations over the API (server-side apply, one field manager per runbook operation, watches for every wait).
// Everything it creates carries drillbook's labels; the cluster is deleted on dispose unless kept for reuse.
import { dirname, join } from 'node:path';
import { singleNodeConfig } from '../../clusters/kind/kind-config.ts';
import { deploymentAvailable, isPodReady, jobAttemptFailed, podsGone, jobSucceeded, lastFailure, objectAbsent, podsReady, podsWaiting, waitingReasons } from '../../clusters/kube/conditions.ts';
import { KindCluster } from '../../clusters/kube/kind.provider.ts';
import type { KubeObject, ObjectRef } from '../../clusters/kube/kube-api.ts';
import { deployStack } from '../../clusters/stack/deploy-stack.ts';
import { backupCronJob, migrationJob } from '../../clusters/stack/manifests/app.manifest.ts';
import { databaseStatusJob, parseDatabaseReport, restoreDatabaseJob } from '../../clusters/stack/manifests/db-admin.manifest.ts';
import { allObjects, referenceStack } from '../../clusters/stack/manifests/stack.manifest.ts';
import { backupJobFrom, parseRestoreReport, restoreTestJob } from '../../clusters/stack/manifests/backup-test.manifest.ts';
import { secrets as stackSecrets } from '../../clusters/stack/manifests/foundation.manifest.ts';
import { COMPONENT, DEFAULT_NAMESPACES, stackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import type { GravlKubeEnv } from '../../scenarios/catalog/gravl-kube.env.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { settle } from '../../scenarios/wait.ts';
import { deployOnto, drillPorts, handOver, prerequisites, type KindEnvironment, type KindEnvironmentOptions } from './kind-steps.ts';
import { KubeFaultInjector } from '../../tools/faults/kube.fault.ts';
import { k6OperatorLoad } from './k6-operator.env.ts';
import { loggingEnv } from './kind-logging.ts';
import { tlsEnv } from './kind-tls.ts';
import { TLS_EDGE, tlsEdge } from '../../clusters/stack/manifests/tls-edge.manifest.ts';
import { makeDrillCerts } from '../../tools/lib/tls-certs.ts';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cacheDir } from '../../tools/lib/cache.ts';
import { tmpdir } from 'node:os';
import { freePort } from '../../tools/lib/free-port.ts';
import { run } from '../../tools/lib/exec.ts';
import { randomBytes } from 'node:crypto';
import { kindAlertingEnv } from './kind-alerting.ts';

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

/** The TLS edge's NodePort (published on a free 127.0.0.1 port) and the public name its certificate is for. */
const EDGE_NODE_PORT = 30443;
const PUBLIC_HOST = 'gravl.example.test';

export type GravlKindEnvironment = KindEnvironment<GravlKubeEnv>;

export interface GravlKindOptions extends KindEnvironmentOptions {
  /** The drills' load: local k6 (default) or k6-operator in the cluster with `parallelism` runners. */
  load?: { engine: 'k6' | 'k6-operator'; parallelism: number };
}

interface KeptState {
  readonly dbPassword: string;
  readonly jwtSecret: string;
}

const keptStatePath = (clusterName: string) => cacheDir('kind-clusters', clusterName, 'stack-credentials.json');

function readKeptState(clusterName: string): KeptState | undefined {
  try {
    const state = JSON.parse(readFileSync(keptStatePath(clusterName), 'utf8')) as Partial<KeptState>;
    return typeof state.dbPassword === 'string' && typeof state.jwtSecret === 'string' ? { dbPassword: state.dbPassword, jwtSecret: state.jwtSecret } : undefined;
  } catch {
    return undefined;
  }
}

function writeKeptState(clusterName: string, state: KeptState): void {
  const path = keptStatePath(clusterName);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

export async function startGravlKind(options: GravlKindOptions): Promise<GravlKindEnvironment> {
  const { signal, log } = options;
  const { toolchain, k6, images } = await prerequisites(
    {
      postgres: 'postgres',
      backend: 'gravl-backend-v2',
      broken: 'gravl-backend-broken',
      next: 'gravl-backend-v3',
      loki: 'loki',
      logShipper: 'promtail',
      edge: 'gravl-frontend',
      alertmanager: 'alertmanager',
    },
    options,
  );
  const replicas = options.backendReplicas ?? 3;
  const clusterName = options.clusterName ?? 'drillbook-drills';
  const keep = options.keep ?? false;
  // A kept cluster is reused by the next run: its database was initialised with the credentials of the run that
  // created it, so they are kept beside its kubeconfig (mode 0600), and its host ports are read back from Docker.
  const kept = keep ? readKeptState(clusterName) : undefined;
  const credentials = kept ?? { dbPassword: randomBytes(24).toString('base64url'), jwtSecret: randomBytes(32).toString('base64url') };
  const stack = stackOptions({
    images: { postgres: images.postgres, backend: images.backend, alertmanager: images.alertmanager, loki: images.loki, logShipper: images.logShipper },
    namespaces: { ...DEFAULT_NAMESPACES, app: options.namespace ?? DEFAULT_NAMESPACES.app },
    db: { user: 'gravl_user', password: credentials.dbPassword, name: 'gravl' },
    jwtSecret: credentials.jwtSecret,
    backendReplicas: replicas,
  });
  const ns = stack.namespaces.app;

  await using owned = new AsyncDisposableStack();
  const startCluster = async (reuse: boolean) => {
    const [hostPort, edgePort] = [await freePort(), await freePort()];
    return new KindCluster(clusterName)
      .withKindBinary(toolchain.kind)
      .withNodeImage(toolchain.nodeImage)
      .withConfig(singleNodeConfig({ ports: [{ containerPort: stack.backendNodePort, hostPort }, { containerPort: EDGE_NODE_PORT, hostPort: edgePort }] }))
      .withReuse(reuse)
      .withKeepOnDispose(keep)
      .start({ signal });
  };
  let cluster = await startCluster(keep);
  let [hostPort, edgePort] = [await cluster.hostPort(stack.backendNodePort, { signal }), await cluster.hostPort(EDGE_NODE_PORT, { signal })];
  if (cluster.reused && (hostPort === undefined || edgePort === undefined || kept === undefined)) {
    log(`kind cluster ${cluster.name} exists but ${kept === undefined ? 'its stack credentials were not kept' : "was made without this stack's port mappings"}: deleting it and creating it again`);
    await cluster.delete({ signal });
    cluster = await startCluster(false);
    [hostPort, edgePort] = [await cluster.hostPort(stack.backendNodePort, { signal }), await cluster.hostPort(EDGE_NODE_PORT, { signal })];
  }
  if (hostPort === undefined || edgePort === undefined) throw new Error(`kind cluster ${cluster.name}: Docker publishes no host port for node ports ${stack.backendNodePort}/${EDGE_NODE_PORT}`);
  owned.use(cluster);
  if (keep && !cluster.reused) writeKeptState(clusterName, credentials);
  log(`kind cluster ${cluster.name} ${cluster.reused ? 'reused' : 'created'}, up in ${cluster.startMs} ms; backend on 127.0.0.1:${hostPort}`);
  const { client, deployTimings } = await deployOnto(cluster, images, (c, onStage) => deployStack(c, stack, { signal, conditionTimeoutMs: 240_000, onStage }), options);
  // the TLS edge, with a drill CA and certificates made here (keys in a private temp dir, removed on dispose)
  const certDir = mkdtempSync(join(tmpdir(), 'drillbook-tls-'));
  owned.defer(() => rmSync(certDir, { recursive: true, force: true }));
  const certs = await makeDrillCerts(certDir, PUBLIC_HOST, signal);
  const edgeStarted = performance.now();
  await client.apply(tlsEdge(stack, { host: PUBLIC_HOST, cert: readFileSync(certs.current.cert, 'utf8'), key: readFileSync(certs.current.key, 'utf8'), nodePort: EDGE_NODE_PORT, image: images.edge }), { signal });
  await client.waitFor(deploymentAvailable(stack.namespaces.app, TLS_EDGE), { timeoutMs: 120_000, signal });
  const tls = tlsEnv({ client, stack, certs, hostPort: edgePort, restartManager: RUNBOOK_FIELD_MANAGERS.restart });
  // serving means a verified handshake from outside: a new pod's NetworkPolicy and NodePort rules land a moment
  // after it is Ready
  const handshake = await settle({ clock: systemClock, signal }, 60_000, 500, () => tls.tlsHandshake(signal), (h) => h.ok);
  if (!handshake.ok) throw new Error(`the TLS edge is Ready but no handshake with 127.0.0.1:${edgePort} verified within 60 s: ${handshake.error}`);
  log(`TLS edge ${TLS_EDGE} serving https://${PUBLIC_HOST} on 127.0.0.1:${edgePort} in ${Math.round(performance.now() - edgeStarted)} ms`);
  const backendUrl = `http://127.0.0.1:${hostPort}`;
  const backendSelector = `${COMPONENT}=backend`;
  const deployment: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'backend' };
  const pods = async (sig: AbortSignal) =>
    (await client.api.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: backendSelector }, { signal: sig })).items.filter(
      (p) => !p.metadata.deletionTimestamp,
    );
  const patchDeployment = async (manager: keyof typeof RUNBOOK_FIELD_MANAGERS, spec: Record<string, unknown>, sig: AbortSignal) => {
    const started = performance.now();
    await client.api.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: deployment.name, namespace: ns }, spec }, RUNBOOK_FIELD_MANAGERS[manager], { signal: sig });
    return Math.round(performance.now() - started);
  };
  const runLabels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: options.runId, [LABELS.scenario]: options.suite };
  const CRON = 'postgres-backup-cronjob';
  const cronRef: ObjectRef = { apiVersion: 'batch/v1', kind: 'CronJob', namespace: ns, name: CRON };
  const jobPods = async (name: string, sig: AbortSignal, namespace = ns) =>
    (await client.api.list({ apiVersion: 'v1', kind: 'Pod', namespace }, { labelSelector: `job-name=${name}` }, { signal: sig })).items;
  /** Runs a Job to completion and returns its pod's termination message; a failure says what the pod said. */
  const runJob = (job: KubeObject, sig: AbortSignal) => client.runJob({ ...job, metadata: { ...job.metadata, namespace: job.metadata.namespace ?? ns } }, { timeoutMs: 280_000, signal: sig });
  const suffix = () => randomBytes(3).toString('hex');
  const rolloutStatus = async (sig: AbortSignal) => {
    const verdict = await client.waitFor(deploymentAvailable(ns, 'backend'), { timeoutMs: 280_000, signal: sig, hint: 'kubectl -n ' + ns + ' describe deployment backend' });
    return verdict.detail;
  };

  const MIGRATION = 'db-migration';
  const migrationRef: ObjectRef = { apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: MIGRATION };
  const databaseStatus = async (sig: AbortSignal) => {
    const { message } = await runJob(databaseStatusJob(stack, `db-status-${suffix()}`, runLabels), sig);
    return parseDatabaseReport(message);
  };

  const env: GravlKubeEnv = {
    ...kindAlertingEnv(client, stack, runLabels),
    backendUrl,
    platform: `kind-${cluster.name}`,
    namespace: ns,
    backendReplicas: replicas,
    previousBackendImage: images.backend,
    brokenBackendImage: images.broken,
    // A crash is a SIGKILL of the component's containers (every backend replica, or PostgreSQL), as on Docker.
    crashFault: (component) => ({ kind: 'container-kill', namespace: ns, selector: `${COMPONENT}=${component}` }),
    // On Kubernetes the kubelet restarts a crashed container by itself: the runbook's "restart pods" is then
    // watching the workload come back (kubectl rollout status).
    // The service is back when every backend replica is Ready again, after a database crash too.
    restart: async (component, sig) => {
      const started = performance.now();
      const waits = [...(component === 'database' ? [podsReady(ns, `${COMPONENT}=database`)] : []), podsReady(ns, backendSelector, replicas)];
      const seen: string[] = [];
      for (const condition of waits) seen.push(`${condition.name}: ${(await client.waitFor(condition, { timeoutMs: 110_000, signal: sig })).detail}`);
      return `kubectl rollout status: ${seen.join('; ')}; after ${Math.round(performance.now() - started)} ms`;
    },
    badRelease: () => ({ kind: 'set-image', namespace: ns, deployment: 'backend', container: 'backend', image: images.broken }),
    secretDeleted: () => ({ kind: 'secret-delete', namespace: ns, name: 'app-secret' }),
    backendPodsKilled: () => ({ kind: 'pod-kill', namespace: ns, selector: backendSelector }),
    watchBackendWaiting: async (reasons, count, sig) => {
      const verdict = await client.waitFor(podsWaiting(ns, backendSelector, reasons, count), { timeoutMs: 600_000, signal: sig });
      const matching = (await pods(sig)).filter((p) => waitingReasons(p).some((r) => reasons.includes(r))).length;
      return { detail: verdict.detail, pods: matching };
    },
    readyBackendPods: async (sig) => (await pods(sig)).filter(isPodReady).length,
    crashLoopingBackendPods: async (sig) => (await pods(sig)).filter((p) => waitingReasons(p).includes('CrashLoopBackOff')).length,
    scaleBackend: async (n, sig) => `kubectl scale deployment backend --replicas=${n} (${await patchDeployment('scale', { replicas: n }, sig)} ms)`,
    setBackendImage: async (image, sig) =>
      `kubectl set image deployment/backend backend=${image} (${await patchDeployment('setImage', { template: { spec: { containers: [{ name: 'backend', image }] } } }, sig)} ms)`,
    backendRolloutStatus: async (sig) => `kubectl rollout status deployment/backend: ${await rolloutStatus(sig)}`,
    restartBackend: async (sig) => {
      const ms = await patchDeployment('restart', { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } }, sig);
      return `kubectl rollout restart deployment/backend (${ms} ms); rollout status: ${await rolloutStatus(sig)}`;
    },
    restoreAppSecret: async (sig) => {
      const secret = stackSecrets(stack).find((o: KubeObject) => o.metadata.name === 'app-secret')!;
      await client.apply([secret], { signal: sig });
      return `re-applied Secret ${ns}/app-secret from the stack's definition`;
    },
    backupCronJobDeleted: () => ({ kind: 'object-delete', namespace: ns, objectKind: 'CronJob', name: CRON }),
    backupCronJobDeployed: async (sig) => (await client.api.read(cronRef, { signal: sig })) !== undefined,
    watchBackupCronJobGone: async (sig) => {
      const verdict = await client.waitFor(objectAbsent('batch/v1', 'CronJob', ns, CRON), { timeoutMs: 60_000, signal: sig });
      return { detail: verdict.detail, pods: 0 };
    },
    deployBackupCronJob: async (sig) => {
      const objects = backupCronJob(stack);
      await client.apply(objects, { signal: sig });
      return `kubectl apply -f postgres-backup-cronjob.yaml: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`;
    },
    runBackupJobOnce: async (sig) => {
      const cron = await client.api.read(cronRef, { signal: sig });
      if (!cron) throw new Error(`CronJob ${ns}/${CRON} is not deployed`);
      const job = backupJobFrom(cron, `postgres-backup-test-${suffix()}`, runLabels);
      const { message, ms } = await runJob(job, sig);
      const [file = '', bytes = '0'] = message.split(' ');
      return { job: job.metadata.name, file, bytes: Number(bytes), ms };
    },
    restoreLatestBackupToScratch: async (sig) => {
      const { message, ms } = await runJob(restoreTestJob(stack, `backup-restore-test-${suffix()}`, runLabels), sig);
      return { ...parseRestoreReport(message), ms };
    },
    nextBackendImage: images.next,
    previousSchemaVersion: 2,
    nextRelease: () => ({ kind: 'set-image', namespace: ns, deployment: 'backend', container: 'backend', image: images.next }),
    failedMigration: () => ({ kind: 'job-replace', namespace: ns, job: MIGRATION, container: 'migrate', image: images.next }),
    watchMigrationFailed: async (sig) => {
      const verdict = await client.waitFor(jobAttemptFailed(ns, MIGRATION), { timeoutMs: 600_000, signal: sig });
      return { detail: verdict.detail, pods: (await jobPods(MIGRATION, sig)).filter((p) => lastFailure(p) !== undefined).length };
    },
    databaseStatus,
    restoreDatabase: async (file, sig) => {
      const { message, ms } = await runJob(restoreDatabaseJob(stack, `db-restore-${suffix()}`, runLabels, file), sig);
      return { ...parseDatabaseReport(message), ms };
    },
    stopMigrationJob: async (sig) => {
      const job = await client.api.read(migrationRef, { signal: sig });
      const st = (job?.status ?? {}) as { failed?: number; active?: number };
      await client.api.delete(migrationRef, { signal: sig, propagation: 'Background' });
      await client.waitFor(objectAbsent('batch/v1', 'Job', ns, MIGRATION), { timeoutMs: 60_000, signal: sig });
      const left = await client.waitFor(podsGone(ns, `job-name=${MIGRATION}`), { timeoutMs: 60_000, signal: sig });
      return `kubectl delete job ${MIGRATION} (${job ? `failed attempts ${st.failed ?? 0}, active ${st.active ?? 0}` : 'already gone'}); ${left.detail}`;
    },
    rerunPreviousMigration: async (sig) => {
      const started = performance.now();
      await client.api.delete(migrationRef, { signal: sig, propagation: 'Background' });
      await client.waitFor(objectAbsent('batch/v1', 'Job', ns, MIGRATION), { timeoutMs: 60_000, signal: sig });
      // the previous release's Job as the stack defines it (the image the deployment runs again)
      await client.apply([migrationJob(stack)], { signal: sig });
      const done = await client.waitFor(jobSucceeded(ns, MIGRATION), { timeoutMs: 280_000, signal: sig, hint: `kubectl -n ${ns} logs job/${MIGRATION}` });
      return `kubectl delete job ${MIGRATION}; kubectl apply -f db-migration-job.yaml (${stack.images.backend}): ${done.detail} after ${Math.round(performance.now() - started)} ms`;
    },
    reapplyStackDefinition: async (sig) => {
      const started = performance.now();
      // every object the stack defines, minus the one-off migration Job (re-run on its own, after the database)
      // and with the backend held at 0 replicas until the database is back
      // the release's namespace only (the runbook's k8s/production/ for gravl-production): the logging and
      // monitoring tiers are not part of the release, and earlier drills may have changed them on purpose
      const objects = allObjects(referenceStack({ ...stack, backendReplicas: 0 })).filter((o) => o.metadata.namespace === ns && !(o.kind === 'Job' && o.metadata.name === MIGRATION));
      await client.apply(objects, { signal: sig });
      return `kubectl apply -f k8s/production/ (${objects.length} objects: ${[...new Set(objects.map((o) => o.kind))].join(', ')}) in ${Math.round(performance.now() - started)} ms`;
    },
    ...loggingEnv({ client, stack, runLabels, runJob }),
    ...tls,
    liveExerciseCount: async (sig) => {
      const res = await fetch(`${backendUrl}/api/exercises`, { signal: AbortSignal.any([sig, AbortSignal.timeout(5_000)]) });
      if (!res.ok) throw new Error(`GET /api/exercises answered ${res.status}`);
      return ((await res.json()) as { exercises: unknown[] }).exercises.length;
    },
  };

  const distributed =
    options.load?.engine === 'k6-operator'
      ? owned.use(
          await k6OperatorLoad(cluster, {
            parallelism: options.load.parallelism,
            backend: { harnessUrl: backendUrl, serviceUrl: `http://backend.${ns}.svc:3000`, namespace: ns, port: 3000 },
            labels: runLabels,
            signal,
            log,
          }),
        )
      : undefined;
  const ports = drillPorts({
    cluster,
    k6,
    outDir: options.outDir,
    backendUrl,
    faults: new KubeFaultInjector(client.api, { kubeconfig: cluster.kubeconfigPath, context: cluster.context }, [ns, stack.namespaces.logging]).withNodeExec(async (node, args, o) => {
      // kind's node names are its node containers' names; only this run's cluster's nodes are reachable
      if (!node.startsWith(`${cluster.name}-`)) throw new Error(`node ${node} is not a node of ${cluster.name}`);
      await run('docker', ['exec', node, ...args], { signal: o.signal, timeoutMs: 30_000 });
    }),
    ...(distributed ? { load: distributed.load } : {}),
  });
  return handOver(owned, { env, ports, cluster, client, stack, deployTimings, secrets: [stack.db.password, stack.jwtSecret] });
}
