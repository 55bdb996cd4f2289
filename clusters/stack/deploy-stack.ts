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

/**
 * Server-side applies the objects; a StatefulSet whose immutable spec differs from the one in the cluster (a kept
 * cluster where a drill left the runbook's remediation: Loki on an emptyDir, no claim template) is deleted, waited
 * gone and applied again, as `kubectl replace --force` would. Its claims stay; nothing else is replaced.
 */
export async function applyReplacingImmutable(client: KubeClient, objects: readonly KubeObject[], options: DeployOptions = {}): Promise<void> {
  try {
    await client.apply(objects, { signal: options.signal });
    return;
  } catch (error) {
    const text = `${(error as Error).message} ${((error as Error).cause as Error | undefined)?.message ?? ''}`;
    const name = /StatefulSet\.apps[^a-z0-9]*([a-z0-9][-a-z0-9.]*)[^a-z0-9]* is invalid: spec: Forbidden: updates to statefulset spec/.exec(text)?.[1];
    const target = name ? objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === name) : undefined;
    if (!target) throw error;
    const ns = target.metadata.namespace!;
    options.onReplace?.(`StatefulSet ${ns}/${name}: its immutable spec differs from the definition's (kept cluster); deleted and applied again`);
    await client.api.delete({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ns, name: name! }, { ...(options.signal ? { signal: options.signal } : {}), propagation: 'Foreground' });
    await client.waitFor(objectAbsent('apps/v1', 'StatefulSet', ns, name!), { timeoutMs: 120_000, ...(options.signal ? { signal: options.signal } : {}), hint: `kubectl -n ${ns} get statefulset ${name}` });
    await client.apply(objects, { signal: options.signal });
  }
}

export function deployStack(client: KubeClient, stack: StackOptions, options: DeployOptions = {}): Promise<StageTiming[]> {
  return deployStages(client, referenceStack(stack), options);
}
