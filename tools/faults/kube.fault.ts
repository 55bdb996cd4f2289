// FaultInjector for a Kubernetes cluster the harness may break (harness-native: plain API calls), one plan per kind:
//   pod-kill       delete the pods a label selector matches with grace period 0, as Chaos Mesh's PodChaos
//                  pod-kill (the kubelet still sends SIGTERM and SIGKILLs ~2 s later); nothing to revert:
//                  their controller recreates them (the ledger still holds the fault while it is in place)
//   container-kill SIGKILL the containers of the matching pods, from their node (ctr task kill on a kind node,
//                  as Chaos Mesh's container-kill): a crash; the pods stay and the kubelet restarts them, so
//                  nothing to revert. Needs node access (withNodeExec), which kind clusters give.
//   set-image      a bad release: one container of a Deployment gets another image; revert: the previous image
//                  and replica count (a runbook that scaled to 0 and was cut short leaves nothing behind)
//   secret-delete  a Secret disappears; revert: re-create it as it was
//   object-delete  the same for another kind the runbooks lose (a CronJob, ConfigMap, NetworkPolicy)
//   secret-replace a Secret's data replaced from files (a bad certificate renewal); revert: the saved copy
//   job-replace    a Job re-run from another release (the migration Job of a new version): the Job is replaced
//                  by a copy whose container runs another image; revert: the replacement is deleted (only it,
//                  never a Job the runbook created since) and the original definition re-created if absent
//   statefulset-storage-class
//                  a StatefulSet deployed asking for a StorageClass the cluster does not have (the seeds' Loki):
//                  it and its PVCs are replaced by a copy whose volumeClaimTemplates name that class; revert:
//                  the copy and its PVCs go (only while they are the fault's) and the original comes back if absent
//   statefulset-scale
//                  a StatefulSet scaled (to 0: its pods gone, the primary database down); revert: the saved count
//   job-with-undo  a one-off Job makes the fault (statements against the live database, a restore test run on a
//                  damaged dump) and a second Job undoes it: the revert runs that one and waits for it, gc
//                  creates it after a crash; both carry the fault's labels and go after the revert
// Only namespaces the run deployed may be touched, and only objects carrying drillbook's managed-by label, except in
// the namespaces the config explicitly allows for a stack someone else deployed (withUnlabelledObjectsIn): there the
// allow-list stands in for the labels. Every fault goes through the fault transaction (fault-transaction.ts): in
// the ledger before it takes effect.
import { readFileSync } from 'node:fs';
import { systemClock } from '../../scenarios/clock.ts';
import { LABELS, MANAGED_BY, type FaultSpec } from '../../scenarios/ports.ts';
import { settle } from '../../scenarios/wait.ts';
import { describeRef, type KubeApi, type KubeObject, type ObjectRef } from '../../clusters/kube/kube-api.ts';
import type { FaultLedger, KubeTargetRef, UndoAction } from '../state/ledger.ts';
import { FaultAdapter, injected, type Parsed, type PlanContext } from './fault-adapter.ts';
import type { FaultPlan, FaultTransactions } from './fault-transaction.ts';
import { KubeClient, withLabels } from '../../clusters/kube/kube-client.ts';
import { DELETABLE, KUBE_FAULT_KINDS, parseKubeFaultSpec, type KubeFaultKind, type KubeFaultSpec } from './kube-fault.spec.ts';

/**
 * Field managers of fault patches and of their reverts: never the stack's own ('drillbook'), whose fields a partial
 * patch would strip. Two of them because server-side apply drops fields a manager applied before and now leaves
 * out: the inject always applies an image, the revert always an image and a replica count.
 */
export const FAULT_FIELD_MANAGER = 'drillbook-fault';
export const REVERT_FIELD_MANAGER = 'drillbook-fault-revert';

/** Marks the Job a job-replace fault created, so its revert deletes that Job and no other. */
export const FAULT_ID_LABEL = 'drillbook.io/fault-id';

