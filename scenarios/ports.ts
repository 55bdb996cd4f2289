// The domain's ports. The scenario engine talks to the outside world only through these; drivers in
// tools/ and clusters/ implement them, unit tests use the in-memory fakes in scenarios/testing/.
// Time convention: every `...Ms` instant handed to the domain is monotonic milliseconds on the run's Clock.

import type { Evidence } from './journal.ts';

export interface Clock {
  /** Monotonic milliseconds (never goes backwards; origin arbitrary). */
  now(): number;
  /** Wall-clock epoch milliseconds; only for anchoring evidence, never for durations. */
  wallNow(): number;
  /** Resolves after `ms`; rejects with InterruptedError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Labels every object the harness creates carries, so `drillbook gc` can find leftovers. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  runId: 'drillbook.io/run-id',
  scenario: 'drillbook.io/scenario',
} as const;
export const MANAGED_BY = 'drillbook';
export type Labels = Readonly<Record<string, string>>;

export interface CallOptions {
  signal?: AbortSignal;
}

// ---------------------------------------------------------------- faults

/** A fault is declared as data; the injector that `supports` its kind interprets it. */
export interface FaultSpec {
  /** e.g. 'pod-kill', 'secret-delete', 'node-stop', 'chaos-mesh', 'process-kill' */
  readonly kind: string;
  /**
   * Which engine breaks it, when the harness has more than one for a kind (e.g. 'chaos-mesh' for a pod-kill done by
   * Chaos Mesh); absent: the harness-native injector. Adapters type the rest of the fields (tools/faults/).
   */
  readonly engine?: string;
  readonly [field: string]: unknown;
}

export interface InjectedFault {
  readonly id: string;
  readonly spec: FaultSpec;
  /** What was done (manifest applied, object saved for restore...). */
  readonly evidence: readonly Evidence[];
  /** Undo the fault. Idempotent: safe to call after the runbook already repaired things, and twice. */
  revert(options?: CallOptions): Promise<readonly Evidence[]>;
}

export interface FaultInjector {
  readonly name: string;
  /** Problems with the spec, each saying what to fix; empty when fine. Called before anything is injected. */
  validate(spec: FaultSpec): string[];
  inject(spec: FaultSpec, options: CallOptions & { labels: Labels }): Promise<InjectedFault>;
}

// ---------------------------------------------------------------- load

export interface Thresholds {
  /** p95 latency must stay below this (ms). Seeds: 200. */
  p95Ms: number;
  /** p99 latency must stay below this (ms). Seeds: 500. */
  p99Ms: number;
  /** Share of failed requests, 0..1. Seeds: 0.001 (0.1 %). */
  errorRate: number;
  /** Minimum throughput (requests/s) over the whole run, if set. Seeds: 100. */
  minRps?: number;
}

export interface LoadProfile {
  /** 'smoke' | 'signoff' | 'background' or a custom script name */
  readonly name: string;
  /** Base URL; must be loopback or an address the run created. */
  readonly target: string;
  readonly vus: number;
  readonly durationSeconds: number;
  readonly thresholds: Thresholds;
}

/** One second (or window) of load as users saw it. */
export interface LoadSample {
  /** Window start, monotonic ms on the run's clock. */
  readonly atMs: number;
  readonly requests: number;
  readonly errors: number;
  /** null when the window had no completed request. */
  readonly p95Ms: number | null;
}

export interface ThresholdResult {
  /** e.g. 'p95<200ms' */
  readonly name: string;
  readonly limit: number;
  readonly actual: number | null;
  readonly ok: boolean;
}

export interface LoadResult {
  readonly profile: string;
  readonly requests: number;
  readonly errorRate: number;
  readonly rps: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly thresholds: readonly ThresholdResult[];
  /** All thresholds held. A failed threshold is a verdict, not a harness error. */
  readonly passed: boolean;
  readonly series: readonly LoadSample[];
  /** What the generator had to do that the team should know (an operator that stalled, say): warnings in the journal. */
  readonly warnings?: readonly string[];
}

export interface RunningLoad {
  readonly profile: LoadProfile;
  /** Ends the load early (or waits for its bounded end) and returns the parsed result. */
  stop(options?: CallOptions): Promise<LoadResult>;
}

export interface LoadGenerator {
  /** Problems with the profile (target not loopback, unbounded duration...). */
  validate(profile: LoadProfile): string[];
  start(profile: LoadProfile, options: CallOptions & { labels: Labels }): Promise<RunningLoad>;
}

// ---------------------------------------------------------------- data

/** One acknowledged write the probe remembers. */
export interface AckedWrite {
  readonly seq: number;
  /** When the write was acknowledged (committed), monotonic ms. */
  readonly ackAtMs: number;
  /** Read back after recovery? */
  readonly survived: boolean;
}

export interface DataProbeReport {
  readonly writesAttempted: number;
  readonly writes: readonly AckedWrite[];
  /** Every failed operation window, monotonic ms. */
  readonly outages: readonly { readonly fromMs: number; readonly toMs: number }[];
  /** First moment after which writes and reads kept succeeding, or null if they never did. */
  readonly recoveredAtMs: number | null;
}

export interface RunningDataProbe {
  /** Stops writing, reads back what survived, returns the report. */
  stop(options?: CallOptions): Promise<DataProbeReport>;
}

export interface DataProbe {
  start(options: CallOptions & { labels: Labels }): Promise<RunningDataProbe>;
}

// ---------------------------------------------------------------- cluster

/** The cluster the scenario runs against. Richer operations live on `client`, typed by the driver. */
export interface ClusterTarget {
  readonly name: string;
  /** kubeconfig context */
  readonly context: string;
  readonly provider: 'kind' | 'existing' | 'local' | 'docker';
  /**
   * Identity, not permission: drillbook created this target (a kind cluster named drillbook-*, processes or
   * containers the run started). Whether a destructive scenario may run is decided by scenarios/safety.ts from
   * this and the config's allow-list.
   */
  readonly createdByDrillbook: boolean;
  /**
   * The namespaces a destructive scenario would break, when the target is a stack someone else deployed (provider
   * 'existing'): each must be on the config's allow-list for this context, since its objects carry no drillbook labels.
   */
  readonly namespaces?: readonly string[];
}

export interface Ports {
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly cluster?: ClusterTarget;
  readonly load?: LoadGenerator;
  readonly data?: DataProbe;
}
