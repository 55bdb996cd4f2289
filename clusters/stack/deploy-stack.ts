// Deploys the reference stack with the KubeClient: each stage server-side applied, then its named conditions
// awaited through watches. Returns per-stage timings (evidence for the journal and the bench).
import type { CallOptions } from '../../scenarios/ports.ts';
import type { KubeClient } from '../kube/kube-client.ts';
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
}

export async function deployStages(client: KubeClient, stages: readonly StackStage[], options: DeployOptions = {}): Promise<StageTiming[]> {
  const timings: StageTiming[] = [];
  for (const stage of stages) {
    const started = performance.now();
    await client.apply(stage.objects, { signal: options.signal });
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

export function deployStack(client: KubeClient, stack: StackOptions, options: DeployOptions = {}): Promise<StageTiming[]> {
  return deployStages(client, referenceStack(stack), options);
}
