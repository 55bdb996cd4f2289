// Named wait conditions over Kubernetes objects. Each names what it waits for (used in timeout errors), says
// which objects to watch, and judges the current set of those objects. `failed` ends the wait at once (a Job
// that failed will not succeed by waiting longer).
import type { KindRef, KubeObject, Selectors } from './kube-api.ts';

export interface Verdict {
  ok: boolean;
  /** What was seen, kept as the "last value" of a timeout. */
  detail: string;
  /** Set when the condition can no longer become true. */
  failed?: string;
}

export interface KubeCondition {
  readonly name: string;
  readonly target: KindRef & Selectors;
  evaluate(objects: readonly KubeObject[]): Verdict;
}

type Status = Record<string, unknown> & { conditions?: { type: string; status: string; reason?: string; message?: string }[] };

function status(o: KubeObject): Status {
  return (o.status ?? {}) as Status;
}
function spec(o: KubeObject): Record<string, unknown> {
  return (o.spec ?? {}) as Record<string, unknown>;
}
function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}
function hasCondition(o: KubeObject, type: string, value = 'True'): boolean {
  return (status(o).conditions ?? []).some((c) => c.type === type && c.status === value);
}
function byName(name: string): string {
  return `metadata.name=${name}`;
}
function single(objects: readonly KubeObject[], what: string, judge: (o: KubeObject) => Verdict): Verdict {
  const o = objects[0];
  return o ? judge(o) : { ok: false, detail: `${what} does not exist yet` };
}
/** The controller has seen the latest spec. */
function observed(o: KubeObject): boolean {
  return num(status(o).observedGeneration) >= num(o.metadata.generation);
}

export function deploymentAvailable(namespace: string, name: string): KubeCondition {
  return {
    name: `Deployment ${namespace}/${name} available`,
    target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace, fieldSelector: byName(name) },
    evaluate: (objects) =>
      single(objects, `Deployment ${name}`, (o) => {
        const want = num(spec(o).replicas ?? 1);
        const s = status(o);
        const ok = observed(o) && num(s.updatedReplicas) >= want && num(s.availableReplicas) >= want && num(s.replicas) === want;
        const stuck = (s.conditions ?? []).find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
        const verdict: Verdict = { ok, detail: `available ${num(s.availableReplicas)}/${want}, updated ${num(s.updatedReplicas)}` };
        if (stuck) verdict.failed = `rollout stuck: ${stuck.message ?? stuck.reason}`;
        return verdict;
      }),
  };
}

export function statefulSetReady(namespace: string, name: string): KubeCondition {
  return {
    name: `StatefulSet ${namespace}/${name} ready`,
    target: { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace, fieldSelector: byName(name) },
    evaluate: (objects) =>
      single(objects, `StatefulSet ${name}`, (o) => {
        const want = num(spec(o).replicas ?? 1);
        const s = status(o);
        return { ok: observed(o) && num(s.readyReplicas) >= want && num(s.updatedReplicas) >= want, detail: `ready ${num(s.readyReplicas)}/${want}` };
      }),
  };
}

export function daemonSetReady(namespace: string, name: string): KubeCondition {
  return {
    name: `DaemonSet ${namespace}/${name} ready`,
    target: { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace, fieldSelector: byName(name) },
    evaluate: (objects) =>
      single(objects, `DaemonSet ${name}`, (o) => {
        const s = status(o);
        const want = num(s.desiredNumberScheduled);
        return { ok: observed(o) && want > 0 && num(s.numberReady) >= want, detail: `ready ${num(s.numberReady)}/${want}` };
      }),
  };
}

