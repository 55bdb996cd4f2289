// runSuite with ordered groups of (environment, scenarios), with fakes behind the ports: one environment at a time,
// each prepared when its first scenario is next and disposed after its last (on success, on failure, on abort); a
// group whose environment cannot be prepared lists its scenarios as not-run with the reason, never GO.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineScenario, type ScenarioDefinition } from '../scenarios/define.ts';
import { exitCodeFor } from '../scenarios/decision.ts';
import { DrillbookError, ToolFailedError } from '../scenarios/errors.ts';
import type { Journal } from '../scenarios/journal.ts';
import { FakeClock } from '../scenarios/testing/fake-clock.ts';
import { FakeFaultInjector, FakeSystem, fakePorts, takes, type FakeEnv } from '../scenarios/testing/fake-system.ts';
import { parseConfig } from '../tools/config/config.ts';
import { checkSuiteRun, groupScenarioIds, runSuite, type SuiteDefinition, type SuiteGroup } from './suite.ts';

beforeEach(() => {
  vi.stubEnv('DRILLBOOK_ACTIVE_RUNS', mkdtempSync(join(tmpdir(), 'drillbook-active-')));
});
afterEach(() => {
  vi.unstubAllEnvs();
});

function outage(id: string, over: Partial<ScenarioDefinition<FakeEnv>> = {}) {
  return defineScenario<FakeEnv>({
    id,
    title: `outage ${id}`,
    destructive: true,
    objectives: { rtoSeconds: 900 },
    steadyState: [{ name: 'service healthy', tolerance: { equals: true }, measure: async (ctx) => ctx.env.system.healthy }],
    inject: () => [{ kind: 'break-service' }],
    detect: { name: 'service unhealthy', timeoutMs: 30_000, check: async (ctx) => ({ detected: !ctx.env.system.healthy, value: ctx.env.system.healthy }) },
    recover: [{ name: 'restart', timeoutMs: 60_000, run: takes(20_000, (ctx) => { ctx.env.system.healthy = true; }) }],
    ...over,
  });
}

/** A fake environment per group: what happened, in order, across the whole run. */
function harness() {
  const events: string[] = [];
  const live = new Set<string>();
  const outDir = mkdtempSync(join(tmpdir(), 'drillbook-groups-'));
  const config = parseConfig({ reports: { outDir } });
  function group(name: string, scenarios: ReturnType<typeof outage>[], behaviour: { failPrepare?: Error; failDispose?: Error; onPrepare?: () => void } = {}): SuiteGroup {
    return {
      name,
      scenarios,
      prepare: async () => {
        events.push(`prepare ${name}`);
        // two environments at once is what the grouping exists to prevent
        if (live.size) throw new Error(`${name} prepared while ${[...live].join(', ')} still up`);
        behaviour.onPrepare?.();
        if (behaviour.failPrepare) throw behaviour.failPrepare;
        live.add(name);
        const clock = new FakeClock();
        const system = new FakeSystem();
        const ports = fakePorts(clock, new FakeFaultInjector(system, clock));
        const recorded = scenarios.map((scenario) => ({
          scenario: defineScenario<FakeEnv>({
            ...(({ __validated: _, ...def }) => def)(scenario),
            recover: [{ name: 'restart', timeoutMs: 60_000, run: async (ctx) => { events.push(`run ${scenario.id}`); await scenario.recover[0]!.run(ctx); } }],
          }),
          env: { system },
          ports,
        }));
        return {
          items: recorded,
          secrets: [`secret-of-${name}`],
          [Symbol.asyncDispose]: async () => {
            events.push(`dispose ${name}`);
            live.delete(name);
            if (behaviour.failDispose) throw behaviour.failDispose;
          },
        };
      },
    };
  }
  const suite = (groups: SuiteGroup[]): SuiteDefinition => ({ name: 'grouped', description: 'groups', requires: [], scenarios: groupScenarioIds(groups), groups });
  return { events, live, config, group, suite, outDir };
}

const statuses = (journals: readonly Journal[]) => journals.map((j) => [j.scenario.id, j.status, j.verdict]);

