// What the Loki storage drill (BLOCKING_ISSUES_REMEDIATION.md § Issue #1) needs from a cluster running the Gravl
// stack's logging tier: the fault (Loki asks for a StorageClass the cluster lacks), what the remediation does
// (edit the StatefulSet's volumeClaimTemplates, delete the PVC and the pod), what actually works, and a check that
// logs flow from a pod through the shipper into Loki and back out of a query.
import type { FaultSpec } from '../ports.ts';
import type { WatchResult } from './gravl-kube.env.ts';

export type LokiStorage = { readonly emptyDir: true } | { readonly storageClass: string };

export interface LokiStorageState {
  /** 'emptyDir', or the PVC's StorageClass and phase. */
  readonly volume: 'emptyDir' | 'pvc';
  readonly storageClass?: string;
  readonly phase?: string;
}

export interface GravlLoggingEnv {
  readonly loggingNamespace: string;
  /** The class the seeds' Loki asks for and the cluster does not have. */
  readonly missingStorageClass: string;
  /** The class the cluster provides (the remediation's option B). */
  readonly workingStorageClass: string;

  /** Fault: Loki is deployed asking for `missingStorageClass`. */
  lokiStorageMismatch(): FaultSpec;
  /** Resolves when the Loki pod cannot be scheduled, with the scheduler's reason. */
  watchLokiUnschedulable(signal: AbortSignal): Promise<WatchResult>;
  /** The Loki StatefulSet has every replica Ready. */
  lokiReady(signal: AbortSignal): Promise<boolean>;
  /** Where Loki keeps its data right now. */
  lokiStorage(signal: AbortSignal): Promise<LokiStorageState>;
  /** Phase and waiting reasons of the Loki pods (the remediation's `kubectl get pods -n gravl-logging`). */
  lokiPods(signal: AbortSignal): Promise<string>;
  /** `kubectl get storageclass`. */
  storageClasses(signal: AbortSignal): Promise<string[]>;
  /** The remediation's `kubectl edit`/`patch statefulset loki` of its storage, as written: what the API answered. */
  editLokiStorageInPlace(storage: LokiStorage, signal: AbortSignal): Promise<{ readonly accepted: boolean; readonly message: string }>;
  /** What works: delete the StatefulSet and its PVC, re-create it from the stack's definition on `storage`, wait Ready. */
  recreateLoki(storage: LokiStorage, signal: AbortSignal): Promise<string>;
  /** A line a pod writes now is shipped to Loki and comes back from a LogQL query; how long that took. */
  logsFlow(signal: AbortSignal): Promise<{ readonly lines: number; readonly ms: number }>;
}
