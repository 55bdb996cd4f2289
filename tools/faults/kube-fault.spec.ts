// The kube injector's fault specs, typed: one member per kind, parsed once from the domain's untyped FaultSpec with
// every problem listed (what is wrong, which field, what to put there).
import { existsSync } from 'node:fs';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import type { FaultSpec } from '../../scenarios/ports.ts';
import { DNS_LABEL, LABEL_SELECTOR, SpecReader, type Parsed } from './fault-adapter.ts';

/** What object-delete may remove (apiVersion by kind): things a runbook can lose and re-create from data. */
export const DELETABLE = {
  Secret: 'v1',
  ConfigMap: 'v1',
  CronJob: 'batch/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
} as const;
export type DeletableKind = keyof typeof DELETABLE;

export const KUBE_FAULT_KINDS = ['pod-kill', 'container-kill', 'set-image', 'secret-delete', 'object-delete', 'job-replace', 'statefulset-storage-class', 'secret-replace', 'statefulset-scale', 'job-with-undo'] as const;
export type KubeFaultKind = (typeof KUBE_FAULT_KINDS)[number];

interface InNamespace {
  readonly namespace: string;
}
export type KubeFaultSpec =
  /** Delete the pods `selector` matches, grace period 0. */
  | (InNamespace & { readonly kind: 'pod-kill'; readonly selector: string })
  /** SIGKILL the running containers (all, or the one named) of the matching pods, from their node. */
  | (InNamespace & { readonly kind: 'container-kill'; readonly selector: string; readonly container?: string })
  /** One container of a Deployment gets another image (a bad release). */
  | (InNamespace & { readonly kind: 'set-image'; readonly deployment: string; readonly container: string; readonly image: string })
  | (InNamespace & { readonly kind: 'secret-delete'; readonly name: string })
  | (InNamespace & { readonly kind: 'object-delete'; readonly objectKind: DeletableKind; readonly name: string })
  /** A Secret's keys replaced from files (paths, so no secret value reaches the journal). */
  | (InNamespace & { readonly kind: 'secret-replace'; readonly name: string; readonly fromFiles: Readonly<Record<string, string>> })
  /** A Job re-run with one container on another image. */
  | (InNamespace & { readonly kind: 'job-replace'; readonly job: string; readonly container: string; readonly image: string })
  /** A StatefulSet re-created asking for a StorageClass (the seeds' Loki on a class the cluster lacks). */
  | (InNamespace & { readonly kind: 'statefulset-storage-class'; readonly statefulset: string; readonly storageClass: string })
  /** A StatefulSet scaled to `replicas` (0: its pods gone, e.g. the primary database down); the revert scales it back. */
  | (InNamespace & { readonly kind: 'statefulset-scale'; readonly statefulset: string; readonly replicas: number })
  /**
   * A one-off Job that makes the fault (e.g. psql statements against the live database; its pod writes a termination
   * message), and the Job that undoes it: what gc creates after a crash, and what the revert runs and waits for.
   */
  | (InNamespace & { readonly kind: 'job-with-undo'; readonly job: KubeObject; readonly revertJob: KubeObject });

export interface KubeSpecLimits {
  /** The namespaces the run deployed: the only ones a fault may touch. */
  readonly namespaces: ReadonlySet<string>;
  /** Whether container-kill can reach the nodes. */
  readonly nodeAccess: boolean;
}