/** Labels and selector the Job controller generates; a Job created with them set is refused. */
const JOB_GENERATED_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid', 'job-name', 'batch.kubernetes.io/job-name'];

/** Runs a command on a cluster node (kind: `docker exec <node> ...`). */
export type NodeExec = (node: string, args: readonly string[], options: { signal?: AbortSignal }) => Promise<void>;

interface StatefulSetSpec {
  replicas?: number;
  volumeClaimTemplates?: { metadata?: { name?: string; labels?: Record<string, string> }; spec?: { storageClassName?: string } }[];
}

interface Containers {
  spec?: { replicas?: number; template?: { spec?: { containers?: { name: string; image?: string }[] } } };
}

/** Strip what the server owns, so a saved object can be applied again as it was. */
export function restorable(object: KubeObject): KubeObject {
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, managedFields: _mf, generation: _g, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, ...metadata } = object.metadata;
  const { status: _status, ...rest } = object as KubeObject & { status?: unknown };
  return { ...rest, metadata } as KubeObject;
}

/** A saved Job as it can be created again: server fields and the controller's generated selector stripped. */
export function restorableJob(job: KubeObject): KubeObject {
  const base = restorable(job) as KubeObject & { spec?: { selector?: unknown; manualSelector?: unknown; template?: { metadata?: { labels?: Record<string, string> } } } };
  const strip = (labels: Record<string, string> | undefined) => (labels ? Object.fromEntries(Object.entries(labels).filter(([k]) => !JOB_GENERATED_LABELS.includes(k))) : undefined);
  const { selector: _s, manualSelector: _m, ...spec } = base.spec ?? {};
  const template = spec.template ? { ...spec.template, metadata: { ...spec.template.metadata, labels: strip(spec.template.metadata?.labels) } } : undefined;
  return { ...base, metadata: { ...base.metadata, labels: strip(base.metadata.labels) }, spec: { ...spec, ...(template ? { template } : {}) } } as KubeObject;
}

/**
 * The guard: never touch an object the harness did not create, unless it is in a namespace the config explicitly
 * allows drillbook to break (`unlabelledAllowedIn`: a stack someone else deployed, allowed per context).
 */
function guard(object: KubeObject, unlabelledAllowedIn: ReadonlySet<string>): void {
  if (object.metadata.labels?.[LABELS.managedBy] === MANAGED_BY) return;
  if (object.metadata.namespace !== undefined && unlabelledAllowedIn.has(object.metadata.namespace)) return;
  throw new Error(
    `refusing to touch ${object.kind} ${object.metadata.namespace}/${object.metadata.name}: it has no ${LABELS.managedBy}=${MANAGED_BY} label${unlabelledAllowedIn.size ? ` and its namespace is not one allowed in allowDestructive.contexts (${[...unlabelledAllowedIn].join(', ')})` : ''}`,
  );
}

/** What every kube plan works with: the API, where gc sends the undo, node access. */
class KubeTarget {
  readonly api: KubeApi;
  readonly cluster: KubeTargetRef;
  nodeExec: NodeExec | undefined;
  unlabelledAllowedIn: ReadonlySet<string> = new Set();
  constructor(api: KubeApi, cluster: KubeTargetRef) {
    this.api = api;
    this.cluster = cluster;
  }

  reapply(manifests: readonly KubeObject[], onlyIfAbsent = false): UndoAction {
    return { kind: 'kube-apply', cluster: this.cluster, fieldManager: REVERT_FIELD_MANAGER, manifests, ...(onlyIfAbsent ? { onlyIfAbsent } : {}) };
  }

  /** Background propagation: the object is gone when this returns (no foregroundDeletion finalizer keeping a dying copy). */
  async deleteAndWait(ref: ObjectRef, signal: AbortSignal | undefined): Promise<void> {
    await this.api.delete(ref, { signal, propagation: 'Background' });
    const left = await settle({ clock: systemClock, signal: signal ?? new AbortController().signal }, 60_000, 100, () => this.api.read(ref, { signal }), (o) => o === undefined);
    if (left !== undefined) throw new Error(`${describeRef(ref)} is still there 60 s after its delete`);
  }