describe('runSuite: groups of (environment, scenarios)', () => {
  it('prepares each environment when its first scenario is next and disposes it after its last, one at a time, in order', async () => {
    const h = harness();
    const result = await runSuite(h.suite([h.group('one-node', [outage('a1'), outage('a2')]), h.group('regions', [outage('b1')])]), { config: h.config });
    expect(h.events).toEqual(['prepare one-node', 'run a1', 'run a2', 'dispose one-node', 'prepare regions', 'run b1', 'dispose regions']);
    expect(statuses(result.journals)).toEqual([
      ['a1', 'completed', 'met'],
      ['a2', 'completed', 'met'],
      ['b1', 'completed', 'met'],
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.report.decision).toBe('go');
    expect(result.environments.map((e) => [e.name, e.status, e.scenarios, typeof e.setupMs, typeof e.disposeMs])).toEqual([
      ['one-node', 'ready', ['a1', 'a2'], 'number', 'number'],
      ['regions', 'ready', ['b1'], 'number', 'number'],
    ]);
    // every environment's secrets stay redacted after it is gone
    expect(readFileSync(result.written.json, 'utf8')).not.toContain('secret-of-');
  });

  it('a group whose environment cannot be prepared: its scenarios are not-run with the reason (never GO), the next group still runs', async () => {
    const h = harness();
    const result = await runSuite(
      h.suite([h.group('one-node', [outage('a1')]), h.group('pitr', [outage('p1'), outage('p2')], { failPrepare: new ToolFailedError('docker', 'exited with code 125: port is already allocated') }), h.group('regions', [outage('b1')])]),
      { config: h.config },
    );
    expect(h.events).toEqual(['prepare one-node', 'run a1', 'dispose one-node', 'prepare pitr', 'prepare regions', 'run b1', 'dispose regions']);
    expect(statuses(result.journals)).toEqual([
      ['a1', 'completed', 'met'],
      ['p1', 'not-run', 'inconclusive'],
      ['p2', 'not-run', 'inconclusive'],
      ['b1', 'completed', 'met'],
    ]);
    const p1 = result.journals[1]!;
    expect(p1.error?.message).toMatch(/environment pitr could not be prepared: .*port is already allocated/);
    expect(p1.error?.hint).toBe('run it again: drillbook run grouped --only p1');
    expect(existsSync(join(result.outDir, 'p2.journal.json'))).toBe(true);
    expect(result.report.decision).toBe('no-go');
    // the harness could not carry the run out: exit 2, not an interruption (130) nor a plain no-go (1)
    expect(result.exitCode).toBe(2);
    expect(result.report.harnessErrors).toEqual([expect.stringContaining('p1 not run: environment pitr could not be prepared'), expect.stringContaining('p2 not run')]);
    // `drillbook report` judges the journals alone the same way
    expect(exitCodeFor(result.journals)).toBe(2);
    expect(exitCodeFor(result.journals.filter((j) => j.status === 'completed'))).toBe(0);
    expect(result.environments.find((e) => e.name === 'pitr')).toMatchObject({ status: 'failed', scenarios: ['p1', 'p2'], error: expect.stringContaining('port is already allocated') });
    expect(readFileSync(result.written.markdown, 'utf8')).toMatch(/outage p1 .*not-run/);
  });

  it('disposes the environment when its scenarios fail, and when they cannot run on it (preflight refuses a fault)', async () => {
    const h = harness();
    const failing = outage('a1', { recover: [{ name: 'restart', timeoutMs: 60_000, run: takes(1_000, () => { throw new Error('kubectl: connection refused'); }) }], verifyTimeoutMs: 1_000 });
    const unrunnable = outage('b1', { inject: () => [{ kind: 'no-such-fault' }] });
    const result = await runSuite(h.suite([h.group('one-node', [failing]), h.group('regions', [unrunnable]), h.group('last', [outage('c1')])]), { config: h.config });
    expect(h.events).toEqual(['prepare one-node', 'run a1', 'dispose one-node', 'prepare regions', 'dispose regions', 'prepare last', 'run c1', 'dispose last']);
    expect(statuses(result.journals)).toEqual([
      ['a1', 'completed', 'not-met'],
      ['b1', 'not-run', 'inconclusive'],
      ['c1', 'completed', 'met'],
    ]);
    expect(result.journals[1]!.error?.message).toMatch(/environment regions was prepared but its scenarios cannot run on it: .*no-such-fault/s);
    expect(h.live.size).toBe(0);
    expect(result.exitCode).toBe(2);
  });

  it('an abort during a scenario: its environment is disposed, the later ones are never prepared and their scenarios are not-run, exit 130', async () => {
    const h = harness();
    const interrupt = new AbortController();
    const aborting = outage('a1', { recover: [{ name: 'restart', timeoutMs: 60_000, run: takes(20_000, (ctx) => { ctx.env.system.healthy = true; interrupt.abort(new Error('SIGTERM')); }) }] });
    const result = await runSuite(h.suite([h.group('one-node', [aborting, outage('a2')]), h.group('regions', [outage('b1'), outage('b2')])]), { config: h.config, signal: interrupt.signal });
    expect(h.events).toEqual(['prepare one-node', 'run a1', 'dispose one-node']);
    expect(statuses(result.journals)).toEqual([
      ['a1', 'interrupted', 'inconclusive'],
      ['a2', 'not-run', 'inconclusive'],
      ['b1', 'not-run', 'inconclusive'],
      ['b2', 'not-run', 'inconclusive'],
    ]);
    expect(result.journals[2]!.error?.message).toContain('interrupted before environment regions was prepared');
    expect(result.environments.map((e) => [e.name, e.status])).toEqual([
      ['one-node', 'ready'],
      ['regions', 'not-started'],
    ]);
    expect(result.exitCode).toBe(130);
    expect(result.report.decision).toBe('no-go');
  });

  it('an abort while an environment is being prepared: its scenarios and the later ones are not-run, exit 130', async () => {
    const h = harness();
    const interrupt = new AbortController();
    const result = await runSuite(
      h.suite([h.group('one-node', [outage('a1')]), h.group('regions', [outage('b1')], { onPrepare: () => interrupt.abort(new Error('SIGINT')), failPrepare: new ToolFailedError('kind', 'killed by SIGINT') }), h.group('last', [outage('c1')])]),
      { config: h.config, signal: interrupt.signal },
    );
    expect(h.events).toEqual(['prepare one-node', 'run a1', 'dispose one-node', 'prepare regions']);
    expect(statuses(result.journals).map(([id, status]) => `${id} ${status}`)).toEqual(['a1 completed', 'b1 not-run', 'c1 not-run']);
    expect(result.journals[1]!.error?.message).toContain('interrupted while environment regions was being prepared');
    expect(result.exitCode).toBe(130);
  });

  it('a teardown that fails: no later environment starts (never two at once), their scenarios are not-run, and the run ends in a harness error after the reports', async () => {
    const h = harness();
    const suite = h.suite([h.group('one-node', [outage('a1')], { failDispose: new ToolFailedError('kind', 'delete cluster: exited with code 1') }), h.group('regions', [outage('b1')])]);
    const error = await runSuite(suite, { config: h.config, runId: 'teardown-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DrillbookError);
    expect((error as Error).message).toMatch(/environment one-node: its teardown failed: .*delete cluster/);
    expect(h.events).toEqual(['prepare one-node', 'run a1', 'dispose one-node']);
    const b1 = JSON.parse(readFileSync(join(h.outDir, 'runs', 'teardown-1', 'b1.journal.json'), 'utf8')) as Journal;
    expect(b1.status).toBe('not-run');
    expect(b1.error?.message).toContain('environment one-node could not be torn down');
  });

  it('--only prepares just the groups it selects', async () => {
    const h = harness();
    const result = await runSuite(h.suite([h.group('one-node', [outage('a1')]), h.group('regions', [outage('b1'), outage('b2')])]), { config: h.config, only: ['b2'] });
    expect(h.events).toEqual(['prepare regions', 'run b2', 'dispose regions']);
    expect(statuses(result.journals)).toEqual([['b2', 'completed', 'met']]);
    expect(result.environments.map((e) => [e.name, e.scenarios])).toEqual([['regions', ['b2']]]);
  });

  it('refuses a grouped suite whose groups and declared scenarios disagree, before anything starts', () => {
    const h = harness();
    const groups = [h.group('one-node', [outage('a1')]), h.group('regions', [outage('a1'), outage('b1')])];
    expect(() => checkSuiteRun({ name: 'grouped', scenarios: ['a1', 'b1', 'c1'], groups }, undefined)).toThrow(/in a group, undeclared: -; declared, in no group: c1; in two groups: a1/);
    expect(h.events).toEqual([]);
  });
});
