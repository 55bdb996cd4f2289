// What the Kubernetes rollback scenarios need from a cluster running the Gravl stack, on top of GravlEnv: the
// faults of ROLLBACK.md's scenarios as data, watches that see the symptoms the runbook names, and the runbook's
// kubectl operations. The environment (suites/environments/gravl-kind.env.ts) implements it over the API.
import type { FaultSpec } from '../ports.ts';
import type { GravlEnv } from './gravl.env.ts';

export interface WatchResult {
  /** What the watch saw when it resolved, for the journal. */
  readonly detail: string;
  /** How many pods showed the symptom. */
  readonly pods: number;
}

export interface GravlKubeEnv extends GravlEnv {
  /** The application namespace (ROLLBACK.md's gravl-production). */
  readonly namespace: string;
  /** Backend replicas in the steady state (ROLLBACK.md scales back to 3). */
  readonly backendReplicas: number;
  /** The image running before the drill: what a rollback goes back to. */
  readonly previousBackendImage: string;
  /** A release of the backend that crashes at start. */
  readonly brokenBackendImage: string;

  /** Fault: a bad release of the backend is deployed (`kubectl set image` to the broken build). */
  badRelease(): FaultSpec;
  /** Fault: the app secret the backend reads at start is deleted. */
  secretDeleted(): FaultSpec;
  /** Fault: every backend pod is killed (the pods restart, as they do after any deploy or node loss). */
  backendPodsKilled(): FaultSpec;

  /** Resolves when at least `count` backend pods wait in one of `reasons` (CrashLoopBackOff...). */
  watchBackendWaiting(reasons: readonly string[], count: number, signal: AbortSignal): Promise<WatchResult>;
  /** Backend pods that are Ready right now. */
  readyBackendPods(signal: AbortSignal): Promise<number>;
  /** Backend pods waiting in CrashLoopBackOff right now. */
  crashLoopingBackendPods(signal: AbortSignal): Promise<number>;

  /** `kubectl scale deployment backend --replicas=N`; returns what was done. */
  scaleBackend(replicas: number, signal: AbortSignal): Promise<string>;
  /** `kubectl set image deployment/backend backend=IMAGE`. */
  setBackendImage(image: string, signal: AbortSignal): Promise<string>;
  /** `kubectl rollout status deployment/backend` (a watch until every replica is updated and available). */
  backendRolloutStatus(signal: AbortSignal): Promise<string>;
  /** `kubectl rollout restart deployment/backend` and wait for the rollout. */
  restartBackend(signal: AbortSignal): Promise<string>;
  /** Re-apply the app secret from its source of truth (the stack's sealed/managed definition). */
  restoreAppSecret(signal: AbortSignal): Promise<string>;
}
