// The house's one rule, enforced: every import points down (README, "Layout"). Each .ts file belongs to the first
// layer whose folder holds it; it may import its own layer and the layers listed under `may`, nothing else.
// Tests and testing/ helpers are held to the same rule as the code beside them.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

type Layer = 'domain' | 'basement' | 'clusters' | 'adapters' | 'reports' | 'composition' | 'roof';

/** First match wins: the roof's and the basement's folders are carved out of tools/ before the adapters take the rest. */
const HOMES: readonly (readonly [prefix: string, layer: Layer])[] = [
  ['scenarios/', 'domain'],
  ['tools/lib/', 'basement'],
  ['tools/images/', 'basement'],
  // an installer builds and caches a binary by version, importing only the domain and tools/lib: basement, so the
  // image recipes can stage what it builds (k6 in the k6-operator runner image)
  ['tools/k6/k6.installer.ts', 'basement'],
  ['tools/cli/', 'roof'],
  ['tools/bench/', 'roof'],
  ['vitest.config.ts', 'roof'],
  ['clusters/', 'clusters'],
  ['tools/', 'adapters'],
  ['reports/', 'reports'],
  ['suites/', 'composition'],
];

const MAY: Record<Layer, readonly Layer[]> = {
  domain: [],
  basement: ['domain'],
  clusters: ['domain', 'basement'],
  adapters: ['domain', 'basement', 'clusters'],
  reports: ['domain', 'basement'],
  composition: ['domain', 'basement', 'clusters', 'adapters', 'reports'],
  roof: ['domain', 'basement', 'clusters', 'adapters', 'reports', 'composition'],
};

/**
 * Arrows that still point up, each named with why it is here. The test fails on any arrow not listed AND on a
 * listed one that is gone, so this list can only shrink.
 */
const KNOWN_UPWARD: readonly string[] = [
  // the redaction canary plants secrets in a cluster snapshot and follows them through the sign-off checks into
  // every report format: an end-to-end test that belongs beside the suites, kept here while redaction is reworked.
  'reports/canary.test.ts -> suites/readiness/readiness.ts',
  'reports/canary.test.ts -> suites/readiness/testing/snapshots.ts',
];

function layerOf(file: string): Layer | undefined {
  return HOMES.find(([prefix]) => file === prefix || file.startsWith(prefix))?.[1];
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative specifiers of static imports, re-exports, side-effect imports and dynamic import() calls. */
function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) if (m[1]!.startsWith('.')) found.push(m[1]!);
  return found;
}

/** Every arrow between two layers that the rule does not allow, as "from -> to" paths relative to the repository. */
function upwardArrows(root: string): string[] {
  const bad: string[] = [];
  for (const path of ['scenarios', 'clusters', 'suites', 'reports', 'tools'].flatMap((top) => tsFiles(join(root, top))).concat(join(root, 'vitest.config.ts'))) {
    const from = relative(root, path);
    const fromLayer = layerOf(from);
    if (!fromLayer) continue;
    for (const spec of importsOf(readFileSync(path, 'utf8'))) {
      const to = relative(root, normalize(join(dirname(path), spec)));
      const toLayer = layerOf(to);
      if (!toLayer || toLayer === fromLayer) continue;
      if (!MAY[fromLayer].includes(toLayer)) bad.push(`${from} -> ${to}`);
    }
  }
  return bad.sort();
}

describe('layers', () => {
  it('finds the imports the rule reads, in every form', () => {
    const source = [
      "import { a } from '../a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "import '../d.ts';",
      "const e = await import('../e.ts');",
      "import { f } from 'node:fs';",
      'import {\n  g,\n  h,\n} from "../gh.ts";',
    ].join('\n');
    expect(importsOf(source).sort()).toEqual(['../a.ts', '../b.ts', '../d.ts', '../e.ts', '../gh.ts', './c.ts']);
  });

  it('places each folder in its layer', () => {
    expect(layerOf('scenarios/wait.ts')).toBe('domain');
    expect(layerOf('tools/lib/exec.ts')).toBe('basement');
    expect(layerOf('tools/cli/main.ts')).toBe('roof');
    expect(layerOf('tools/faults/kube.fault.ts')).toBe('adapters');
    expect(layerOf('clusters/kube/kind.provider.ts')).toBe('clusters');
    expect(layerOf('suites/nightly.suite.ts')).toBe('composition');
  });

  it('every import points down (the known upward arrows can only go away)', () => {
    const arrows = upwardArrows(ROOT);
    expect(arrows.filter((a) => !KNOWN_UPWARD.includes(a)), 'arrows that point up: move the file to the layer it belongs to, or the code it needs down').toEqual([]);
    expect(KNOWN_UPWARD.filter((a) => !arrows.includes(a)), 'listed as known but gone: remove them from KNOWN_UPWARD').toEqual([]);
  });
});
