// Scenarios are declared, not scripted: steady-state hypothesis -> inject -> detect -> recover -> verify,
// with objectives. defineScenario() validates the declaration up front, so a bad scenario fails before anything
// touches a cluster.
import { InvalidInputError } from './errors.ts';
import type { Finding, RtoSource } from './journal.ts';
import { STACK_NEEDS, type StackNeed } from './plan.ts';
import type { Clock, FaultSpec, InjectedFault, Labels, LoadProfile, Ports } from './ports.ts';

export type Scalar = string | number | boolean;

/** What a probe's value must be for the steady state to hold. */
export type Tolerance =
  | { readonly equals: Scalar }
  | { readonly oneOf: readonly Scalar[] }
  | { readonly min?: number; readonly max?: number };

export interface ScenarioContext<Env> {
  readonly env: Env;
  readonly ports: Ports;
  readonly clock: Clock;
  readonly runId: string;
  readonly scenarioId: string;
  /** Put these on every object you create. */
  readonly labels: Labels;
  /** Aborts on interruption or when the step's timeout expires. Pass it to every slow call. */
  readonly signal: AbortSignal;
  /** Faults injected so far in this run. */
  readonly faults: readonly InjectedFault[];
  /** Attach evidence to the current step. */
  evidence(label: string, value: unknown, kind?: 'text' | 'json' | 'command' | 'metric' | 'manifest' | 'log'): void;
  /** Record something learned about the runbook itself. */
  finding(finding: Finding): void;
  /** Register a secret value: it is redacted from the journal and every report. */
  secret(value: string): void;
}

export interface Probe<Env> {
  readonly name: string;
  readonly tolerance: Tolerance;
  /** Per-measurement timeout (default 10 s). */
  readonly timeoutMs?: number;
  measure(ctx: ScenarioContext<Env>): Promise<unknown>;
}

export interface RunbookStep<Env> {
  readonly name: string;
  readonly timeoutMs: number;
  /** Where this step comes from, e.g. 'ROLLBACK.md § Scenario 1, step 2' */
  readonly runbookRef?: string;
  run(ctx: ScenarioContext<Env>): Promise<void>;
}

/** How the run notices the fault: poll `check`, or await `watch` (a watch resolves the moment it sees it). */
export type Detector<Env> = {
  readonly name: string;
  readonly timeoutMs: number;
} & (
  | { readonly intervalMs?: number; check(ctx: ScenarioContext<Env>): Promise<{ detected: boolean; value: unknown }>; watch?: never }
  | { watch(ctx: ScenarioContext<Env>): Promise<unknown>; check?: never; intervalMs?: never }
);

export interface Objectives {
  readonly rtoSeconds?: number;
  readonly rpoSeconds?: number;
  readonly detectionSeconds?: number;
  /** Which RTO the objective is judged on; default: data-probe, else load, else verify. */
  readonly rtoSource?: RtoSource;
  /** The background load's thresholds must hold over the whole run (default false: faults break them). */
  readonly loadThresholdsHold?: boolean;
}

export interface ScenarioDefinition<Env = Record<string, unknown>> {
  /** kebab-case, unique in the catalogue */
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly runbookRef?: string;
  /**
   * The fingerprint of the runbook sections `runbookRef` names, as they read when this drill was last reviewed
   * (print the current ones with `npm run runbooks`). A run whose sections read differently reports the finding
   * 'runbook changed since this drill was written' (scenarios/runbook.ts).
   */
  readonly runbookFingerprint?: string;
  readonly tags?: readonly string[];
  /** Breaks things on the target: only allowed on allow-listed contexts. */
  readonly destructive: boolean;
  /**
   * What the drill needs from a described stack (scenarios/plan.ts): on a stack without one of them it is skipped,
   * with the reason, instead of run. A data probe implies 'probe', a background load 'load'. Leave out for a drill
   * that brings its own environment (a local process, its own containers).
   */
  readonly needs?: readonly StackNeed[];
  readonly objectives: Objectives;
  readonly steadyState: readonly Probe<Env>[];
  /**
   * What the change process does before the change, once the steady state holds (e.g. the pre-deploy backup a
   * rollback restores). Timed like runbook steps, in the steady-state phase; if one fails nothing is injected.
   */
  readonly setup?: readonly RunbookStep<Env>[];
  /** The faults, as data; computed from the environment (namespaces, names) before anything runs. */
  readonly inject: (env: Env) => readonly FaultSpec[];
  readonly detect: Detector<Env>;
  readonly recover: readonly RunbookStep<Env>[];
  /** Default: the steady-state probes again. */
  readonly verify?: readonly Probe<Env>[];
  /** How long verification may poll until the probes are back in tolerance (default 60 s). */
  readonly verifyTimeoutMs?: number;
  /** Seconds of steady load and writes recorded before the fault, as a baseline in the evidence (default 0). */
  readonly baselineSeconds?: number;
  /** Seconds to keep observing after verification, so the series shows the recovery holding (default 0). */
  readonly observeSeconds?: number;
  /** Background load during the run (needs a LoadGenerator port). */
  readonly load?: (env: Env) => LoadProfile;
  /** Run the data probe during the run (needs a DataProbe port); required for an RPO objective. */
  readonly dataProbe?: boolean;
}