  /** Pods the selector matches that are not being deleted; each must be one of ours. */
  async livePods(namespace: string, selector: string, signal: AbortSignal | undefined): Promise<KubeObject[]> {
    const { items } = await this.api.list({ apiVersion: 'v1', kind: 'Pod', namespace }, { labelSelector: selector }, { signal });
    const pods = items.filter((p) => !p.metadata.deletionTimestamp);
    for (const pod of pods) guard(pod, this.unlabelledAllowedIn);
    return pods;
  }

  async required(ref: ObjectRef, signal: AbortSignal | undefined): Promise<KubeObject> {
    const object = await this.api.read(ref, { signal });
    if (!object) throw new Error(`${describeRef(ref)} does not exist; the fault needs it in place`);
    guard(object, this.unlabelledAllowedIn);
    return object;
  }
}

type Plan<K extends KubeFaultKind> = (t: KubeTarget, spec: Extract<KubeFaultSpec, { kind: K }>, context: PlanContext) => Promise<FaultPlan>;

const SELF_HEALING = { pods: 'their controller recreates killed pods', containers: 'the kubelet restarts killed containers' };

const podKill: Plan<'pod-kill'> = async (t, spec, { signal }) => {
  const pods = await t.livePods(spec.namespace, spec.selector, signal);
  if (pods.length === 0) throw new Error(`pod-kill: no pod in ${spec.namespace} matches ${spec.selector}; the steady state should have had some`);
  return {
    undo: [{ kind: 'self-healing', why: SELF_HEALING.pods }],
    evidence: [injected(`deleted with grace period 0: ${pods.map((p) => p.metadata.name).join(', ')}`)],
    act: async () => {
      for (const pod of pods) await t.api.delete({ apiVersion: 'v1', kind: 'Pod', namespace: spec.namespace, name: pod.metadata.name }, { signal, gracePeriodSeconds: 0 });
    },
  };
};

const containerKill: Plan<'container-kill'> = async (t, spec, { signal }) => {
  const targets: { pod: string; node: string; id: string }[] = [];
  for (const pod of await t.livePods(spec.namespace, spec.selector, signal)) {
    const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    const statuses = ((pod.status as { containerStatuses?: { name: string; containerID?: string; state?: { running?: unknown } }[] } | undefined)?.containerStatuses ?? []).filter(
      (c) => c.state?.running && (spec.container === undefined || c.name === spec.container),
    );
    for (const c of statuses) {
      const id = c.containerID?.replace(/^containerd:\/\//, '');
      if (node && id) targets.push({ pod: pod.metadata.name, node, id });
    }
  }
  if (targets.length === 0) throw new Error(`container-kill: no running container in ${spec.namespace} matches ${spec.selector}`);
  const exec = t.nodeExec!;
  return {
    undo: [{ kind: 'self-healing', why: SELF_HEALING.containers }],
    evidence: [injected(`ctr -n k8s.io task kill -s SIGKILL on ${targets.map((x) => `${x.pod} (${x.id.slice(0, 12)})`).join(', ')}`)],
    act: async () => {
      await Promise.all(targets.map((x) => exec(x.node, ['ctr', '-n', 'k8s.io', 'task', 'kill', '-s', 'SIGKILL', x.id], { signal })));
    },
  };
};

const setImage: Plan<'set-image'> = async (t, spec, { signal }) => {
  const ref: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: spec.namespace, name: spec.deployment };
  const deployment = await t.required(ref, signal);
  const container = (deployment as Containers).spec?.template?.spec?.containers?.find((c) => c.name === spec.container);
  if (!container?.image) throw new Error(`set-image: ${describeRef(ref)} has no container '${spec.container}'`);
  const replicas = (deployment as Containers).spec?.replicas ?? 1;
  const patch = (image: string, withReplicas: boolean): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: ref.name, namespace: spec.namespace },
    spec: { ...(withReplicas ? { replicas } : {}), template: { spec: { containers: [{ name: container.name, image }] } } },
  });
  return {
    undo: [t.reapply([patch(container.image, true)])],
    evidence: [injected(`${describeRef(ref)}: container ${container.name} image ${container.image} -> ${spec.image}`), { kind: 'text', label: 'previous', value: `image ${container.image}, replicas ${replicas}` }],
    act: async () => void (await t.api.apply(patch(spec.image, false), FAULT_FIELD_MANAGER, { signal })),
  };
};

