import { describe, expect, it } from 'vitest';
import { UnsafeTargetError } from './errors.ts';
import type { ClusterTarget } from './ports.ts';
import { allowListProblems, assertDestructiveAllowed, destructiveAllowance } from './safety.ts';

const prod: ClusterTarget = { name: 'prod', context: 'gke_prod_europe', provider: 'existing', createdByDrillbook: false };
const ownKind: ClusterTarget = { name: 'drillbook-drills', context: 'kind-drillbook-drills', provider: 'kind', createdByDrillbook: true };
const foreignKind: ClusterTarget = { name: 'someone', context: 'kind-someone', provider: 'kind', createdByDrillbook: false };
const destructive = { id: 'backend-crash', destructive: true };

describe('the safety gate', () => {
  it('allows a target drillbook created (a kind cluster, the run’s own processes or containers) without any allow-list', () => {
    expect(destructiveAllowance(ownKind, { contexts: [] })).toContain('created by drillbook');
    expect(() => assertDestructiveAllowed(destructive, ownKind, { contexts: [] })).not.toThrow();
  });

  it('refuses any other context unless it is listed by its exact name', () => {
    expect(destructiveAllowance(prod, { contexts: [] })).toBeNull();
    expect(destructiveAllowance(foreignKind, { contexts: ['kind-some'] })).toBeNull();
    expect(destructiveAllowance(prod, { contexts: ['gke_prod_europe'] })).toContain('allowDestructive.contexts');
  });

  it('never honours a wildcard, even one that reached it without the config’s validation', () => {
    expect(allowListProblems(['*'])[0]).toContain('wildcards are refused');
    expect(destructiveAllowance(prod, { contexts: ['*'] })).toBeNull();
    expect(destructiveAllowance(prod, { contexts: ['gke_prod_europe', '*'] })).toBeNull();
  });

  it('refuses with a message that names the context and the config key to set', () => {
    const error = (() => {
      try {
        assertDestructiveAllowed(destructive, prod, { contexts: [] });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UnsafeTargetError);
    expect((error as UnsafeTargetError).message).toContain("context 'gke_prod_europe' (existing)");
    expect((error as UnsafeTargetError).message).toContain('allowDestructive.contexts');
    expect((error as UnsafeTargetError).hint).toContain('contexts: ["gke_prod_europe"]');
  });

  it('lets a non-destructive scenario run anywhere, and refuses a destructive one without a target', () => {
    expect(() => assertDestructiveAllowed({ id: 'read-only', destructive: false }, prod, { contexts: [] })).not.toThrow();
    expect(() => assertDestructiveAllowed(destructive, undefined, { contexts: [] })).toThrow(/against no cluster target/);
  });
});

describe('a stack someone else deployed (target with namespaces)', () => {
  const staging: ClusterTarget = { name: 'staging', context: 'staging', provider: 'existing', createdByDrillbook: false, namespaces: ['gravl-staging'] };
  const drill = { id: 'secret-missing', destructive: true };

  it('is allowed only when every namespace is listed for its context; the context alone is not enough', () => {
    expect(destructiveAllowance(staging, { contexts: ['staging'] })).toBeNull();
    expect(destructiveAllowance(staging, { contexts: ['staging'], namespaces: { staging: ['other'] } })).toBeNull();
    expect(destructiveAllowance(staging, { contexts: ['prod'], namespaces: { prod: ['gravl-staging'] } })).toBeNull();
    expect(destructiveAllowance(staging, { contexts: ['staging'], namespaces: { staging: ['gravl-staging'] } })).toContain('gravl-staging');
  });

  it('the refusal names the context, the namespace and the config lines to add', () => {
    const error = (() => {
      try {
        assertDestructiveAllowed(drill, staging, { contexts: ['staging'] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsafeTargetError);
    expect((error as UnsafeTargetError).message).toBe(
      "refusing destructive drills in namespace gravl-staging of context 'staging': drillbook did not deploy this stack and allowDestructive.contexts does not allow it for this context (the context is listed, but without namespaces); nothing was touched",
    );
    expect((error as UnsafeTargetError).hint).toContain('"staging":\n          namespaces: ["gravl-staging"]');
  });

  it('a wildcard among the map keys allows nothing', () => {
    expect(destructiveAllowance(staging, { contexts: ['staging', '*'], namespaces: { staging: ['gravl-staging'], '*': ['x'] } })).toBeNull();
  });
});
