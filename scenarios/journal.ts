// The journal: what happened in one scenario run, and how it measured up. It is the only thing reports read.
// Times are monotonic milliseconds relative to the run's start (`startedAtWall` anchors them to the calendar).

import type { DataProbeReport, FaultSpec, LoadResult } from './ports.ts';

export const JOURNAL_SCHEMA_VERSION = 1;

/** A run id names folders (runs/<runId>, history/<runId>): letters, digits, '.', '_' and '-', 1-128 of them. */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && RUN_ID.test(value);
}

export type EvidenceKind = 'text' | 'json' | 'command' | 'metric' | 'manifest' | 'log';

export interface Evidence {
  readonly kind: EvidenceKind;
  readonly label: string;
  readonly value: unknown;
  /** ms since run start; filled in by the runner when omitted */
  readonly atMs?: number;
}

export type StepStatus = 'passed' | 'failed' | 'errored' | 'skipped' | 'interrupted';

export interface ErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly hint?: string;
}

export interface StepRecord {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly status: StepStatus;
  readonly timeoutMs?: number;
  readonly evidence: readonly Evidence[];
  readonly error?: ErrorRecord;
}

export const PHASES = ['steady-state-before', 'inject', 'detect', 'recover', 'verify', 'revert'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface PhaseRecord {
  readonly name: PhaseName;
  readonly startMs: number;
  readonly endMs: number;
  readonly status: StepStatus;
  readonly steps: readonly StepRecord[];
  readonly error?: ErrorRecord;
}

export interface FaultRecord {
  readonly id: string;
  readonly spec: FaultSpec;
  readonly injectedAtMs: number;
  readonly revertedAtMs?: number;
  readonly revertError?: ErrorRecord;
}

/** Something the run learned about the runbook itself (a step that cannot work as written, say). */
export interface Finding {
  readonly severity: 'info' | 'warning' | 'runbook-defect';
  readonly title: string;
  readonly detail: string;
  readonly runbookRef?: string;
}

/** The runbook sections a run followed, as they read on that run (scenarios/runbook.ts). */
export interface RunbookRecord {
  readonly ref: string;
  /** Fingerprint of the sections as they read on this run; null when the ref did not resolve. */
  readonly fingerprint: string | null;
  /** The fingerprint the scenario was reviewed against, if it declares one. */
  readonly reviewedFingerprint: string | null;
  readonly sections: readonly { readonly document: string; readonly headings: readonly string[]; readonly lines: string }[];
}

export type RtoSource = 'data-probe' | 'load' | 'verify';

export interface Measurements {
  /** Fault injected -> fault detected. */
  readonly detectionMs: number | null;
  /** The RTO the objective is judged on, and where it came from. */
  readonly rto: { readonly valueMs: number; readonly source: RtoSource } | null;
  /** Every RTO we could compute, by source. */
  readonly rtoCandidates: Partial<Record<RtoSource, number>>;
  /** Span of acknowledged writes that were lost, and their count. Null without a data probe. */
  readonly rpo: { readonly valueMs: number; readonly lostWrites: number; readonly acknowledgedWrites: number } | null;
}

export type ObjectiveName = 'rto' | 'rpo' | 'detection' | 'load';

export interface ObjectiveResult {
  readonly name: ObjectiveName;
  /** Human form, e.g. 'RTO < 900 s' */
  readonly statement: string;
  readonly limit: number | null;
  readonly measured: number | null;
  readonly unit: 'ms' | 'bool';
  /** null: could not be measured (counts as not met). */
  readonly met: boolean | null;
  readonly reason: string;
}

/**
 * Did the run itself work? `completed` means every phase ran; anything else is not a verdict on the system.
 * `aborted`: the steady state did not hold, nothing was injected. `failed`: a harness error. `interrupted`: a
 * signal arrived during the run (recovery and revert ran). `not-run`: the suite was interrupted before it started.
 * `skipped`: the stack lacks what the drill needs (scenarios/plan.ts); nothing was injected, and it is not a pass.
 */
export type RunStatus = 'completed' | 'aborted' | 'failed' | 'interrupted' | 'not-run' | 'skipped';
/** Did the system meet its objectives? */
export type Verdict = 'met' | 'not-met' | 'inconclusive';

export interface Journal {
  readonly schemaVersion: typeof JOURNAL_SCHEMA_VERSION;
  readonly runId: string;
  readonly suite?: string;
  readonly scenario: {
    readonly id: string;
    readonly title: string;
    readonly runbookRef?: string;
    readonly tags: readonly string[];
    readonly destructive: boolean;
  };
  readonly target?: { readonly name: string; readonly context: string; readonly provider: string };
  readonly startedAtWall: string;
  readonly durationMs: number;
  readonly status: RunStatus;
  /** Steady state did not hold (before injection, or after recovery). */
  readonly deviated: boolean;
  readonly verdict: Verdict;
  readonly phases: readonly PhaseRecord[];
  readonly faults: readonly FaultRecord[];
  readonly measurements: Measurements;
  readonly objectives: readonly ObjectiveResult[];
  readonly load?: LoadResult;
  readonly data?: DataProbeReport;
  readonly findings: readonly Finding[];
  /** The runbook sections behind `scenario.runbookRef` and their fingerprint on this run. */
  readonly runbook?: RunbookRecord;
  readonly error?: ErrorRecord;
}

/** The prefix the runner puts on a verify probe's step name from its second attempt on: `[attempt 2] <probe>`. */
export function attemptPrefix(attempt: number): string {
  return attempt > 1 ? `[attempt ${attempt}] ` : '';
}

/**
 * The step of a phase named `name`, whichever verify attempt recorded it (the last one wins: verify keeps only
 * the attempt that settled). Throws, listing the phase's steps, when there is none: a journal without the step
 * is a finding about the scenario, not an undefined to trip over.
 */
export function findStep(journal: Pick<Journal, 'scenario' | 'phases'>, phase: PhaseName, name: string): StepRecord {
  const steps = journal.phases.find((p) => p.name === phase)?.steps ?? [];
  const hit = [...steps].reverse().find((s) => s.name.replace(/^\[attempt \d+\] /, '') === name);
  if (hit) return hit;
  const names = steps.map((s) => JSON.stringify(s.name)).join(', ') || 'none';
  throw new Error(`${journal.scenario.id}: no step ${JSON.stringify(name)} in phase ${phase} (its steps: ${names})`);
}

/** The exit-code contract lives with the go/no-go decision; re-exported for readers of journals. */
export { exitCodeFor } from './decision.ts';

// Redaction lives in redaction.ts; re-exported here because journals and reports reach for it through the journal.
export { redact, Redactor, REDACTED } from './redaction.ts';