const secretReplace: Plan<'secret-replace'> = async (t, spec, { signal }) => {
  const ref: ObjectRef = { apiVersion: 'v1', kind: 'Secret', namespace: spec.namespace, name: spec.name };
  const saved = restorable(await t.required(ref, signal));
  const data = Object.fromEntries(Object.entries(spec.fromFiles).map(([k, path]) => [k, readFileSync(path).toString('base64')]));
  return {
    undo: [t.reapply([saved])],
    evidence: [injected(`${describeRef(ref)}: keys ${Object.keys(spec.fromFiles).join(', ')} replaced from ${Object.values(spec.fromFiles).join(', ')} (the previous data is kept for the revert)`)],
    act: async () => void (await t.api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: ref.name, namespace: spec.namespace }, data }, FAULT_FIELD_MANAGER, { signal })),
  };
};

const statefulSetStorageClass: Plan<'statefulset-storage-class'> = async (t, spec, { id, labels, signal }) => {
  const ns = spec.namespace;
  const ref: ObjectRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ns, name: spec.statefulset };
  const original = restorable(await t.required(ref, signal)) as KubeObject & { spec: StatefulSetSpec };
  const templates = original.spec.volumeClaimTemplates ?? [];
  if (templates.length === 0) throw new Error(`statefulset-storage-class: ${describeRef(ref)} has no volumeClaimTemplates`);
  const faultLabels = { ...labels, [FAULT_ID_LABEL]: id };
  const replacement: KubeObject = {
    ...original,
    metadata: { ...original.metadata, labels: { ...original.metadata.labels, ...faultLabels } },
    spec: {
      ...original.spec,
      // the PVCs the controller creates from these carry the fault's labels too: the revert finds them
      volumeClaimTemplates: templates.map((x) => ({ ...x, metadata: { ...x.metadata, labels: { ...x.metadata?.labels, ...faultLabels } }, spec: { ...x.spec, storageClassName: spec.storageClass } })),
    },
  };
  const replicas = original.spec.replicas ?? 1;
  const pvcs: ObjectRef[] = templates.flatMap((x) => Array.from({ length: replicas }, (_, i) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: `${x.metadata?.name}-${ref.name}-${i}` })));
  // every claim it would delete must be one of ours, checked before anything is touched
  for (const pvc of pvcs) {
    const existing = await t.api.read(pvc, { signal });
    if (existing) guard(existing, t.unlabelledAllowedIn);
  }
  return {
    undo: [{ kind: 'kube-delete', cluster: t.cluster, refs: [ref, ...pvcs], onlyIfLabel: { [FAULT_ID_LABEL]: id } }, t.reapply([original], true)],
    evidence: [
      injected(
        `${describeRef(ref)} re-created with volumeClaimTemplates asking for StorageClass '${spec.storageClass}' (was ${templates.map((x) => x.spec?.storageClassName ?? 'the default').join(', ')}); its PVCs ${pvcs.map((p) => p.name).join(', ')} deleted`,
      ),
    ],
    act: async () => {
      await t.deleteAndWait(ref, signal);
      // the claims go too: a StatefulSet re-created with another class would otherwise adopt the old bound PVC
      for (const pvc of pvcs) await t.deleteAndWait(pvc, signal);
      await t.api.apply(replacement, FAULT_FIELD_MANAGER, { signal });
    },
  };
};

