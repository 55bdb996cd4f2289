// The Loki storage drill's operations on a cluster running the Gravl stack's logging tier (Loki StatefulSet and the
// log-shipper DaemonSet): the fault as data, the remediation's in-place edit of the StatefulSet (sent as written,
// so the API's answer is the evidence), the replacement that works, and the end-to-end log-flow check Job.
import { randomBytes } from 'node:crypto';
import { podUnschedulable, statefulSetReady, objectAbsent, waitingReasons } from '../../clusters/kube/conditions.ts';
import { apiMessage, type KubeObject, type ObjectRef } from '../../clusters/kube/kube-api.ts';
import { withLabels, type KubeClient } from '../../clusters/kube/kube-client.ts';
import { logFlowCheckJob, loki, parseLogFlowReport } from '../../clusters/stack/manifests/observability.manifest.ts';
import { COMPONENT, type StackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import type { GravlLoggingEnv, LokiStorage } from '../../scenarios/catalog/gravl-logging.env.ts';

/** Field manager of the remediation's `kubectl edit statefulset loki` (never the stack's own). */
export const LOKI_EDIT_FIELD_MANAGER = 'drillbook-runbook-edit';

export interface LoggingDeps {
  readonly client: KubeClient;
  readonly stack: StackOptions;
  readonly runLabels: Record<string, string>;
  /** Runs a Job to completion; its pod's termination message. */
  readonly runJob: (job: KubeObject, signal: AbortSignal) => Promise<{ message: string; ms: number }>;
}

const STS = 'loki';

export function loggingEnv({ client, stack, runLabels, runJob }: LoggingDeps): GravlLoggingEnv {
  const ns = stack.namespaces.logging;
  const stsRef: ObjectRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ns, name: STS };
  const pvcRef: ObjectRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: `loki-storage-${STS}-0` };
  const selector = `${COMPONENT}=loki`;
  const lokiObjects = (storage: LokiStorage) => loki({ ...stack, ...('emptyDir' in storage ? { lokiEmptyDir: true } : { lokiStorageClass: storage.storageClass }) });
  const statefulSet = (storage: LokiStorage) => lokiObjects(storage).find((o) => o.kind === 'StatefulSet')!;

  return {
    loggingNamespace: ns,
    missingStorageClass: 'standard',
    workingStorageClass: stack.storageClass,
    lokiStorageMismatch: () => ({ kind: 'statefulset-storage-class', namespace: ns, statefulset: STS, storageClass: 'standard' }),
    watchLokiUnschedulable: async (signal) => {
      const verdict = await client.waitFor(podUnschedulable(ns, selector), { timeoutMs: 120_000, signal });
      return { detail: verdict.detail, pods: 1 };
    },
    lokiReady: async (signal) => {
      const sts = await client.api.read(stsRef, { signal });
      return sts !== undefined && statefulSetReady(ns, STS).evaluate([sts]).ok;
    },
    lokiStorage: async (signal) => {
      const sts = (await client.api.read(stsRef, { signal })) as (KubeObject & { spec?: { volumeClaimTemplates?: unknown[] } }) | undefined;
      if (!sts) throw new Error(`${ns}/${STS} StatefulSet does not exist`);
      if (!sts.spec?.volumeClaimTemplates?.length) return { volume: 'emptyDir' };
      const pvc = (await client.api.read(pvcRef, { signal })) as (KubeObject & { spec?: { storageClassName?: string }; status?: { phase?: string } }) | undefined;
      return { volume: 'pvc', storageClass: pvc?.spec?.storageClassName ?? 'none', phase: pvc?.status?.phase ?? 'absent' };
    },
    lokiPods: async (signal) => {
      const { items } = await client.api.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: selector }, { signal });
      return items.map((p) => `${p.metadata.name} ${String((p.status as { phase?: string } | undefined)?.phase ?? 'unknown')}${waitingReasons(p).length ? ` (${waitingReasons(p).join(', ')})` : ''}`).join('; ') || 'no Loki pod';
    },
    storageClasses: async (signal) => (await client.api.list({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' }, {}, { signal })).items.map((o) => o.metadata.name),
    editLokiStorageInPlace: async (storage, signal) => {
      // The edited StatefulSet as `kubectl edit` sends it: the whole object with the new storage, replacing what
      // was there. Through server-side apply that is the manager owning volumeClaimTemplates applying the new
      // object: a field it leaves out (the templates, for emptyDir) is removed, as an edit would.
      const current = await client.api.read(stsRef, { signal });
      if (!current) throw new Error(`${ns}/${STS} StatefulSet does not exist`);
      const owner =
        (current.metadata.managedFields as { manager?: string; fieldsV1?: unknown }[] | undefined)?.find((m) => JSON.stringify(m.fieldsV1 ?? {}).includes('"f:volumeClaimTemplates"'))?.manager ??
        LOKI_EDIT_FIELD_MANAGER;
      const edited = withLabels(statefulSet(storage), runLabels);
      try {
        await client.api.apply({ ...edited, metadata: { ...edited.metadata, labels: { ...current.metadata.labels } } }, owner, { signal });
        return { accepted: true, message: 'the API accepted the edit' };
      } catch (error) {
        return { accepted: false, message: apiMessage(error) };
      }
    },
    recreateLoki: async (storage, signal) => {
      const started = performance.now();
      await client.api.delete(stsRef, { signal, propagation: 'Background' });
      await client.waitFor(objectAbsent('apps/v1', 'StatefulSet', ns, STS), { timeoutMs: 60_000, signal });
      // the claim goes too: a StatefulSet re-created with a working class would otherwise adopt the stuck one
      await client.api.delete(pvcRef, { signal, propagation: 'Background' });
      await client.waitFor(objectAbsent('v1', 'PersistentVolumeClaim', ns, pvcRef.name), { timeoutMs: 90_000, signal });
      await client.apply(lokiObjects(storage), { signal });
      const ready = await client.waitFor(statefulSetReady(ns, STS), { timeoutMs: 240_000, signal, hint: `kubectl -n ${ns} describe pod ${STS}-0` });
      const on = 'emptyDir' in storage ? 'an emptyDir' : `StorageClass ${storage.storageClass}`;
      return `kubectl delete statefulset ${STS}; kubectl delete pvc ${pvcRef.name}; kubectl apply (Loki on ${on}): ${ready.detail} after ${Math.round(performance.now() - started)} ms`;
    },
    logsFlow: async (signal) => {
      const marker = `drill-${randomBytes(6).toString('hex')}`;
      const { message } = await runJob(logFlowCheckJob(stack, `log-flow-${randomBytes(3).toString('hex')}`, runLabels, marker), signal);
      return parseLogFlowReport(message);
    },
  };
}