export type Scenario<Env = Record<string, unknown>> = ScenarioDefinition<Env> & { readonly __validated: true };

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Validates a declaration and returns it frozen. Throws InvalidInputError listing every problem. */
export function defineScenario<Env = Record<string, unknown>>(def: ScenarioDefinition<Env>): Scenario<Env> {
  const problems = validateScenario(def);
  if (problems.length > 0) {
    throw new InvalidInputError(`scenario '${String(def?.id)}'`, problems, {
      hint: 'fix the scenario declaration; nothing was run',
    });
  }
  return Object.freeze({ ...def, __validated: true as const });
}

export function validateScenario<Env>(def: ScenarioDefinition<Env>): string[] {
  const p: string[] = [];
  if (typeof def !== 'object' || def === null) return ['a scenario must be an object'];
  if (typeof def.id !== 'string' || !ID.test(def.id)) p.push(`id: '${String(def.id)}' must be kebab-case (a-z, 0-9, '-')`);
  if (typeof def.title !== 'string' || def.title.trim() === '') p.push('title: must be a non-empty string');
  if (typeof def.destructive !== 'boolean') p.push('destructive: must be true or false (does it break the target?)');
  if (def.runbookFingerprint !== undefined) {
    if (!def.runbookRef) p.push('runbookFingerprint: set without a runbookRef (the fingerprint is of the sections runbookRef names)');
    if (!/^sha256:[0-9a-f]{16}$/.test(def.runbookFingerprint)) p.push(`runbookFingerprint: '${def.runbookFingerprint}' must look like 'sha256:' + 16 hex digits (print the current ones with npm run runbooks)`);
  }
  if (def.needs !== undefined) {
    if (!Array.isArray(def.needs)) p.push(`needs: must be a list of ${STACK_NEEDS.join(', ')}`);
    else {
      for (const n of def.needs) if (!(STACK_NEEDS as readonly string[]).includes(n)) p.push(`needs: '${String(n)}' is not something a stack can have; known: ${STACK_NEEDS.join(', ')}`);
    }
  }
  const o = def.objectives ?? {};
  for (const key of ['rtoSeconds', 'rpoSeconds', 'detectionSeconds'] as const) {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
      p.push(`objectives.${key}: ${String(v)} must be a positive number of seconds`);
    }
  }
  if (o.rpoSeconds !== undefined && !def.dataProbe) {
    p.push('objectives.rpoSeconds: an RPO can only be measured from real writes; set dataProbe: true or remove the RPO objective');
  }
  if (o.rtoSource === 'data-probe' && !def.dataProbe) p.push("objectives.rtoSource: 'data-probe' needs dataProbe: true");
  if (o.rtoSource === 'load' && !def.load) p.push("objectives.rtoSource: 'load' needs a load profile (load: env => profile)");
  if (o.loadThresholdsHold && !def.load) p.push('objectives.loadThresholdsHold: needs a load profile');
  if (!Array.isArray(def.steadyState) || def.steadyState.length === 0) {
    p.push('steadyState: declare at least one probe; without a hypothesis there is nothing to verify');
  } else {
    def.steadyState.forEach((probe, i) => p.push(...validateProbe(probe, `steadyState[${i}]`)));
  }
  (def.verify ?? []).forEach((probe, i) => p.push(...validateProbe(probe, `verify[${i}]`)));
  if (typeof def.inject !== 'function') p.push('inject: must be a function (env) => FaultSpec[]');
  const d = def.detect;
  if (!d || typeof d.name !== 'string') p.push('detect: needs a name and either check() or watch()');
  else {
    if (!(typeof d.timeoutMs === 'number' && d.timeoutMs > 0)) p.push(`detect.timeoutMs: ${String(d.timeoutMs)} must be a positive number`);
    const hasCheck = typeof d.check === 'function';
    const hasWatch = typeof d.watch === 'function';
    if (hasCheck === hasWatch) p.push('detect: give exactly one of check() (polled) or watch() (resolves on detection)');
  }
  if (!Array.isArray(def.recover) || def.recover.length === 0) {
    p.push('recover: declare the runbook steps; a scenario without recovery would leave the fault in place');
  } else {
    p.push(...validateSteps(def.recover, 'recover'));
  }
  if (def.setup !== undefined) {
    if (!Array.isArray(def.setup)) p.push('setup: must be a list of steps');
    else p.push(...validateSteps(def.setup, 'setup'));
  }
  if (def.verifyTimeoutMs !== undefined && !(def.verifyTimeoutMs > 0)) p.push('verifyTimeoutMs: must be positive');
  for (const key of ['baselineSeconds', 'observeSeconds'] as const) {
    const v = def[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 3600)) p.push(`${key}: ${String(v)} must be between 0 and 3600 seconds`);
  }
  return p;
}

