// runSuite checks what it can before it creates anything: the folder, the active-run marker, prepare().
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../scenarios/errors.ts';
import { parseConfig } from '../tools/config/config.ts';
import { runSuite, type SuiteDefinition } from './suite.ts';

function fakeSuite(check?: SuiteDefinition['check']) {
  const calls: string[] = [];
  const suite: SuiteDefinition = {
    name: 'fake',
    description: 'fake',
    requires: ['node'],
    scenarios: ['a', 'b'],
    ...(check ? { check } : {}),
    async prepare() {
      calls.push('prepare');
      return { items: [], secrets: [], [Symbol.asyncDispose]: async () => {} };
    },
  };
  return { suite, calls };
}

describe('runSuite input checks', () => {
  const outDir = () => join(mkdtempSync(join(tmpdir(), 'drillbook-suite-')), 'out');

  it('--only with an id the suite does not declare: refused before prepare and before the run folder', async () => {
    const { suite, calls } = fakeSuite();
    const out = outDir();
    await expect(runSuite(suite, { config: parseConfig({ reports: { outDir: out } }), only: ['a', 'c'] })).rejects.toThrow(InvalidInputError);
    await expect(runSuite(suite, { config: parseConfig({ reports: { outDir: out } }), only: ['c'] })).rejects.toThrow("'c' is not in suite fake; it has: a, b");
    expect(calls).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });

  it("the suite's own config check runs first too", async () => {
    const { suite, calls } = fakeSuite((c) => (c.cluster.provider === 'kind' ? [] : ['cluster.provider: kind only']));
    const out = outDir();
    await expect(runSuite(suite, { config: parseConfig({ reports: { outDir: out }, cluster: { provider: 'existing', context: 'x' } }) })).rejects.toThrow('cluster.provider: kind only');
    expect(calls).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });
});
