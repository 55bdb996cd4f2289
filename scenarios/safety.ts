// The safety gate for destructive scenarios: the one place that decides whether a scenario may break a target.
// Drivers report who the target is (its context, and whether drillbook created it); the config says which other
// contexts the user lets drillbook break. The runner asks here before anything is touched; nothing else decides.
import { showValue } from './input.ts';
import { UnsafeTargetError } from './errors.ts';
import type { ClusterTarget } from './ports.ts';

/** The config key (drillbook.yaml) that lists the contexts destructive scenarios may touch. */
export const ALLOW_DESTRUCTIVE_KEY = 'allowDestructive.contexts';

export interface DestructivePolicy {
  /** Exact kubeconfig context names the user owns and lets drillbook break. No wildcards. */
  readonly contexts: readonly string[];
  /**
   * Per context, the namespaces whose objects drillbook may break although it did not create them (a stack someone
   * else deployed). A target that names its namespaces is allowed only when every one is listed here.
   */
  readonly namespaces?: Readonly<Record<string, readonly string[]>>;
}

export const NO_EXTRA_TARGETS: DestructivePolicy = { contexts: [] };

/**
 * Problems with an allow-list, each naming the entry. A wildcard would let every context through, the production
 * one included: the gate would be defeated, so it is refused rather than read literally.
 */
export function allowListProblems(contexts: readonly string[], key = ALLOW_DESTRUCTIVE_KEY, keyed = false): string[] {
  const problems: string[] = [];
  contexts.forEach((c, i) => {
    const at = keyed ? `${key}.${showValue(c)}` : `${key}[${i}] (got ${showValue(c)})`;
    if (/[*?[\]]/.test(c)) problems.push(`${at}: wildcards are refused (they would let destructive scenarios touch any cluster); list each context by its exact name`);
    else if (c.trim() !== c || c === '') problems.push(`${at}: a context name without surrounding spaces`);
  });
  return problems;
}

/** Why the target is allowed, or null when it is not. */
export function destructiveAllowance(target: ClusterTarget | undefined, policy: DestructivePolicy): string | null {
  if (!target) return null;
  if (target.createdByDrillbook) return `${target.provider} target '${target.name}' was created by drillbook`;
  if (target.namespaces !== undefined) return namespacesRefusal(target.context, target.namespaces, policy) === null ? `namespaces ${target.namespaces.join(', ')} of context '${target.context}' are in ${ALLOW_DESTRUCTIVE_KEY}` : null;
  if (allowListProblems(policy.contexts).length === 0 && policy.contexts.includes(target.context)) return `context '${target.context}' is in ${ALLOW_DESTRUCTIVE_KEY}`;
  return null;
}

/**
 * Why drillbook may not break these namespaces of a context it did not create (a stack someone else deployed), with
 * the config lines that would allow it; null when every one is allowed. Asked before anything is touched.
 */
export function namespacesRefusal(context: string, namespaces: readonly string[], policy: DestructivePolicy): { message: string; hint: string } | null {
  if (allowListProblems(policy.contexts).length > 0 || allowListProblems(Object.keys(policy.namespaces ?? {})).length > 0) {
    return { message: `the allow-list in ${ALLOW_DESTRUCTIVE_KEY} has a wildcard; nothing is allowed until it is fixed`, hint: 'list each context by its exact name' };
  }
  const allowed = policy.namespaces?.[context] ?? [];
  const missing = namespaces.filter((n) => !allowed.includes(n));
  if (missing.length === 0 && namespaces.length > 0) return null;
  const listed = allowed.length ? `; allowed there today: ${allowed.join(', ')}` : policy.contexts.includes(context) ? ' (the context is listed, but without namespaces)' : '';
  return {
    message: `refusing destructive drills in namespace${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of context '${context}': drillbook did not deploy this stack and ${ALLOW_DESTRUCTIVE_KEY} does not allow ${missing.length === 1 ? 'it' : 'them'} for this context${listed}; nothing was touched`,
    hint: `only if you own this stack and may break it: add to drillbook.yaml\n    allowDestructive:\n      contexts:\n        ${JSON.stringify(context)}:\n          namespaces: [${[...new Set([...allowed, ...missing])].map((n) => JSON.stringify(n)).join(', ')}]\n  (exact names; wildcards are refused)`,
  };
}

/** Throws UnsafeTargetError naming the context, the namespaces and the config lines to add, unless all are allowed. */
export function assertNamespacesAllowed(context: string, namespaces: readonly string[], policy: DestructivePolicy): void {
  const refusal = namespacesRefusal(context, namespaces, policy);
  if (refusal) throw new UnsafeTargetError(refusal.message, { hint: refusal.hint });
}

/** Throws UnsafeTargetError, naming the config key to set, unless the scenario may run against the target. */
export function assertDestructiveAllowed(scenario: { readonly id: string; readonly destructive: boolean }, target: ClusterTarget | undefined, policy: DestructivePolicy): void {
  if (!scenario.destructive || destructiveAllowance(target, policy) !== null) return;
  if (target?.namespaces !== undefined && !target.createdByDrillbook) assertNamespacesAllowed(target.context, target.namespaces, policy);
  const what = target ? `context '${target.context}' (${target.provider})` : 'no cluster target';
  throw new UnsafeTargetError(`refusing to run destructive scenario '${scenario.id}' against ${what}: drillbook did not create it and it is not in ${ALLOW_DESTRUCTIVE_KEY}; nothing was touched`, {
    hint: target
      ? `only if you own this cluster and may break it: add it to drillbook.yaml as\n    allowDestructive:\n      contexts: [${JSON.stringify(target.context)}]\n  (exact names; wildcards are refused), or run against a kind cluster drillbook creates`
      : 'the suite must give the scenario a target (a kind cluster drillbook creates, or an allow-listed context)',
  });
}
