// What every capability of the one-node kind environment works with: the API client, the stack's definition, the
// labels of the run (every Job it starts carries them) and the one-off Job runner.
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import type { KubeClient } from '../../clusters/kube/kube-client.ts';
import type { StackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import type { Labels } from '../../scenarios/ports.ts';

export interface KubeDrillDeps {
  readonly client: KubeClient;
  readonly stack: StackOptions;
  readonly runLabels: Labels;
  /** The backend on loopback (its NodePort published on 127.0.0.1). */
  readonly backendUrl: string;
}

/** Runs a Job to completion (in the app namespace unless it names one) and returns its pod's termination message. */
export function jobRunner(d: KubeDrillDeps): (job: KubeObject, signal: AbortSignal) => ReturnType<KubeClient['runJob']> {
  const ns = d.stack.namespaces.app;
  return (job, signal) => d.client.runJob({ ...job, metadata: { ...job.metadata, namespace: job.metadata.namespace ?? ns } }, { timeoutMs: 280_000, signal });
}

/** A short random suffix for one-off object names. */
export const suffix = (): string => randomBytes(3).toString('hex');
