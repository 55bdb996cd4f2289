// The catalogue is what `drillbook scenarios` lists and what suites compose from: every scenario declared in a
// *.scenario.ts file must be in it, exactly once. Discovered from the folder, so a new scenario file (or a new
// export in an old one) that is not added to index.ts fails here instead of silently missing from the CLI.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../define.ts';
import { catalog } from './index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const isScenario = (v: unknown): v is Scenario<unknown> => typeof v === 'object' && v !== null && (v as { __validated?: unknown }).__validated === true;

async function declaredScenarios(): Promise<{ file: string; name: string; scenario: Scenario<unknown> }[]> {
  const files = readdirSync(here).filter((f) => f.endsWith('.scenario.ts')).sort();
  const found: { file: string; name: string; scenario: Scenario<unknown> }[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(`${here}/${file}`).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) if (isScenario(value)) found.push({ file, name, scenario: value });
  }
  return found;
}

describe('scenario catalogue', () => {
  it('lists every scenario exported by a *.scenario.ts file', async () => {
    const declared = await declaredScenarios();
    expect(declared.length).toBeGreaterThan(0);
    const missing = declared.filter((d) => !catalog.includes(d.scenario)).map((d) => `${d.file}: ${d.name} (${d.scenario.id})`);
    expect(missing, 'add these to scenarios/catalog/index.ts').toEqual([]);
    // and nothing in the catalogue comes from anywhere else
    expect(catalog.filter((s) => !declared.some((d) => d.scenario === s)).map((s) => s.id)).toEqual([]);
  });

  it('lists the region drills (failover and fail-back)', () => {
    expect(catalog.map((s) => s.id)).toEqual(expect.arrayContaining(['region-loss', 'region-failback']));
  });

  it('has each scenario once, with a unique id', () => {
    const ids = catalog.map((s) => s.id);
    expect(new Set(catalog).size).toBe(catalog.length);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });
});
