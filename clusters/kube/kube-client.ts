// The harness's Kubernetes client: server-side apply of labelled objects in dependency order, deletes, and
// waits on named conditions driven by watches (list, then watch from the list's resourceVersion), never sleeps.
import { DrillbookError, InterruptedError, WaitTimeoutError } from '../../scenarios/errors.ts';
import { LABELS, MANAGED_BY, type CallOptions, type Labels } from '../../scenarios/ports.ts';
import { jobSucceeded, lastFailure, terminationMessage, type KubeCondition, type Verdict } from './conditions.ts';
import { describeRef, refOf, type KubeApi, type KubeObject } from './kube-api.ts';

export const FIELD_MANAGER = 'drillbook';

/** Apply order: what others reference comes first (namespaces, CRDs, identities, config, storage, services). */
const KIND_ORDER = [
  'Namespace', 'CustomResourceDefinition', 'StorageClass', 'PriorityClass', 'ServiceAccount', 'ClusterRole', 'Role',
  'ClusterRoleBinding', 'RoleBinding', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'Secret', 'ConfigMap',
  'PersistentVolume', 'PersistentVolumeClaim', 'Service', 'StatefulSet', 'Deployment', 'DaemonSet', 'Job',
  'CronJob', 'Ingress',
];

export function applyOrder(objects: readonly KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) => {
    const i = KIND_ORDER.indexOf(o.kind);
    return i === -1 ? KIND_ORDER.length : i;
  };
  return objects
    .map((o, index) => ({ o, index }))
    .sort((a, b) => rank(a.o) - rank(b.o) || a.index - b.index)
    .map(({ o }) => o);
}

/** Adds the managed-by label (and the given ones) to the object, its pod template and its claim templates, without mutating input. */
export function withLabels(object: KubeObject, labels: Labels): KubeObject {
  const all = { [LABELS.managedBy]: MANAGED_BY, ...labels };
  const copy = structuredClone(object);
  copy.metadata.labels = { ...all, ...copy.metadata.labels };
  const template = (copy.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
  if (template) template.metadata = { ...template.metadata, labels: { ...all, ...template.metadata?.labels } };
  // a StatefulSet's claims are created from its templates: labelled, so gc and the fault guard know them
  const claims = (copy.spec as { volumeClaimTemplates?: { metadata?: { labels?: Record<string, string> } }[] } | undefined)?.volumeClaimTemplates;
  for (const claim of claims ?? []) claim.metadata = { ...claim.metadata, labels: { ...all, ...claim.metadata?.labels } };
  return copy;
}

export interface WaitOptions extends CallOptions {
  timeoutMs: number;
  hint?: string;
}

export class KubeClient {
  readonly api: KubeApi;
  readonly #labels: Labels;

  constructor(api: KubeApi, options: { labels?: Labels } = {}) {
    this.api = api;
    this.#labels = options.labels ?? {};
  }

  /** Server-side applies every object, in dependency order, labelled. Returns what the server stored. */
  async apply(objects: readonly KubeObject[], options: CallOptions = {}): Promise<KubeObject[]> {
    const applied: KubeObject[] = [];
    for (const object of applyOrder(objects)) {
      if (options.signal?.aborted) throw new InterruptedError('apply interrupted', { cause: options.signal.reason });
      try {
        applied.push(await this.api.apply(withLabels(object, this.#labels), FIELD_MANAGER, options));
      } catch (cause) {
        throw new DrillbookError(`server-side apply of ${describeRef(refOf(object))} failed: ${(cause as Error).message}`, {
          cause,
          hint: 'check the manifest against the cluster version (kubectl explain), and RBAC of the kubeconfig user',
        });
      }
    }
    return applied;
  }

  /** Deletes in reverse dependency order; missing objects are fine. */
  async delete(objects: readonly KubeObject[], options: CallOptions = {}): Promise<void> {
    for (const object of applyOrder(objects).reverse()) await this.api.delete(refOf(object), options);
  }

  /**
   * Resolves with the verdict once `condition` holds. Lists the target, then watches from the list's
   * resourceVersion, re-judging on each event; a closed watch is re-listed. Throws WaitTimeoutError with the
   * last verdict, DrillbookError when the condition reports failure, InterruptedError on abort.
   */
  async waitFor(condition: KubeCondition, options: WaitOptions): Promise<Verdict> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const { fieldSelector, labelSelector, ...kind } = condition.target;
    const selectors = { fieldSelector, labelSelector };
    let last: Verdict | undefined;
    const judge = (objects: Map<string, KubeObject>) => {
      last = condition.evaluate([...objects.values()]);
      if (last.failed) throw new DrillbookError(`${condition.name}: ${last.failed}`, { hint: options.hint });
      return last.ok;
    };
    const stop = () => {
      if (options.signal?.aborted) throw new InterruptedError(`waiting for ${condition.name} interrupted`, { cause: options.signal.reason });
      throw new WaitTimeoutError(condition.name, options.timeoutMs, last?.detail, { hint: options.hint });
    };
    while (!signal.aborted) {
      let listed;
      try {
        listed = await this.api.list(kind, selectors, { signal });
      } catch (error) {
        if (signal.aborted) break;
        throw error;
      }
      const objects = new Map(listed.items.map((o) => [o.metadata.uid ?? o.metadata.name, o]));
      if (judge(objects)) return last as Verdict;
      const watching = new AbortController();
      const both = AbortSignal.any([signal, watching.signal]);
      let failure: unknown;
      await this.api.watch(
        kind,
        { ...selectors, resourceVersion: listed.resourceVersion },
        (event) => {
          if (watching.signal.aborted) return;
          const key = event.object.metadata.uid ?? event.object.metadata.name;
          if (event.type === 'DELETED') objects.delete(key);
          else objects.set(key, event.object);
          try {
            if (judge(objects)) watching.abort();
          } catch (error) {
            failure = error;
            watching.abort();
          }
        },
        { signal: both },
      );
      if (failure) throw failure;
      if (last?.ok) return last;
    }
    return stop();
  }

  /**
   * Applies a one-off Job, waits for it to succeed and returns its pod's termination message (what the Job
   * reports) and how long it took. A failed or timed-out Job throws with what its pod said.
   */
  async runJob(job: KubeObject, options: WaitOptions): Promise<{ message: string; ms: number }> {
    const started = performance.now();
    const namespace = job.metadata.namespace ?? 'default';
    const name = job.metadata.name;
    const pods = async () => (await this.api.list({ apiVersion: 'v1', kind: 'Pod', namespace }, { labelSelector: `job-name=${name}` }, { signal: options.signal })).items;
    await this.apply([job], options);
    try {
      await this.waitFor(jobSucceeded(namespace, name), { ...options, hint: options.hint ?? `kubectl -n ${namespace} logs job/${name}` });
    } catch (error) {
      const said = (await pods().catch(() => [])).map((p) => lastFailure(p)?.message?.trim()).find(Boolean);
      throw said ? new Error(`${(error as Error).message}; the pod said: ${said.slice(-600)}`, { cause: error }) : error;
    }
    const message = (await pods()).map(terminationMessage).find((m) => m !== undefined && m.length > 0);
    if (!message) throw new Error(`Job ${namespace}/${name} succeeded but its pod left no termination message`);
    return { message: message.trim(), ms: Math.round(performance.now() - started) };
  }
}
