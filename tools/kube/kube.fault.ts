// FaultInjector for a Kubernetes cluster the harness may break (harness-native: plain API calls):
//   pod-kill       delete the pods a label selector matches with grace period 0, as Chaos Mesh's PodChaos
//                  pod-kill (the kubelet still sends SIGTERM and SIGKILLs ~2 s later); nothing to revert:
//                  their controller recreates them
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
// Only namespaces the run deployed may be touched, and only objects carrying drillbook's managed-by label.
// Every fault goes into the ledger, with its undo as data, before it takes effect, so `drillbook gc` can undo it
// after a kill -9.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { LABELS, MANAGED_BY, type FaultInjector, type FaultSpec, type InjectedFault, type Labels } from '../../scenarios/ports.ts';
import type { Evidence } from '../../scenarios/journal.ts';
import { describeRef, type KubeApi, type KubeObject, type ObjectRef } from '../../clusters/kube/kube-api.ts';
import { FaultLedger, ledgerEntry, type KubeTargetRef, type UndoAction } from '../state/ledger.ts';
import { performUndo } from '../state/undo.ts';

/**
 * Field managers of fault patches and of their reverts: never the stack's own ('drillbook'), whose fields a partial
 * patch would strip. Two of them because server-side apply drops fields a manager applied before and now leaves
 * out: the inject always applies an image, the revert always an image and a replica count.
 */
export const FAULT_FIELD_MANAGER = 'drillbook-fault';
export const REVERT_FIELD_MANAGER = 'drillbook-fault-revert';

const KINDS = ['pod-kill', 'container-kill', 'set-image', 'secret-delete', 'object-delete', 'job-replace', 'statefulset-storage-class', 'secret-replace'] as const;

/** Marks the Job a job-replace fault created, so its revert deletes that Job and no other. */
export const FAULT_ID_LABEL = 'drillbook.io/fault-id';

/** Labels and selector the Job controller generates; a Job created with them set is refused. */
const JOB_GENERATED_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid', 'job-name', 'batch.kubernetes.io/job-name'];

/** Runs a command on a cluster node (kind: `docker exec <node> ...`). */
export type NodeExec = (node: string, args: readonly string[], options: { signal?: AbortSignal }) => Promise<void>;

/** What object-delete may remove (apiVersion by kind): things a runbook can lose and re-create from data. */
const DELETABLE: Readonly<Record<string, string>> = {
  Secret: 'v1',
  ConfigMap: 'v1',
  CronJob: 'batch/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
};
type Kind = (typeof KINDS)[number];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SELECTOR = /^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]+(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]+)*$/;

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

export class KubeFaultInjector implements FaultInjector {
  readonly name = 'kube';
  readonly #api: KubeApi;
  readonly #cluster: KubeTargetRef;
  readonly #namespaces: ReadonlySet<string>;
  readonly #ledger: FaultLedger;
  #nodeExec: NodeExec | undefined;

  /**
   * `cluster` is where gc sends the undo after a crash (the same cluster `api` talks to); `namespaces` are the
   * only ones this injector may touch (those the run deployed).
   */
  constructor(api: KubeApi, cluster: KubeTargetRef, namespaces: readonly string[], ledger = new FaultLedger()) {
    this.#api = api;
    this.#cluster = cluster;
    this.#namespaces = new Set(namespaces);
    this.#ledger = ledger;
  }

  /** Lets container-kill reach the nodes (kind: docker exec into the node container). */
  withNodeExec(exec: NodeExec): this {
    this.#nodeExec = exec;
    return this;
  }

