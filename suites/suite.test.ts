// runSuite with fakes behind the domain's ports: what a suite does when it is interrupted, before and during its
// scenarios, and what it refuses before anything is touched.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineScenario, type ScenarioDefinition } from '../scenarios/define.ts';
import { exitCodeForError } from '../scenarios/decision.ts';
import { InterruptedError, InvalidInputError, ToolFailedError, UnsafeTargetError } from '../scenarios/errors.ts';
import type { Journal } from '../scenarios/journal.ts';
import { FakeClock } from '../scenarios/testing/fake-clock.ts';
import { FakeFaultInjector, FakeSystem, fakePorts, takes, type FakeEnv } from '../scenarios/testing/fake-system.ts';
import { loadConfig, parseConfig } from '../tools/config/config.ts';
import type { ReadinessResult } from './readiness/readiness.ts';
import { runSuite, type SuiteDefinition } from './suite.ts';

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

function world() {
  const clock = new FakeClock();
  const system = new FakeSystem();
  const injector = new FakeFaultInjector(system, clock);
  const outDir = mkdtempSync(join(tmpdir(), 'drillbook-suite-'));
  return { clock, system, injector, env: { system }, ports: fakePorts(clock, injector), config: parseConfig({ reports: { outDir } }), outDir };
}

const readinessPass: ReadinessResult = { id: 'backups', title: 'Backups', status: 'PASS', blocking: true, source: 'test', evidence: [], action: null };

describe('runSuite: interrupted', () => {
  it('a signal during the first scenario’s recovery: it ends interrupted, the rest are listed not-run, readiness not run, exit 130, no-go', async () => {
    const w = world();
    const interrupt = new AbortController();
    let readinessRan = false;
    const first = outage('first', {
      recover: [{ name: 'restart', timeoutMs: 60_000, run: takes(20_000, (ctx) => { ctx.env.system.healthy = true; interrupt.abort(new Error('SIGTERM')); }) }],
    });
    const suite: SuiteDefinition = {
      name: 'unit-suite',
      description: 'three outages',
      requires: [],
      scenarios: ['first', 'second', 'third'],
      prepare: async () => ({
        items: [first, outage('second'), outage('third')].map((scenario) => ({ scenario, env: w.env, ports: w.ports })),
        secrets: [],
        readiness: async () => {
          readinessRan = true;
          return [readinessPass];
        },
        [Symbol.asyncDispose]: async () => {},
      }),
    };
    const result = await runSuite(suite, { config: w.config, signal: interrupt.signal, runId: 'interrupted-1' });
    expect(result.exitCode).toBe(130);
    expect(result.report.decision).toBe('no-go');
    expect(result.journals.map((j) => [j.scenario.id, j.status, j.verdict])).toEqual([
      ['first', 'interrupted', 'inconclusive'],
      ['second', 'not-run', 'inconclusive'],
      ['third', 'not-run', 'inconclusive'],
    ]);
    expect(w.system.log).toEqual(['inject fault-1', 'revert fault-1']); // nothing of the second or third was touched
    expect(readinessRan).toBe(false);
    // listed in the suite result, the journals on disk and the report, not silently absent
    for (const id of ['first', 'second', 'third']) expect(existsSync(join(result.outDir, `${id}.journal.json`)), id).toBe(true);
    const second = JSON.parse(readFileSync(join(result.outDir, 'second.journal.json'), 'utf8')) as Journal;
    expect(second).toMatchObject({ status: 'not-run', phases: [], faults: [], error: { name: 'NotRun' } });
    expect(result.report.blockingFailures.map((f) => `${f.kind} ${f.id}: ${f.reason}`)).toEqual([
      'readiness readiness: not run',
      'scenario first: status interrupted',
      'scenario second: status not-run',
      'scenario third: status not-run',
    ]);
    const summary = readFileSync(result.written.markdown, 'utf8');
    expect(summary).toContain('NO-GO');
    expect(summary).toMatch(/outage second .*not-run/);
    expect(JSON.parse(readFileSync(result.written.json, 'utf8'))).toMatchObject({ exitCode: 130, interrupted: true });
  });

  it('a signal between two scenarios: the next ones are not run, exit 130 even though no journal says interrupted', async () => {
    const w = world();
    const interrupt = new AbortController();
    const suite: SuiteDefinition = {
      name: 'unit-suite',
      description: 'two outages',
      requires: [],
      scenarios: ['first', 'second'],
      prepare: async () => ({ items: [outage('first'), outage('second')].map((scenario) => ({ scenario, env: w.env, ports: w.ports })), secrets: [], [Symbol.asyncDispose]: async () => {} }),
    };
    const result = await runSuite(suite, {
      config: w.config,
      signal: interrupt.signal,
      onEvent: (e) => {
        if (e.type === 'scenario-end') interrupt.abort(new Error('SIGINT'));
      },
    });
    expect(result.journals.map((j) => j.status)).toEqual(['completed', 'not-run']);
    expect(result.exitCode).toBe(130);
    expect(result.report.decision).toBe('no-go');
  });

  it('a signal during start-up (prepare) is an interruption (exit 130), not a harness error (exit 2), whatever error prepare threw', async () => {
    const w = world();
    for (const failure of [(s: AbortSignal) => new InterruptedError('sleep interrupted', { cause: s.reason }), () => new ToolFailedError('kind', 'killed by SIGTERM')]) {
      const interrupt = new AbortController();
      const suite: SuiteDefinition = {
        name: 'unit-suite',
        description: 'slow start',
        requires: [],
        scenarios: [],
        prepare: async ({ signal }) => {
          interrupt.abort(new Error('SIGINT'));
          throw failure(signal);
        },
      };
      const error = await runSuite(suite, { config: w.config, signal: interrupt.signal }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InterruptedError);
      expect((error as Error).message).toContain('interrupted during start-up');
      expect(exitCodeForError(error)).toBe(130);
    }
    // without a signal, a failed start-up stays a harness error
    const broken: SuiteDefinition = { name: 'unit-suite', description: 'broken', requires: [], scenarios: [], prepare: async () => { throw new ToolFailedError('kind', 'exited with code 1'); } };
    expect(exitCodeForError(await runSuite(broken, { config: w.config }).catch((e: unknown) => e))).toBe(2);
  });
});