export function jobSucceeded(namespace: string, name: string): KubeCondition {
  return {
    name: `Job ${namespace}/${name} succeeded`,
    target: { apiVersion: 'batch/v1', kind: 'Job', namespace, fieldSelector: byName(name) },
    evaluate: (objects) =>
      single(objects, `Job ${name}`, (o) => {
        const s = status(o);
        const verdict: Verdict = { ok: hasCondition(o, 'Complete'), detail: `succeeded ${num(s.succeeded)}, failed ${num(s.failed)}` };
        const failed = (s.conditions ?? []).find((c) => c.type === 'Failed' && c.status === 'True');
        if (failed) verdict.failed = `Job ${name} failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim();
        return verdict;
      }),
  };
}

export function pvcBound(namespace: string, name: string): KubeCondition {
  return {
    name: `PersistentVolumeClaim ${namespace}/${name} Bound`,
    target: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, fieldSelector: byName(name) },
    evaluate: (objects) =>
      single(objects, `PVC ${name}`, (o) => ({ ok: status(o).phase === 'Bound', detail: `phase ${String(status(o).phase ?? 'unknown')}` })),
  };
}

/** The pod's Ready condition is True. */
export function isPodReady(pod: KubeObject): boolean {
  return hasCondition(pod, 'Ready');
}

/** At least `count` pods match the selector and all of them are Ready. */
export function podsReady(namespace: string, labelSelector: string, count = 1): KubeCondition {
  return {
    name: `${count}+ pods ${namespace}/{${labelSelector}} Ready`,
    target: { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector },
    evaluate: (objects) => {
      const live = objects.filter((p) => !p.metadata.deletionTimestamp);
      const ready = live.filter(isPodReady);
      return { ok: live.length >= count && ready.length === live.length, detail: `${ready.length}/${live.length} ready` };
    },
  };
}

/** When the pod's newest container termination the kubelet reports ended (lastState or the current state), or undefined. */
export function lastTerminationAt(pod: KubeObject): number | undefined {
  type Terminated = { terminated?: { finishedAt?: string } };
  const statuses = (status(pod).containerStatuses ?? []) as { state?: Terminated; lastState?: Terminated }[];
  const times = statuses.flatMap((c) => [c.lastState?.terminated?.finishedAt, c.state?.terminated?.finishedAt]).filter((t): t is string => typeof t === 'string').map(Date.parse);
  return times.length ? Math.max(...times) : undefined;
}

/**
 * At least `count` pods match, every one Ready again after a container of it ended at or after `since` (epoch ms):
 * a crash the kubelet has noticed and restarted from. Ready alone is not enough right after a SIGKILL: the pod
 * still reads Ready until the kubelet's next sync, and a restart held back by CrashLoopBackOff reads Ready too late.
 */
export function podsRestartedSince(namespace: string, labelSelector: string, since: number, count = 1): KubeCondition {
  return {
    name: `${count}+ pods ${namespace}/{${labelSelector}} restarted after ${new Date(since).toISOString()} and Ready`,
    target: { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector },
    evaluate: (objects) => {
      const live = objects.filter((p) => !p.metadata.deletionTimestamp);
      const restarted = live.filter((p) => (lastTerminationAt(p) ?? 0) >= since);
      const ready = restarted.filter(isPodReady);
      return { ok: live.length >= count && ready.length === live.length, detail: `${restarted.length}/${live.length} restarted, ${ready.length} of them ready` };
    },
  };
}

/** Every node is Ready, and there are at least `count`. */
export function nodesReady(count = 1): KubeCondition {
  return {
    name: `${count}+ nodes Ready`,
    target: { apiVersion: 'v1', kind: 'Node' },
    evaluate: (objects) => {
      const ready = objects.filter((n) => hasCondition(n, 'Ready'));
      const notReady = objects.filter((n) => !hasCondition(n, 'Ready')).map((n) => n.metadata.name);
      return {
        ok: objects.length >= count && ready.length === objects.length,
        detail: `${ready.length}/${objects.length} ready${notReady.length ? ` (not ready: ${notReady.join(', ')})` : ''}`,
      };
    },
  };
}

/** A pod ran to completion (phase Succeeded or Failed); the verdict's detail is the phase. */
export function podFinished(namespace: string, name: string): KubeCondition {
  return {
    name: `Pod ${namespace}/${name} finished`,
    target: { apiVersion: 'v1', kind: 'Pod', namespace, fieldSelector: byName(name) },
    evaluate: (objects) =>
      single(objects, `Pod ${name}`, (o) => {
        const phase = String(status(o).phase ?? 'Pending');
        return { ok: phase === 'Succeeded' || phase === 'Failed', detail: phase };
      }),
  };
}

/** Why each container of a pod is waiting (CrashLoopBackOff, CreateContainerConfigError, ImagePullBackOff...). */
export function waitingReasons(pod: KubeObject): string[] {
  const statuses = (status(pod).containerStatuses ?? []) as { state?: { waiting?: { reason?: string } } }[];
  return statuses.map((c) => c.state?.waiting?.reason).filter((r): r is string => typeof r === 'string');
}

/**
 * At least `count` live pods matching the selector have a container waiting for one of `reasons`: the shape of
 * ROLLBACK.md's trigger "more than 2 pods in CrashLoopBackOff". The detail counts every waiting reason seen.
 */
export function podsWaiting(namespace: string, labelSelector: string, reasons: readonly string[], count = 1): KubeCondition {
  return {
    name: `${count}+ pods ${namespace}/{${labelSelector}} in ${reasons.join(' or ')}`,
    target: { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector },
    evaluate: (objects) => {
      const live = objects.filter((p) => !p.metadata.deletionTimestamp);
      const seen = new Map<string, number>();
      let matching = 0;
      for (const pod of live) {
        const why = waitingReasons(pod);
        for (const r of new Set(why)) seen.set(r, (seen.get(r) ?? 0) + 1);
        if (why.some((r) => reasons.includes(r))) matching += 1;
      }
      const counts = [...seen].map(([r, n]) => `${n} ${r}`).join(', ') || 'none waiting';
      return { ok: matching >= count, detail: `${matching}/${live.length} pods in ${reasons.join('/')} (${counts})` };
    },
  };
}

/** The named object does not exist any more (one still being deleted, finalizers pending, does not count). */
export function objectAbsent(apiVersion: string, kind: string, namespace: string, name: string): KubeCondition {
  return {
    name: `${kind} ${namespace}/${name} absent`,
    target: { apiVersion, kind, namespace, fieldSelector: byName(name) },
    evaluate: (objects) => {
      const dying = objects.some((o) => o.metadata.deletionTimestamp);
      return { ok: objects.length === 0, detail: objects.length === 0 ? `${kind} ${name} absent` : `${kind} ${name} ${dying ? 'being deleted' : 'present'}` };
    },
  };
}

/** The termination message of a finished pod's first container (what it wrote to /dev/termination-log). */
export function terminationMessage(pod: KubeObject): string | undefined {
  const statuses = (status(pod).containerStatuses ?? []) as { state?: { terminated?: { message?: string } } }[];
  return statuses[0]?.state?.terminated?.message;
}

interface Terminated {
  exitCode?: number;
  reason?: string;
  message?: string;
}

/** The last non-zero exit of a pod's containers (now or before a restart), with its termination message. */
export function lastFailure(pod: KubeObject): Terminated | undefined {
  const statuses = (status(pod).containerStatuses ?? []) as { state?: { terminated?: Terminated }; lastState?: { terminated?: Terminated } }[];
  for (const c of statuses) {
    for (const t of [c.state?.terminated, c.lastState?.terminated]) if (t && num(t.exitCode) !== 0) return t;
  }
  return undefined;
}

/**
 * A pod of the Job exited non-zero at least once: the first failed attempt, long before the Job's own Failed
 * condition (which waits for backoffLimit retries). `failed` never ends this wait: the failure is what it waits for.
 */
export function jobAttemptFailed(namespace: string, job: string): KubeCondition {
  return {
    name: `an attempt of Job ${namespace}/${job} failed`,
    target: { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: `job-name=${job}` },
    evaluate: (objects) => {
      const failures = objects.map(lastFailure).filter((t): t is Terminated => t !== undefined);
      const first = failures[0];
      if (!first) return { ok: false, detail: `${objects.length} pod(s), none exited non-zero` };
      // the failure's own line (a log's last lines end with it), not the progress lines before it
      const lines = (first.message ?? '').trim().split('\n');
      const message = (lines.findLast((l) => /fatal|error|failed/i.test(l)) ?? lines.at(-1) ?? '').slice(0, 600);
      return { ok: true, detail: `exit ${num(first.exitCode)} (${first.reason ?? 'Error'}): ${message || 'no termination message'}` };
    },
  };
}

/** A live pod matching the selector that the scheduler could not place (PodScheduled=False), with its reason. */
export function podUnschedulable(namespace: string, labelSelector: string): KubeCondition {
  return {
    name: `a pod ${namespace}/{${labelSelector}} unschedulable`,
    target: { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector },
    evaluate: (objects) => {
      const live = objects.filter((p) => !p.metadata.deletionTimestamp);
      for (const pod of live) {
        const c = (status(pod).conditions ?? []).find((x) => x.type === 'PodScheduled' && x.status === 'False');
        if (c) return { ok: true, detail: `${pod.metadata.name} ${c.reason ?? 'Unschedulable'}: ${c.message ?? ''}`.trim() };
      }
      return { ok: false, detail: `${live.length} pod(s), none unschedulable (${live.map((p) => `${p.metadata.name} ${String(status(p).phase ?? 'unknown')}`).join(', ') || 'none yet'})` };
    },
  };
}

/** No pod matching the selector is left (a deleted Job's pods, which go after the Job itself). */
export function podsGone(namespace: string, labelSelector: string): KubeCondition {
  return {
    name: `no pod ${namespace}/{${labelSelector}} left`,
    target: { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector },
    evaluate: (objects) => ({ ok: objects.length === 0, detail: objects.length === 0 ? 'no pod left' : `${objects.length} pod(s) still there` }),
  };
}
