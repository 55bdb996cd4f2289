// A scenario the environment cannot run is reported as skipped with its reason: a skipped journal (never a pass,
// never silently dropped), NO-GO with exit 1, not an interruption (130); nothing of it is checked or injected.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineScenario } from '../scenarios/define.ts';
import { FakeClock } from '../scenarios/testing/fake-clock.ts';
import { FakeFaultInjector, FakeSystem, fakePorts, type FakeEnv } from '../scenarios/testing/fake-system.ts';
import { parseConfig } from '../tools/config/config.ts';
import { runSuite, type SuiteDefinition } from './suite.ts';

beforeEach(() => vi.stubEnv('DRILLBOOK_ACTIVE_RUNS', mkdtempSync(join(tmpdir(), 'drillbook-active-'))));
afterEach(() => vi.unstubAllEnvs());

describe('a skipped scenario', () => {
  it('gets a skipped journal with the reason, the suite is NO-GO with exit 1, and nothing was injected', async () => {
    const clock = new FakeClock();
    const system = new FakeSystem();
    const injector = new FakeFaultInjector(system, clock);
    const needsImage = defineScenario<FakeEnv>({
      id: 'bad-release',
      title: 'bad release',
      destructive: true,
      objectives: { rtoSeconds: 900 },
      steadyState: [{ name: 'healthy', tolerance: { equals: true }, measure: async (ctx) => ctx.env.system.healthy }],
      inject: () => [{ kind: 'break-service' }],
      detect: { name: 'unhealthy', timeoutMs: 1_000, check: async (ctx) => ({ detected: !ctx.env.system.healthy, value: ctx.env.system.healthy }) },
      recover: [{ name: 'restart', timeoutMs: 1_000, run: async (ctx) => void (ctx.env.system.healthy = true) }],
    });
    const suite: SuiteDefinition = {
      name: 'skipper',
      description: 'one drill the environment cannot run',
      requires: ['node'],
      scenarios: ['bad-release'],
      async prepare() {
        return { items: [{ scenario: needsImage, env: { system }, ports: fakePorts(clock, injector), skip: 'needs a broken release image on the nodes' }], secrets: [], [Symbol.asyncDispose]: async () => {} };
      },
    };
    const result = await runSuite(suite, { config: parseConfig({ reports: { outDir: mkdtempSync(join(tmpdir(), 'drillbook-skip-')) } }) });
    expect(result.journals).toEqual([expect.objectContaining({ status: 'skipped', error: expect.objectContaining({ name: 'Skipped', message: 'needs a broken release image on the nodes' }) })]);
    expect(result.report.decision).toBe('no-go');
    expect(result.report.interrupted).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(system.healthy).toBe(true);
  });
});
