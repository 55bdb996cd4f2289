import { describe, expect, it } from 'vitest';
import { defineScenario } from './define.ts';
import { InvalidInputError } from './errors.ts';
import { parseJournal } from './journal.schema.ts';
import { runScenario, skippedJournal } from './runner.ts';
import { FakeClock } from './testing/fake-clock.ts';
import { FakeFaultInjector, FakeSystem, fakePorts, takes, type FakeEnv } from './testing/fake-system.ts';

async function aJournal() {
  const clock = new FakeClock();
  const system = new FakeSystem();
  const scenario = defineScenario<FakeEnv>({
    id: 'outage',
    title: 'outage',
    destructive: true,
    objectives: { rtoSeconds: 900 },
    steadyState: [{ name: 'healthy', tolerance: { equals: true }, measure: async (ctx) => ctx.env.system.healthy }],
    inject: () => [{ kind: 'break-service' }],
    detect: { name: 'down', timeoutMs: 10_000, check: async (ctx) => ({ detected: !ctx.env.system.healthy, value: 1 }) },
    recover: [{ name: 'fix', timeoutMs: 60_000, run: takes(1_000, (ctx) => (ctx.env.system.healthy = true)) }],
  });
  return JSON.parse(JSON.stringify(await runScenario(scenario, { ports: fakePorts(clock, new FakeFaultInjector(system, clock)), env: { system }, runId: 'r-1', suite: 'selftest' })));
}

const problems = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e;
    throw e;
  }
  throw new Error('expected InvalidInputError');
};

describe('journal schema', () => {
  it('accepts what the runner writes', async () => {
    const j = await aJournal();
    expect(parseJournal(j, 'a.journal.json').scenario.id).toBe('outage');
  });

  it('accepts the journal of a drill skipped for what the stack lacks (drillbook report reads it back)', () => {
    const scenario = defineScenario<FakeEnv>({
      id: 'backup-drill',
      title: 'backup drill',
      destructive: true,
      needs: ['backup'],
      objectives: { rtoSeconds: 900 },
      steadyState: [{ name: 'healthy', tolerance: { equals: true }, measure: async () => true }],
      inject: () => [],
      detect: { name: 'down', timeoutMs: 10_000, check: async () => ({ detected: true, value: 1 }) },
      recover: [{ name: 'fix', timeoutMs: 60_000, run: async () => {} }],
    });
    const j = JSON.parse(JSON.stringify(skippedJournal(scenario, { runId: 'r-1', wallNowMs: 0, reason: 'stack has no backup component' })));
    expect(parseJournal(j, 'backup-drill.journal.json')).toMatchObject({ status: 'skipped', verdict: 'inconclusive', error: { name: 'Skipped', message: 'stack has no backup component' } });
  });

  it('a missing runId is refused (RUN_ID.test(undefined) tested the string "undefined")', async () => {
    const { runId: _, ...j } = await aJournal();
    const e = problems(() => parseJournal(j, 'runs/x/outage.journal.json'));
    expect(e.message).toContain('journal runs/x/outage.journal.json is invalid');
    expect(e.problems).toEqual([expect.stringMatching(/^runId \(missing\): /)]);
  });

  it('names each mistyped or missing field, with the value cut short', async () => {
    const j = await aJournal();
    j.status = 'done';
    j.measurements.detectionMs = 'fast';
    j.phases[0].steps[0].name = 'x'.repeat(10_000);
    j.phases[0].steps[0].startMs = null;
    delete j.scenario.title;
    j.runId = '../../etc';
    const e = problems(() => parseJournal(j, 'j.json'));
    expect(e.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^status \(got "done"\): must be one of "completed"/),
        expect.stringMatching(/^measurements\.detectionMs \(got "fast"\)/),
        expect.stringMatching(/^phases\.0\.steps\.0\.startMs \(got null\)/),
        expect.stringMatching(/^scenario\.title \(missing\)/),
        expect.stringMatching(/^runId \(got "\.\.\/\.\.\/etc"\)/),
      ]),
    );
    expect(e.message.length).toBeLessThan(2_000);
  });

  it('refuses what is not a journal at all', () => {
    for (const raw of [null, [], 'text', 42, { schemaVersion: 2 }]) expect(() => parseJournal(raw, 'f')).toThrow(InvalidInputError);
  });
});