/** Every problem with a kube fault spec of one of KUBE_FAULT_KINDS, or the typed spec. */
export function parseKubeFaultSpec(spec: FaultSpec, limits: KubeSpecLimits): Parsed<KubeFaultSpec> {
  const r = new SpecReader(spec);
  const kind = spec.kind as KubeFaultKind;
  const namespace = r.string('namespace');
  if (namespace && !limits.namespaces.has(namespace)) r.problem(`namespace: '${namespace}' is not one this run deployed; allowed: ${[...limits.namespaces].join(', ')}`);
  const dns = (field: string, message: string) => r.matching(field, DNS_LABEL, message);
  const image = () => {
    const value = r.string('image', 'required (the bad release)');
    if (value && (!/:[^/]+$/.test(value) || value.endsWith(':latest'))) r.problem(`image: '${value}' needs an explicit tag, not latest (nothing can be pulled here)`);
    return value;
  };
  const selector = () => r.matching('selector', LABEL_SELECTOR, `selector: '${String(r.raw('selector'))}' must be key=value[,key=value] (an empty selector would kill every pod)`);
  switch (kind) {
    case 'pod-kill':
      return r.done({ kind, namespace, selector: selector() });
    case 'container-kill': {
      if (!limits.nodeAccess) r.problem('container-kill needs access to the nodes (a kind cluster); use pod-kill on other clusters');
      const sel = selector();
      const container = r.optionalString('container');
      return r.done({ kind, namespace, selector: sel, ...(container ? { container } : {}) });
    }
    case 'secret-replace': {
      const name = dns('name', 'name: must name the Secret (DNS label)');
      const files = r.raw('fromFiles') as Record<string, unknown> | undefined;
      if (!files || typeof files !== 'object' || Object.keys(files).length === 0 || Object.values(files).some((f) => typeof f !== 'string' || !existsSync(f))) {
        r.problem('fromFiles: { key: path } of existing files (the new data; paths, so no secret value reaches the journal)');
      }
      return r.done({ kind, namespace, name, fromFiles: (files ?? {}) as Record<string, string> });
    }
    case 'statefulset-storage-class': {
      const statefulset = dns('statefulset', 'statefulset: must name the StatefulSet (DNS label)');
      const storageClass = dns('storageClass', 'storageClass: must name a StorageClass (DNS label)');
      return r.done({ kind, namespace, statefulset, storageClass });
    }
    case 'job-replace': {
      const job = dns('job', 'job: must name a job (DNS label)');
      const container = dns('container', 'container: must name a container (DNS label)');
      return r.done({ kind, namespace, job, container, image: image() });
    }
    case 'set-image': {
      const deployment = dns('deployment', 'deployment: must name a deployment (DNS label)');
      const container = dns('container', 'container: must name a container (DNS label)');
      return r.done({ kind, namespace, deployment, container, image: image() });
    }
    case 'statefulset-scale': {
      const statefulset = dns('statefulset', 'statefulset: must name the StatefulSet (DNS label)');
      const replicas = r.raw('replicas');
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) r.problem(`replicas: '${String(replicas)}' must be a whole number >= 0`);
      return r.done({ kind, namespace, statefulset, replicas: replicas as number });
    }
    case 'job-with-undo': {
      const job = (field: 'job' | 'revertJob') => {
        const value = r.raw(field) as KubeObject | undefined;
        const ok = value && typeof value === 'object' && value.apiVersion === 'batch/v1' && value.kind === 'Job' && typeof value.metadata?.name === 'string' && DNS_LABEL.test(value.metadata.name);
        if (!ok) r.problem(`${field}: must be a batch/v1 Job manifest with a DNS-label name (its pod writes a termination message)`);
        else if (value.metadata.namespace !== namespace) r.problem(`${field}: its namespace '${String(value.metadata.namespace)}' must be the fault's namespace '${namespace}'`);
        // the kubelet expands $(VAR) and turns $$ into $ in command and args: SQL's DO $$ ... $$ would arrive as DO $
        else if (/\$\$/.test(JSON.stringify((value.spec as { template?: { spec?: { containers?: { command?: unknown; args?: unknown }[] } } } | undefined)?.template?.spec?.containers?.map((c) => [c.command, c.args]) ?? []))) {
          r.problem(`${field}: its command has '$$', which the kubelet turns into '$' (write a named dollar quote, e.g. $body$ ... $body$)`);
        }
        return value as KubeObject;
      };
      const forward = job('job');
      const back = job('revertJob');
      if (forward?.metadata?.name !== undefined && forward.metadata.name === back?.metadata?.name) r.problem('revertJob: must have a name of its own (both Jobs exist at once)');
      return r.done({ kind, namespace, job: forward, revertJob: back });
    }
    case 'secret-delete':
      return r.done({ kind, namespace, name: dns('name', 'name: must name the Secret (DNS label)') });
    case 'object-delete': {
      const objectKind = r.raw('objectKind');
      if (typeof objectKind !== 'string' || !(objectKind in DELETABLE)) r.problem(`objectKind: '${String(objectKind)}' must be one of ${Object.keys(DELETABLE).join(', ')}`);
      const name = dns('name', 'name: must name the object (DNS label)');
      return r.done({ kind, namespace, objectKind: objectKind as DeletableKind, name });
    }
  }
}
