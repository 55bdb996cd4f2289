// Which drills a stack can run. A scenario declares what it needs from the stack (`needs: ['backend', 'backup']`);
// a stack description (drillbook.yaml's `stack:`, tools/config/stack-description.ts) says what the stack has.
// planAgainst() splits a suite's scenarios into those it can run and those it skips, each skip with the reason and
// what to add to the description. A skipped drill is never dropped and never a pass: the suite writes a `skipped`
// journal for it, and the go/no-go decision counts it as not done (scenarios/decision.ts).
//
// The domain knows only the shape it reads (StackFacts): the config's StackDescription fits it structurally.

/** What a scenario can need from a described stack. */
export const STACK_NEEDS = [
  'backend',
  'database',
  'migration',
  'logging',
  'alerting',
  'tlsEdge',
  'backup',
  /** The Secret the backend reads at start. */
  'backend.appSecret',
  /** The data-probe contract (implied by dataProbe: true). */
  'probe',
  /** The team's k6 script (implied by a background load). */
  'load',
  'releases.next',
  'releases.broken',
] as const;
export type StackNeed = (typeof STACK_NEEDS)[number];

/** The parts of a stack description the plan reads; absent `components` means drillbook's own reference stack. */
export interface StackFacts {
  readonly components?: {
    readonly backend?: { readonly appSecret?: string } | undefined;
    readonly database?: unknown;
    readonly migration?: unknown;
    readonly logging?: unknown;
    readonly alerting?: unknown;
    readonly tlsEdge?: unknown;
    readonly backup?: unknown;
  };
  readonly probe?: unknown;
  readonly load?: unknown;
  readonly releases?: { readonly next?: unknown; readonly broken?: unknown };
}

/** What the plan reads from a scenario. */
export interface PlannedScenario {
  readonly id: string;
  readonly runbookRef?: string;
  readonly needs?: readonly StackNeed[];
  readonly dataProbe?: boolean;
  readonly load?: unknown;
}

export interface SkippedScenario<S> {
  readonly scenario: S;
  /** What the stack lacks, in STACK_NEEDS order. */
  readonly missing: readonly StackNeed[];
  /** One sentence: what is missing and what to add to drill which runbook. */
  readonly reason: string;
}

export interface Plan<S> {
  readonly runnable: readonly S[];
  readonly skipped: readonly SkippedScenario<S>[];
}

/** Every need of a scenario: the declared ones, plus the probe contract for a data probe and a k6 script for a load. */
export function needsOf(scenario: PlannedScenario): StackNeed[] {
  const needs = new Set<StackNeed>(scenario.needs ?? []);
  if (scenario.dataProbe) needs.add('probe');
  if (scenario.load) needs.add('load');
  return STACK_NEEDS.filter((n) => needs.has(n));
}

const WHAT: Record<StackNeed, { lacks: string; field: string }> = {
  backend: { lacks: 'no backend component', field: 'stack.components.backend' },
  database: { lacks: 'no database component', field: 'stack.components.database' },
  migration: { lacks: 'no migration component', field: 'stack.components.migration' },
  logging: { lacks: 'no logging component', field: 'stack.components.logging' },
  alerting: { lacks: 'no alerting component', field: 'stack.components.alerting' },
  tlsEdge: { lacks: 'no tlsEdge component', field: 'stack.components.tlsEdge' },
  backup: { lacks: 'no backup component', field: 'stack.components.backup' },
  'backend.appSecret': { lacks: 'no app secret on its backend', field: 'stack.components.backend.appSecret' },
  probe: { lacks: 'no data-probe contract', field: 'stack.probe' },
  load: { lacks: 'no k6 script', field: 'stack.load.script' },
  'releases.next': { lacks: 'no next release', field: 'stack.releases.next' },
  'releases.broken': { lacks: 'no broken release', field: 'stack.releases.broken' },
};

/** Where in drillbook.yaml a need is described, e.g. 'stack.components.backup'. */
export function descriptionField(need: StackNeed): string {
  return WHAT[need].field;
}

function has(stack: StackFacts, need: StackNeed): boolean {
  const c = stack.components ?? {};
  switch (need) {
    case 'backend.appSecret':
      return typeof c.backend?.appSecret === 'string' && c.backend.appSecret !== '';
    case 'probe':
      return stack.probe !== undefined;
    case 'load':
      return stack.load !== undefined;
    case 'releases.next':
      return stack.releases?.next !== undefined;
    case 'releases.broken':
      return stack.releases?.broken !== undefined;
    default:
      return c[need] !== undefined;
  }
}

const and = (items: readonly string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

/**
 * Splits `scenarios` into those the stack can run and those it cannot, in their order. Without a description
 * (no `components`) the stack is drillbook's own reference stack, which has everything: all are runnable.
 */
export function planAgainst<S extends PlannedScenario>(stack: StackFacts | undefined, scenarios: readonly S[]): Plan<S> {
  if (!stack?.components) return { runnable: [...scenarios], skipped: [] };
  const runnable: S[] = [];
  const skipped: SkippedScenario<S>[] = [];
  for (const scenario of scenarios) {
    const missing = needsOf(scenario).filter((n) => !has(stack, n));
    if (missing.length === 0) {
      runnable.push(scenario);
      continue;
    }
    const drill = scenario.runbookRef ? `runbook ${scenario.runbookRef}` : `scenario ${scenario.id}`;
    const reason = `stack has ${and(missing.map((n) => WHAT[n].lacks))}: add ${and(missing.map((n) => WHAT[n].field))} to drill ${drill}`;
    skipped.push({ scenario, missing, reason });
  }
  return { runnable, skipped };
}