const jobReplace: Plan<'job-replace'> = async (t, spec, { id, labels, signal }) => {
  const ref: ObjectRef = { apiVersion: 'batch/v1', kind: 'Job', namespace: spec.namespace, name: spec.job };
  const original = restorableJob(await t.required(ref, signal));
  const containers = (original as Containers).spec?.template?.spec?.containers ?? [];
  const container = containers.find((c) => c.name === spec.container);
  if (!container?.image) throw new Error(`job-replace: ${describeRef(ref)} has no container '${spec.container}'`);
  const replacement: KubeObject = {
    ...original,
    metadata: { ...original.metadata, labels: { ...original.metadata.labels, ...labels, [FAULT_ID_LABEL]: id } },
    spec: {
      ...(original.spec as object),
      template: {
        ...(original as Containers).spec!.template,
        spec: { ...(original as Containers).spec!.template!.spec, containers: containers.map((c) => (c.name === container.name ? { ...c, image: spec.image } : c)) },
      },
    },
  };
  return {
    undo: [{ kind: 'kube-delete', cluster: t.cluster, refs: [ref], onlyIfLabel: { [FAULT_ID_LABEL]: id } }, t.reapply([original], true)],
    evidence: [injected(`${describeRef(ref)} re-run with container ${container.name} image ${container.image} -> ${spec.image}`)],
    act: async () => {
      await t.deleteAndWait(ref, signal);
      await t.api.apply(replacement, FAULT_FIELD_MANAGER, { signal });
    },
  };
};

const statefulSetScale: Plan<'statefulset-scale'> = async (t, spec, { signal }) => {
  const ref: ObjectRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: spec.namespace, name: spec.statefulset };
  const current = await t.required(ref, signal);
  const replicas = (current.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const scaled = (n: number): KubeObject => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: ref.name, namespace: spec.namespace }, spec: { replicas: n } });
  return {
    undo: [t.reapply([scaled(replicas)])],
    evidence: [injected(`${describeRef(ref)} scaled from ${replicas} to ${spec.replicas} replicas (its claims stay; the revert scales it back to ${replicas})`)],
    act: async () => void (await t.api.apply(scaled(spec.replicas), FAULT_FIELD_MANAGER, { signal })),
  };
};

/** How long one Job of job-with-undo may take (a psql pod: image present, a few statements or one restore). */
const UNDO_JOB_MS = 120_000;
const jobScript = (job: KubeObject) => ((job as Containers).spec?.template?.spec?.containers?.[0] as { command?: string[] } | undefined)?.command?.at(-1) ?? '(no command)';

const jobWithUndo: Plan<'job-with-undo'> = async (t, spec, { id, labels, signal }) => {
  const faultLabels = { ...labels, [FAULT_ID_LABEL]: id };
  const forward = withLabels(spec.job, faultLabels);
  const back = withLabels(spec.revertJob, faultLabels);
  const jobRef = (job: KubeObject): ObjectRef => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: spec.namespace, name: job.metadata.name });
  for (const job of [forward, back]) {
    if (await t.api.read(jobRef(job), { signal })) throw new Error(`job-with-undo: ${describeRef(jobRef(job))} already exists; each fault needs Jobs of its own (name them per run)`);
  }
  const client = new KubeClient(t.api);
  const removeJobs = async (sig: AbortSignal | undefined) => {
    for (const job of [forward, back]) await t.api.delete(jobRef(job), { signal: sig, propagation: 'Background' }).catch(() => undefined);
  };
  return {
    // gc after a crash: the revert Job created (if it was not yet) runs the undo statements
    undo: [t.reapply([back], true)],
    evidence: [injected(`Job ${forward.metadata.name} runs against the live database:\n${jobScript(forward)}`), { kind: 'text', label: 'revert', value: `Job ${back.metadata.name}:\n${jobScript(back)}` }],
    act: async () => {
      const done = await client.runJob(forward, { timeoutMs: UNDO_JOB_MS, signal, hint: `kubectl -n ${spec.namespace} logs job/${forward.metadata.name}` });
      return [{ kind: 'text', label: 'statement report', value: `${done.message} (${done.ms} ms)` }];
    },
    revert: async (sig) => {
      const done = await client.runJob(back, { timeoutMs: UNDO_JOB_MS, signal: sig, hint: `kubectl -n ${spec.namespace} logs job/${back.metadata.name}` });
      await removeJobs(sig);
      return [{ kind: 'text', label: 'revert report', value: `${done.message} (${done.ms} ms)` }];
    },
  };
};

