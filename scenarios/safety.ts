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
}

export const NO_EXTRA_TARGETS: DestructivePolicy = { contexts: [] };

/**
 * Problems with an allow-list, each naming the entry. A wildcard would let every context through, the production
 * one included: the gate would be defeated, so it is refused rather than read literally.
 */
export function allowListProblems(contexts: readonly string[], key = ALLOW_DESTRUCTIVE_KEY): string[] {
  const problems: string[] = [];
  contexts.forEach((c, i) => {
    if (/[*?[\]]/.test(c)) problems.push(`${key}[${i}] (got ${showValue(c)}): wildcards are refused (they would let destructive scenarios touch any cluster); list each context by its exact name`);
    else if (c.trim() !== c || c === '') problems.push(`${key}[${i}] (got ${showValue(c)}): a context name without surrounding spaces`);
  });
  return problems;
}

/** Why the target is allowed, or null when it is not. */
export function destructiveAllowance(target: ClusterTarget | undefined, policy: DestructivePolicy): string | null {
  if (!target) return null;
  if (target.createdByDrillbook) return `${target.provider} target '${target.name}' was created by drillbook`;
  if (allowListProblems(policy.contexts).length === 0 && policy.contexts.includes(target.context)) return `context '${target.context}' is in ${ALLOW_DESTRUCTIVE_KEY}`;
  return null;
}

/** Throws UnsafeTargetError, naming the config key to set, unless the scenario may run against the target. */
export function assertDestructiveAllowed(scenario: { readonly id: string; readonly destructive: boolean }, target: ClusterTarget | undefined, policy: DestructivePolicy): void {
  if (!scenario.destructive || destructiveAllowance(target, policy) !== null) return;
  const what = target ? `context '${target.context}' (${target.provider})` : 'no cluster target';
  throw new UnsafeTargetError(`refusing to run destructive scenario '${scenario.id}' against ${what}: drillbook did not create it and it is not in ${ALLOW_DESTRUCTIVE_KEY}; nothing was touched`, {
    hint: target
      ? `only if you own this cluster and may break it: add it to drillbook.yaml as\n    allowDestructive:\n      contexts: [${JSON.stringify(target.context)}]\n  (exact names; wildcards are refused), or run against a kind cluster drillbook creates`
      : 'the suite must give the scenario a target (a kind cluster drillbook creates, or an allow-listed context)',
  });
}