function validateSteps<Env>(steps: readonly RunbookStep<Env>[], at: string): string[] {
  const p: string[] = [];
  const seen = new Set<string>();
  steps.forEach((step, i) => {
    if (typeof step?.name !== 'string' || step.name === '') p.push(`${at}[${i}].name: must be a non-empty string`);
    else if (seen.has(step.name)) p.push(`${at}[${i}].name: '${step.name}' is used twice; step names must be unique`);
    else seen.add(step.name);
    if (!(typeof step?.timeoutMs === 'number' && step.timeoutMs > 0)) p.push(`${at}[${i}].timeoutMs: every runbook step needs a positive timeout`);
    if (typeof step?.run !== 'function') p.push(`${at}[${i}].run: must be a function`);
  });
  return p;
}

function validateProbe<Env>(probe: Probe<Env>, at: string): string[] {
  const p: string[] = [];
  if (typeof probe?.name !== 'string' || probe.name === '') p.push(`${at}.name: must be a non-empty string`);
  if (typeof probe?.measure !== 'function') p.push(`${at}.measure: must be a function`);
  const t = probe?.tolerance as Record<string, unknown> | undefined;
  if (!t || typeof t !== 'object') {
    p.push(`${at}.tolerance: required, one of { equals }, { oneOf: [...] } or { min?, max? }`);
    return p;
  }
  const keys = Object.keys(t);
  if ('equals' in t) {
    if (keys.length !== 1) p.push(`${at}.tolerance: { equals } takes no other field (got ${keys.join(', ')})`);
  } else if ('oneOf' in t) {
    if (!Array.isArray(t.oneOf) || t.oneOf.length === 0) p.push(`${at}.tolerance.oneOf: must be a non-empty list`);
  } else if ('min' in t || 'max' in t) {
    for (const k of ['min', 'max'] as const) {
      if (k in t && !(typeof t[k] === 'number' && Number.isFinite(t[k]))) p.push(`${at}.tolerance.${k}: ${String(t[k])} must be a finite number`);
    }
    if (typeof t.min === 'number' && typeof t.max === 'number' && t.min > t.max) p.push(`${at}.tolerance: min ${t.min} is above max ${t.max}`);
    const extra = keys.filter((k) => k !== 'min' && k !== 'max');
    if (extra.length) p.push(`${at}.tolerance: unknown field(s) ${extra.join(', ')}`);
  } else {
    p.push(`${at}.tolerance: unknown form ${JSON.stringify(t)}; use { equals }, { oneOf: [...] } or { min?, max? }`);
  }
  return p;
}

/** Does `value` sit within `tolerance`? Returns a reason either way, for the journal. */
export function withinTolerance(value: unknown, tolerance: Tolerance): { ok: boolean; reason: string } {
  if ('equals' in tolerance) {
    const ok = value === tolerance.equals;
    return { ok, reason: `${fmt(value)} ${ok ? '=' : '≠'} ${fmt(tolerance.equals)}` };
  }
  if ('oneOf' in tolerance) {
    const ok = tolerance.oneOf.includes(value as Scalar);
    return { ok, reason: `${fmt(value)} ${ok ? 'in' : 'not in'} [${tolerance.oneOf.map(fmt).join(', ')}]` };
  }
  if (typeof value !== 'number' || Number.isNaN(value)) return { ok: false, reason: `${fmt(value)} is not a number` };
  const { min, max } = tolerance;
  if (min !== undefined && value < min) return { ok: false, reason: `${value} < min ${min}` };
  if (max !== undefined && value > max) return { ok: false, reason: `${value} > max ${max}` };
  return { ok: true, reason: `${value} within [${min ?? '-∞'}, ${max ?? '∞'}]` };
}

function fmt(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
