import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goBuildInputs } from './go-service.prerequisite.ts';
import { imageTag } from './images.ts';
import { RECIPES } from './recipes.ts';

const ledgerApp = RECIPES['ledger-v1'].goService!.moduleDir;

describe('Go service images (the ledger example)', () => {
  it('give v1, v2 and broken their own tags in one repository', async () => {
    const tags = await Promise.all((['ledger-v1', 'ledger-v2', 'ledger-broken'] as const).map((n) => imageTag(n)));
    expect(new Set(tags).size).toBe(3);
    expect(tags[0]).toMatch(/^drillbook\/ledger:v1-[0-9a-f]{8}$/);
    expect(tags[1]).toMatch(/^drillbook\/ledger:v2-[0-9a-f]{8}$/);
    expect(tags[2]).toMatch(/^drillbook\/ledger:broken-[0-9a-f]{8}$/);
  });

  it('build from go.mod, go.sum and the non-test Go files', async () => {
    const names = (await goBuildInputs(ledgerApp)).map((f) => f.slice(ledgerApp.length + 1));
    expect(names).toContain('go.mod');
    expect(names).toContain('main.go');
    expect(names.filter((n) => n.endsWith('_test.go'))).toEqual([]);
  });

  it('change tag when a Go source changes, not when a Go test does', async () => {
    const before = await imageTag('ledger-v1');
    const test = join(ledgerApp, 'zz_from_a_unit_test_test.go');
    const source = join(ledgerApp, 'zz_added_by_a_unit_check.go');
    try {
      await writeFile(test, 'package main\n');
      expect(await imageTag('ledger-v1')).toBe(before);
      await writeFile(source, 'package main\n');
      expect(await imageTag('ledger-v1')).not.toBe(before);
    } finally {
      await rm(test, { force: true });
      await rm(source, { force: true });
    }
    expect(await imageTag('ledger-v1')).toBe(before);
  });
});

describe('stable aliases of example images', () => {
  it('name the release (ledger v1/v2/broken) and are distinct from the content tags', () => {
    expect(RECIPES['ledger-v1'].aliases).toEqual(['drillbook/ledger:v1']);
    expect(RECIPES['ledger-v2'].aliases).toEqual(['drillbook/ledger:v2']);
    expect(RECIPES['ledger-broken'].aliases).toEqual(['drillbook/ledger:broken']);
    expect(RECIPES.postgres.aliases).toEqual(['drillbook/postgres:15']);
  });
});