  validate(spec: FaultSpec): string[] {
    if (!(KINDS as readonly string[]).includes(spec.kind)) return [`unknown fault kind '${spec.kind}'; the kube injector supports: ${KINDS.join(', ')}`];
    const p: string[] = [];
    const str = (field: string) => (typeof spec[field] === 'string' && (spec[field] as string).length > 0 ? (spec[field] as string) : undefined);
    const ns = str('namespace');
    if (!ns) p.push('namespace: required');
    else if (!this.#namespaces.has(ns)) p.push(`namespace: '${ns}' is not one this run deployed; allowed: ${[...this.#namespaces].join(', ')}`);
    if (spec.kind === 'container-kill' && !this.#nodeExec) p.push('container-kill needs access to the nodes (a kind cluster); use pod-kill on other clusters');
    if (spec.kind === 'pod-kill' || spec.kind === 'container-kill') {
      const selector = str('selector');
      if (!selector || !SELECTOR.test(selector)) p.push(`selector: '${String(spec.selector)}' must be key=value[,key=value] (an empty selector would kill every pod)`);
    }
    if (spec.kind === 'secret-replace') {
      if (!str('name') || !DNS_LABEL.test(str('name')!)) p.push('name: must name the Secret (DNS label)');
      const files = spec.fromFiles as Record<string, unknown> | undefined;
      if (!files || typeof files !== 'object' || Object.keys(files).length === 0 || Object.values(files).some((f) => typeof f !== 'string' || !existsSync(f))) {
        p.push('fromFiles: { key: path } of existing files (the new data; paths, so no secret value reaches the journal)');
      }
    }
    if (spec.kind === 'statefulset-storage-class') {
      if (!str('statefulset') || !DNS_LABEL.test(str('statefulset')!)) p.push('statefulset: must name the StatefulSet (DNS label)');
      if (!str('storageClass') || !DNS_LABEL.test(str('storageClass')!)) p.push('storageClass: must name a StorageClass (DNS label)');
    }
    if (spec.kind === 'job-replace') {
      for (const field of ['job', 'container']) if (!str(field) || !DNS_LABEL.test(str(field)!)) p.push(`${field}: must name a ${field} (DNS label)`);
    }
    if (spec.kind === 'set-image' || spec.kind === 'job-replace') {
      if (spec.kind === 'set-image') for (const field of ['deployment', 'container']) if (!str(field) || !DNS_LABEL.test(str(field)!)) p.push(`${field}: must name a ${field} (DNS label)`);
      const image = str('image');
      if (!image) p.push('image: required (the bad release)');
      else if (!/:[^/]+$/.test(image) || image.endsWith(':latest')) p.push(`image: '${image}' needs an explicit tag, not latest (nothing can be pulled here)`);
    }
    if (spec.kind === 'secret-delete' && (!str('name') || !DNS_LABEL.test(str('name')!))) p.push('name: must name the Secret (DNS label)');
    if (spec.kind === 'object-delete') {
      const kind = str('objectKind');
      if (!kind || !DELETABLE[kind]) p.push(`objectKind: '${String(spec.objectKind)}' must be one of ${Object.keys(DELETABLE).join(', ')}`);
      if (!str('name') || !DNS_LABEL.test(str('name')!)) p.push('name: must name the object (DNS label)');
    }
    return p;
  }

  async inject(spec: FaultSpec, options: { labels: Labels; signal?: AbortSignal }): Promise<InjectedFault> {
    const kind = spec.kind as Kind;
    const ns = spec.namespace as string;
    const id = `${kind}-${randomUUID().slice(0, 8)}`;
    const signal = options.signal;
    let undo: UndoAction[] = [];
    let evidence: Evidence[];
    let act: () => Promise<void>;

    if (kind === 'container-kill') {
      const targets: { pod: string; node: string; id: string }[] = [];
      for (const pod of await this.#livePods(ns, spec.selector as string, signal)) {
        const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
        const statuses = ((pod.status as { containerStatuses?: { name: string; containerID?: string; state?: { running?: unknown } }[] } | undefined)?.containerStatuses ?? []).filter(
          (c) => c.state?.running && (spec.container === undefined || c.name === spec.container),
        );
        for (const c of statuses) {
          const id = c.containerID?.replace(/^containerd:\/\//, '');
          if (node && id) targets.push({ pod: pod.metadata.name, node, id });
        }
      }
      if (targets.length === 0) throw new Error(`container-kill: no running container in ${ns} matches ${String(spec.selector)}`);
      const exec = this.#nodeExec!;
      evidence = [{ kind: 'command', label: 'injected', value: `ctr -n k8s.io task kill -s SIGKILL on ${targets.map((t) => `${t.pod} (${t.id.slice(0, 12)})`).join(', ')}` }];
      act = async () => {
        await Promise.all(targets.map((t) => exec(t.node, ['ctr', '-n', 'k8s.io', 'task', 'kill', '-s', 'SIGKILL', t.id], { signal })));
      };
    } else if (kind === 'pod-kill') {
      const pods = await this.#livePods(ns, spec.selector as string, signal);
      if (pods.length === 0) throw new Error(`pod-kill: no pod in ${ns} matches ${String(spec.selector)}; the steady state should have had some`);
      evidence = [{ kind: 'command', label: 'injected', value: `deleted with grace period 0: ${pods.map((p) => p.metadata.name).join(', ')}` }];
      act = async () => {
        for (const pod of pods) await this.#api.delete({ apiVersion: 'v1', kind: 'Pod', namespace: ns, name: pod.metadata.name }, { signal, gracePeriodSeconds: 0 });
      };
    } else if (kind === 'set-image') {
      const ref: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: spec.deployment as string };
      const deployment = await this.#required(ref, signal);
      const container = (deployment as Containers).spec?.template?.spec?.containers?.find((c) => c.name === spec.container);
      if (!container?.image) throw new Error(`set-image: ${describeRef(ref)} has no container '${String(spec.container)}'`);
      const replicas = (deployment as Containers).spec?.replicas ?? 1;
      const patch = (image: string, withReplicas: boolean): KubeObject => ({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: ref.name, namespace: ns },
        spec: { ...(withReplicas ? { replicas } : {}), template: { spec: { containers: [{ name: container.name, image }] } } },
      });
      undo = [{ kind: 'kube-apply', cluster: this.#cluster, fieldManager: REVERT_FIELD_MANAGER, manifests: [patch(container.image, true)] }];
      evidence = [
        { kind: 'command', label: 'injected', value: `${describeRef(ref)}: container ${container.name} image ${container.image} -> ${String(spec.image)}` },
        { kind: 'text', label: 'previous', value: `image ${container.image}, replicas ${replicas}` },
      ];
      act = async () => void (await this.#api.apply(patch(spec.image as string, false), FAULT_FIELD_MANAGER, { signal }));
    } else if (kind === 'secret-replace') {
      const ref: ObjectRef = { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: spec.name as string };
      const saved = restorable(await this.#required(ref, signal));
      const files = spec.fromFiles as Record<string, string>;
      const data = Object.fromEntries(Object.entries(files).map(([k, path]) => [k, readFileSync(path).toString('base64')]));
      undo = [{ kind: 'kube-apply', cluster: this.#cluster, fieldManager: REVERT_FIELD_MANAGER, manifests: [saved] }];
      evidence = [{ kind: 'command', label: 'injected', value: `${describeRef(ref)}: keys ${Object.keys(files).join(', ')} replaced from ${Object.values(files).join(', ')} (the previous data is kept for the revert)` }];
      act = async () => void (await this.#api.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: ref.name, namespace: ns }, data }, FAULT_FIELD_MANAGER, { signal }));
    } else if (kind === 'statefulset-storage-class') {
      const ref: ObjectRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ns, name: spec.statefulset as string };
      const original = restorable(await this.#required(ref, signal)) as KubeObject & { spec: StatefulSetSpec };
      const templates = original.spec.volumeClaimTemplates ?? [];
      if (templates.length === 0) throw new Error(`statefulset-storage-class: ${describeRef(ref)} has no volumeClaimTemplates`);
      const faultLabels = { ...options.labels, [FAULT_ID_LABEL]: id };
      const replacement: KubeObject = {
        ...original,
        metadata: { ...original.metadata, labels: { ...original.metadata.labels, ...faultLabels } },
        spec: {
          ...original.spec,
          // the PVCs the controller creates from these carry the fault's labels too: the revert finds them
          volumeClaimTemplates: templates.map((t) => ({ ...t, metadata: { ...t.metadata, labels: { ...t.metadata?.labels, ...faultLabels } }, spec: { ...t.spec, storageClassName: spec.storageClass as string } })),
        },
      };
      const claims = (replicas: number): ObjectRef[] =>
        templates.flatMap((t) => Array.from({ length: replicas }, (_, i) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: `${t.metadata?.name}-${ref.name}-${i}` })));
      const pvcs = claims(original.spec.replicas ?? 1);
      undo = [
        { kind: 'kube-delete', cluster: this.#cluster, refs: [ref, ...pvcs], onlyIfLabel: { [FAULT_ID_LABEL]: id } },
        { kind: 'kube-apply', cluster: this.#cluster, fieldManager: REVERT_FIELD_MANAGER, manifests: [original], onlyIfAbsent: true },
      ];
      evidence = [
        {
          kind: 'command',
          label: 'injected',
          value: `${describeRef(ref)} re-created with volumeClaimTemplates asking for StorageClass '${String(spec.storageClass)}' (was ${templates.map((t) => t.spec?.storageClassName ?? 'the default').join(', ')}); its PVCs ${pvcs.map((p) => p.name).join(', ')} deleted`,
        },
      ];
      // every claim it would delete must be one of ours, checked before anything is touched
      for (const pvc of pvcs) {
        const existing = await this.#api.read(pvc, { signal });
        if (existing) this.#guard(existing);
      }
      act = async () => {
        await this.#deleteAndWait(ref, signal);
        // the claims go too: a StatefulSet re-created with another class would otherwise adopt the old bound PVC
        for (const pvc of pvcs) await this.#deleteAndWait(pvc, signal);
        await this.#api.apply(replacement, FAULT_FIELD_MANAGER, { signal });
      };
    } else if (kind === 'job-replace') {
      const ref: ObjectRef = { apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: spec.job as string };
      const original = restorableJob(await this.#required(ref, signal));
      const containers = (original as Containers).spec?.template?.spec?.containers ?? [];
      const container = containers.find((c) => c.name === spec.container);
      if (!container?.image) throw new Error(`job-replace: ${describeRef(ref)} has no container '${String(spec.container)}'`);
      const replacement: KubeObject = {
        ...original,
        metadata: { ...original.metadata, labels: { ...original.metadata.labels, ...options.labels, [FAULT_ID_LABEL]: id } },
        spec: {
          ...(original.spec as object),
          template: {
            ...(original as Containers).spec!.template,
            spec: { ...(original as Containers).spec!.template!.spec, containers: containers.map((c) => (c.name === container.name ? { ...c, image: spec.image as string } : c)) },
          },
        },
      };
      undo = [
        { kind: 'kube-delete', cluster: this.#cluster, refs: [ref], onlyIfLabel: { [FAULT_ID_LABEL]: id } },
        { kind: 'kube-apply', cluster: this.#cluster, fieldManager: REVERT_FIELD_MANAGER, manifests: [original], onlyIfAbsent: true },
      ];
      evidence = [{ kind: 'command', label: 'injected', value: `${describeRef(ref)} re-run with container ${container.name} image ${container.image} -> ${String(spec.image)}` }];
      act = async () => {
        await this.#deleteAndWait(ref, signal);
        await this.#api.apply(replacement, FAULT_FIELD_MANAGER, { signal });
      };
    } else {
      const objectKind = kind === 'secret-delete' ? 'Secret' : (spec.objectKind as string);
      const ref: ObjectRef = { apiVersion: DELETABLE[objectKind]!, kind: objectKind, namespace: ns, name: spec.name as string };
      const secret = await this.#required(ref, signal);
      // The saved copy lives only in the ledger file (mode 0600, removed after the revert), never in evidence.
      undo = [{ kind: 'kube-apply', cluster: this.#cluster, fieldManager: REVERT_FIELD_MANAGER, manifests: [restorable(secret)] }];
      const keys = objectKind === 'Secret' ? ` (keys: ${Object.keys((secret as { data?: Record<string, string> }).data ?? {}).join(', ')}; a copy is kept for the revert)` : ' (a copy is kept for the revert)';
      evidence = [{ kind: 'command', label: 'injected', value: `deleted ${describeRef(ref)}${keys}` }];
      // Background propagation: the object is gone when the call returns (no foregroundDeletion finalizer
      // keeping a dying copy around for the kubelet, the runbook's re-apply or the revert to land on).
      act = () => this.#deleteAndWait(ref, signal);
    }

    if (undo.length) this.#ledger.record(ledgerEntry(id, kind, options.labels, undo));
    try {
      await act();
    } catch (error) {
      // not injected after all: undo whatever part of it landed, and forget it
      for (const action of undo) await performUndo(action).catch(() => undefined);
      this.#ledger.remove(id);
      throw error;
    }
    const ledger = this.#ledger;
    return {
      id,
      spec,
      evidence,
      async revert(opts = {}) {
        if (undo.length === 0) return [{ kind: 'text', label: 'revert', value: 'nothing to undo: the kubelet restarts killed containers and controllers recreate killed pods' }];
        const done: Evidence[] = [];
        for (const action of undo) done.push({ kind: 'command', label: 'revert', value: await performUndo(action, opts.signal) });
        ledger.remove(id);
        return done;
      },
    };
  }

  async #deleteAndWait(ref: ObjectRef, signal: AbortSignal | undefined): Promise<void> {
    await this.#api.delete(ref, { signal, propagation: 'Background' });
    const deadline = Date.now() + 60_000;
    while ((await this.#api.read(ref, { signal })) !== undefined) {
      if (Date.now() > deadline) throw new Error(`${describeRef(ref)} is still there 60 s after its delete`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Pods the selector matches that are not being deleted; each must be one of ours. */
  async #livePods(namespace: string, selector: string, signal: AbortSignal | undefined): Promise<KubeObject[]> {
    const { items } = await this.#api.list({ apiVersion: 'v1', kind: 'Pod', namespace }, { labelSelector: selector }, { signal });
    const pods = items.filter((p) => !p.metadata.deletionTimestamp);
    for (const pod of pods) this.#guard(pod);
    return pods;
  }

  async #required(ref: ObjectRef, signal: AbortSignal | undefined): Promise<KubeObject> {
    const object = await this.#api.read(ref, { signal });
    if (!object) throw new Error(`${describeRef(ref)} does not exist; the fault needs it in place`);
    this.#guard(object);
    return object;
  }

  /** The guard: never touch an object the harness did not create. */
  #guard(object: KubeObject): void {
    if (object.metadata.labels?.[LABELS.managedBy] !== MANAGED_BY) {
      throw new Error(`refusing to touch ${object.kind} ${object.metadata.namespace}/${object.metadata.name}: it has no ${LABELS.managedBy}=${MANAGED_BY} label`);
    }
  }
}