describe('runSuite: the safety gate, from the config file to the runner', () => {
  function gated(allowDestructive: string) {
    const w = world();
    const file = join(w.outDir, 'drillbook.yaml');
    writeFileSync(file, `reports:\n  outDir: ${w.outDir}\n${allowDestructive}`);
    const prod = fakePorts(w.clock, w.injector, { cluster: { name: 'prod', context: 'gke_prod', provider: 'existing', createdByDrillbook: false } });
    const suite: SuiteDefinition = {
      name: 'unit-suite',
      description: 'a harmless scenario on a target drillbook made, then a destructive one against an existing context',
      requires: [],
      scenarios: ['on-own-target', 'on-prod'],
      prepare: async () => ({
        items: [
          { scenario: outage('on-own-target'), env: w.env, ports: w.ports },
          { scenario: outage('on-prod'), env: w.env, ports: prod },
        ],
        secrets: [],
        [Symbol.asyncDispose]: async () => {},
      }),
    };
    return { ...w, file, suite };
  }

  it('refuses a destructive scenario against a context not in allowDestructive.contexts before any scenario runs, naming the key', async () => {
    const g = gated('');
    const error = await runSuite(g.suite, { config: loadConfig(g.file) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeTargetError);
    expect((error as Error).message).toContain("refusing to run destructive scenario 'on-prod' against context 'gke_prod'");
    expect((error as Error).message).toContain('allowDestructive.contexts');
    expect(exitCodeForError(error)).toBe(2);
    expect(g.injector.injected).toHaveLength(0); // not even the first (allowed) scenario ran
    expect(g.system.log).toEqual([]);
  });

  it('runs it once the context is listed by its exact name', async () => {
    const g = gated('allowDestructive:\n  contexts: [gke_prod]\n');
    const result = await runSuite(g.suite, { config: loadConfig(g.file) });
    expect(result.journals.map((j) => [j.scenario.id, j.status, j.verdict])).toEqual([
      ['on-own-target', 'completed', 'met'],
      ['on-prod', 'completed', 'met'],
    ]);
    expect(result.exitCode).toBe(0);
  });

  it('refuses a wildcard allow-list as config input, before any suite starts', () => {
    const g = gated('allowDestructive:\n  contexts: ["*"]\n');
    const error = (() => {
      try {
        loadConfig(g.file);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems).toEqual([expect.stringMatching(/^allowDestructive\.contexts\[0\] \(got "\*"\): wildcards are refused/)]);
  });
});

describe('runSuite: a described stack that lacks what a drill needs', () => {
  it('the drill is skipped with the reason (journal, report, event), nothing of it touched or preflighted, the rest run; no-go, exit 1', async () => {
    const w = world();
    const events: string[] = [];
    const backupDrill = outage('backup-drill', {
      runbookRef: 'BACKUP.md § 2',
      needs: ['database', 'backup'],
      // the environment cannot even say what this drill would break: it must not be asked
      inject: () => {
        throw new Error('no backup CronJob to describe');
      },
    });
    const suite: SuiteDefinition = {
      name: 'unit-suite',
      description: 'two outages on a stack without backup',
      requires: [],
      scenarios: ['crash', 'backup-drill'],
      prepare: async () => ({
        items: [outage('crash', { needs: ['backend'] }), backupDrill].map((scenario) => ({ scenario, env: w.env, ports: w.ports })),
        secrets: [],
        stack: { components: { backend: {}, database: {} } },
        [Symbol.asyncDispose]: async () => {},
      }),
    };
    const result = await runSuite(suite, { config: w.config, onEvent: (e) => e.type === 'log' && events.push(e.line) });
    const reason = 'stack has no backup component: add stack.components.backup to drill runbook BACKUP.md § 2';
    expect(result.journals.map((j) => [j.scenario.id, j.status, j.verdict])).toEqual([
      ['crash', 'completed', 'met'],
      ['backup-drill', 'skipped', 'inconclusive'],
    ]);
    expect(w.system.log).toEqual(['inject fault-1', 'revert fault-1']); // the crash only
    const onDisk = JSON.parse(readFileSync(join(result.outDir, 'backup-drill.journal.json'), 'utf8')) as Journal;
    expect(onDisk).toMatchObject({ status: 'skipped', phases: [], faults: [], error: { name: 'Skipped', message: reason, hint: expect.stringContaining('describe stack.components.backup') } });
    expect(events).toContain(`skipping backup-drill: ${reason}`);
    expect(result.report.blockingFailures).toEqual([{ kind: 'scenario', id: 'backup-drill', title: 'outage backup-drill', reason: 'skipped', action: reason }]);
    expect(result.exitCode).toBe(1);
    expect(readFileSync(result.written.markdown, 'utf8')).toContain(`**outage backup-drill**: skipped — ${reason}`);
  });

  it('without a stack description (the reference stack) nothing is skipped', async () => {
    const w = world();
    const suite: SuiteDefinition = {
      name: 'unit-suite',
      description: 'one outage',
      requires: [],
      scenarios: ['backup-drill'],
      prepare: async () => ({ items: [{ scenario: outage('backup-drill', { needs: ['backup'] }), env: w.env, ports: w.ports }], secrets: [], [Symbol.asyncDispose]: async () => {} }),
    };
    const result = await runSuite(suite, { config: w.config });
    expect(result.journals.map((j) => j.status)).toEqual(['completed']);
    expect(result.exitCode).toBe(0);
  });
});
