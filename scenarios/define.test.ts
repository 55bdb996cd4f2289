import { describe, expect, it } from 'vitest';
import { defineScenario, validateScenario, withinTolerance, type ScenarioDefinition } from './define.ts';
import { InvalidInputError } from './errors.ts';

const valid: ScenarioDefinition = {
  id: 'pod-crash-rollback',
  title: 'Pod crash after deploy',
  destructive: true,
  objectives: { rtoSeconds: 900 },
  steadyState: [{ name: 'ready pods', tolerance: { min: 3 }, measure: async () => 3 }],
  inject: () => [{ kind: 'pod-kill' }],
  detect: { name: 'crashloop', timeoutMs: 1000, check: async () => ({ detected: true, value: 1 }) },
  recover: [{ name: 'rollback', timeoutMs: 1000, run: async () => {} }],
};

describe('defineScenario', () => {
  it('accepts a complete declaration and freezes it', () => {
    const s = defineScenario(valid);
    expect(s.__validated).toBe(true);
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('lists every problem at once, each naming the field and what is allowed', () => {
    const bad = {
      ...valid,
      id: 'Pod Crash',
      objectives: { rtoSeconds: -5, rpoSeconds: 300 },
      steadyState: [{ name: 'x', tolerance: { min: 5, max: 1 }, measure: async () => 1 }],
      detect: { name: 'd', timeoutMs: 0, check: async () => ({ detected: true, value: 1 }), watch: async () => 1 },
      recover: [
        { name: 'a', timeoutMs: 1, run: async () => {} },
        { name: 'a', timeoutMs: 0, run: async () => {} },
      ],
    } as unknown as ScenarioDefinition;
    let error: unknown;
    try {
      defineScenario(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const problems = (error as InvalidInputError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        "id: 'Pod Crash' must be kebab-case (a-z, 0-9, '-')",
        'objectives.rtoSeconds: -5 must be a positive number of seconds',
        expect.stringContaining('objectives.rpoSeconds: an RPO can only be measured from real writes'),
        'steadyState[0].tolerance: min 5 is above max 1',
        'detect.timeoutMs: 0 must be a positive number',
        'detect: give exactly one of check() (polled) or watch() (resolves on detection)',
        "recover[1].name: 'a' is used twice; step names must be unique",
        'recover[1].timeoutMs: every runbook step needs a positive timeout',
      ]),
    );
    expect((error as Error).message).toContain("scenario 'Pod Crash' is invalid");
    expect((error as InvalidInputError).hint).toContain('nothing was run');
  });

  it('requires a hypothesis and a recovery', () => {
    const p = validateScenario({ ...valid, steadyState: [], recover: [] });
    expect(p).toContain('steadyState: declare at least one probe; without a hypothesis there is nothing to verify');
    expect(p).toContain('recover: declare the runbook steps; a scenario without recovery would leave the fault in place');
  });

  it('rejects unknown tolerance forms', () => {
    const p = validateScenario({ ...valid, steadyState: [{ name: 'p', tolerance: { below: 3 } as never, measure: async () => 1 }] });
    expect(p[0]).toMatch(/steadyState\[0\]\.tolerance: unknown form \{"below":3\}/);
  });

  it('refuses a need no stack description can have, listing the known ones', () => {
    expect(validateScenario({ ...valid, needs: ['backend', 'backups' as never] })).toEqual([expect.stringMatching(/^needs: 'backups' is not something a stack can have; known: backend, database, .*backup,/)]);
    expect(validateScenario({ ...valid, needs: ['backend', 'backup'] })).toEqual([]);
  });

  it("ties RTO sources to the probes that measure them", () => {
    expect(validateScenario({ ...valid, objectives: { rtoSource: 'data-probe' } })).toContain("objectives.rtoSource: 'data-probe' needs dataProbe: true");
    expect(validateScenario({ ...valid, objectives: { rtoSource: 'load' } })[0]).toContain("'load' needs a load profile");
  });
});

describe('withinTolerance', () => {
  it.each([
    [200, { equals: 200 }, true],
    [503, { equals: 200 }, false],
    ['Bound', { oneOf: ['Bound', 'Pending'] }, true],
    ['Lost', { oneOf: ['Bound'] }, false],
    [3, { min: 3 }, true],
    [2, { min: 3 }, false],
    [0.0009, { max: 0.001 }, true],
    [0.002, { max: 0.001 }, false],
    ['3', { min: 3 }, false],
    [Number.NaN, { max: 1 }, false],
  ] as const)('%s within %j -> %s', (value, tolerance, ok) => {
    expect(withinTolerance(value, tolerance).ok).toBe(ok);
  });

  it('explains itself', () => {
    expect(withinTolerance(2, { min: 3 }).reason).toBe('2 < min 3');
    expect(withinTolerance('x', { min: 3 }).reason).toBe('"x" is not a number');
  });
});
