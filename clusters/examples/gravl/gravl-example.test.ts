// The rendered manifests stay what the TypeScript manifests render. Loading and validating the description beside
// them is tools/config/examples.test.ts (the config is an adapter: clusters/ does not import it).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_DIR, renderGravlExample } from './gravl-example.render.ts';

describe('the Gravl example manifests', () => {
  it('the committed k8s/*.yaml are what the TypeScript manifests render (re-render with gravl-example.render.ts)', () => {
    const rendered = renderGravlExample();
    expect(readdirSync(MANIFEST_DIR).sort()).toEqual([...rendered.keys()].sort());
    for (const [name, text] of rendered) {
      expect(readFileSync(join(MANIFEST_DIR, name), 'utf8'), `${name} drifted from clusters/stack/manifests: run node tools/node.mjs clusters/examples/gravl/gravl-example.render.ts`).toBe(text);
    }
  });
});
