// Deploys the reference stack with the KubeClient: each stage server-side applied, then its named conditions
// awaited through watches. Returns per-stage timings (evidence for the journal and the bench).
import type { CallOptions } from '../../scenarios/ports.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { KubeObject } from '../kube/kube-api.ts';
import { objectAbsent } from '../kube/conditions.ts';
import { referenceStack, type StackStage } from './manifests/stack.manifest.ts';
import type { StackOptions } from './manifests/stack-options.ts';

export interface StageTiming {
  stage: string;
  applied: number;
  waitedFor: string[];
  ms: number;
}

export interface DeployOptions extends CallOptions {
  /** Per-condition budget (default 180 s). */
  conditionTimeoutMs?: number;
  onStage?: (timing: StageTiming) => void;
  /** Told when a StatefulSet is replaced because its immutable spec changed (applyReplacingImmutable). */
  onReplace?: (line: string) => void;
}

export async function deployStages(client: KubeClient, stages: readonly StackStage[], options: DeployOptions = {}): Promise<StageTiming[]> {
  const timings: StageTiming[] = [];
  for (const stage of stages) {
    const started = performance.now();
    await applyReplacingImmutable(client, stage.objects, options);
    for (const condition of stage.waits) {
      await client.waitFor(condition, {
        timeoutMs: options.conditionTimeoutMs ?? 180_000,
        signal: options.signal,
        hint: `stage "${stage.name}": check events with kubectl get events -A --sort-by=.lastTimestamp`,
      });
    }
    const timing = { stage: stage.name, applied: stage.objects.length, waitedFor: stage.waits.map((w) => w.name), ms: Math.round(performance.now() - started) };
    timings.push(timing);
    options.onStage?.(timing);
  }
  return timings;
}

/** Kinds whose spec the API server refuses to change in place, and how a replacement deletes them. */
const REPLACEABLE = {
  // its claims stay (a StatefulSet's PVCs outlive it); Foreground: the pods are gone before the new one starts
  StatefulSet: { apiVersion: 'apps/v1', propagation: 'Foreground' },
  // a Job's pod template is immutable: a new release's migration Job on a kept cluster (same name, new image)
  Job: { apiVersion: 'batch/v1', propagation: 'Background' },
} as const;
type Replaceable = keyof typeof REPLACEABLE;

/**
 * The object an apply was refused for because it changes an immutable field (HTTP 422 whose Status names the
 * object, with "field is immutable" or "updates to statefulset spec ... are forbidden"), read from the API server's
 * Status, not from the message text; undefined for any other error.
 */
export function immutableRefusal(error: unknown): { kind: Replaceable; name: string } | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const { code, body } = e as Error & { code?: unknown; body?: unknown };
    if (code !== 422 || typeof body !== 'string') continue;
    let status: { details?: { kind?: string; name?: string; causes?: { message?: string; field?: string }[] }; message?: string };
    try {
      status = JSON.parse(body) as typeof status;
    } catch {
      return undefined;
    }
    const kind = Object.keys(REPLACEABLE).find((k) => k.toLowerCase() === status.details?.kind?.toLowerCase()) as Replaceable | undefined;
    const said = [status.message ?? '', ...(status.details?.causes ?? []).map((c) => `${c.field ?? ''} ${c.message ?? ''}`)].join(' ');
    const immutable = /field is immutable|updates to statefulset spec for fields other than .* are forbidden/i.test(said);
    return kind && status.details?.name && immutable ? { kind, name: status.details.name } : undefined;
  }
  return undefined;
}

/**
 * Server-side applies the objects. An object of the definition whose immutable spec differs from the one in the
 * cluster (a kept cluster: a drill left the runbook's remediation, Loki on an emptyDir; or the next release's
 * migration Job, same name, new image) is deleted, waited gone and applied again, as `kubectl replace --force`
 * would; a StatefulSet's claims stay. Only StatefulSets and Jobs, only objects of this definition.
 */
export async function applyReplacingImmutable(client: KubeClient, objects: readonly KubeObject[], options: DeployOptions = {}): Promise<void> {
  const replaced = new Set<string>();
  const signal = options.signal ? { signal: options.signal } : {};
  for (;;) {
    try {
      await client.apply(objects, { signal: options.signal });
      return;
    } catch (error) {
      const refused = immutableRefusal(error);
      const target = refused ? objects.find((o) => o.kind === refused.kind && o.metadata.name === refused.name) : undefined;
      const key = target ? `${target.kind}/${target.metadata.namespace}/${target.metadata.name}` : '';
      if (!refused || !target || replaced.has(key)) throw error;
      replaced.add(key);
      const ns = target.metadata.namespace!;
      const { apiVersion, propagation } = REPLACEABLE[refused.kind];
      options.onReplace?.(`${refused.kind} ${ns}/${refused.name}: its immutable spec differs from the definition's (kept cluster); deleted and applied again`);
      await client.api.delete({ apiVersion, kind: refused.kind, namespace: ns, name: refused.name }, { ...signal, propagation });
      await client.waitFor(objectAbsent(apiVersion, refused.kind, ns, refused.name), { timeoutMs: 120_000, ...signal, hint: `kubectl -n ${ns} get ${refused.kind.toLowerCase()} ${refused.name}` });
    }
  }
}

export function deployStack(client: KubeClient, stack: StackOptions, options: DeployOptions = {}): Promise<StageTiming[]> {
  return deployStages(client, referenceStack(stack), options);
}