const objectDelete = async (t: KubeTarget, objectKind: keyof typeof DELETABLE, namespace: string, name: string, signal: AbortSignal | undefined): Promise<FaultPlan> => {
  const ref: ObjectRef = { apiVersion: DELETABLE[objectKind], kind: objectKind, namespace, name };
  const object = await t.required(ref, signal);
  // The saved copy lives only in the ledger file (mode 0600, removed after the revert), never in evidence.
  const keys = objectKind === 'Secret' ? ` (keys: ${Object.keys((object as { data?: Record<string, string> }).data ?? {}).join(', ')}; a copy is kept for the revert)` : ' (a copy is kept for the revert)';
  return { undo: [t.reapply([restorable(object)])], evidence: [injected(`deleted ${describeRef(ref)}${keys}`)], act: () => t.deleteAndWait(ref, signal) };
};

const PLANS: { readonly [K in KubeFaultKind]: Plan<K> } = {
  'pod-kill': podKill,
  'container-kill': containerKill,
  'set-image': setImage,
  'secret-replace': secretReplace,
  'statefulset-storage-class': statefulSetStorageClass,
  'job-replace': jobReplace,
  'statefulset-scale': statefulSetScale,
  'job-with-undo': jobWithUndo,
  'secret-delete': (t, spec, { signal }) => objectDelete(t, 'Secret', spec.namespace, spec.name, signal),
  'object-delete': (t, spec, { signal }) => objectDelete(t, spec.objectKind, spec.namespace, spec.name, signal),
};

export class KubeFaultInjector extends FaultAdapter<KubeFaultSpec> {
  readonly name = 'kube';
  readonly kinds = KUBE_FAULT_KINDS;
  readonly #target: KubeTarget;
  readonly #namespaces: ReadonlySet<string>;

  /**
   * `cluster` is where gc sends the undo after a crash (the same cluster `api` talks to); `namespaces` are the
   * only ones this injector may touch (those the run deployed).
   */
  constructor(api: KubeApi, cluster: KubeTargetRef, namespaces: readonly string[], ledger?: FaultLedger | FaultTransactions) {
    super(ledger);
    this.#target = new KubeTarget(api, cluster);
    this.#namespaces = new Set(namespaces);
  }

  /** Lets container-kill reach the nodes (kind: docker exec into the node container). */
  withNodeExec(exec: NodeExec): this {
    this.#target.nodeExec = exec;
    return this;
  }

  /**
   * Objects drillbook did not create may be broken in these namespaces (each must also be one this injector may
   * touch): the config's explicit allow-list for a stack someone else deployed stands in for drillbook's labels.
   */
  withUnlabelledObjectsIn(namespaces: readonly string[]): this {
    const outside = namespaces.filter((n) => !this.#namespaces.has(n));
    if (outside.length) throw new Error(`withUnlabelledObjectsIn: ${outside.join(', ')} is not among the namespaces this injector may touch (${[...this.#namespaces].join(', ')})`);
    this.#target.unlabelledAllowedIn = new Set(namespaces);
    return this;
  }

  protected parseKind(spec: FaultSpec): Parsed<KubeFaultSpec> {
    return parseKubeFaultSpec(spec, { namespaces: this.#namespaces, nodeAccess: this.#target.nodeExec !== undefined });
  }

  protected plan(spec: KubeFaultSpec, context: PlanContext): Promise<FaultPlan> {
    return (PLANS[spec.kind] as Plan<KubeFaultKind>)(this.#target, spec as never, context);
  }
}
