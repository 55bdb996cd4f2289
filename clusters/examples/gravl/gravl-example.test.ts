import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../../tools/config/config.ts';
import { EXAMPLE_DIR, EXAMPLE_IMAGES, MANIFEST_DIR, renderGravlExample } from './gravl-example.render.ts';

const CONFIG = join(EXAMPLE_DIR, 'drillbook.yaml');

function committedObjects(): Record<string, any>[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return readdirSync(MANIFEST_DIR).flatMap((f) => parseAllDocuments(readFileSync(join(MANIFEST_DIR, f), 'utf8')).map((d) => d.toJS()).filter(Boolean));
}

describe('the Gravl example description', () => {
  it('loads and validates like any user’s drillbook.yaml, its paths resolved against its own folder', () => {
    const c = loadConfig(CONFIG);
    expect(c.stack.deploy?.manifests).toEqual([MANIFEST_DIR]);
    expect(c.stack.load?.script).toBe(join(EXAMPLE_DIR, '..', '..', '..', 'suites', 'load', 'background.k6.ts'));
    expect(c.stack.components?.backend).toMatchObject({ deployment: 'backend', container: 'backend', port: 3000 });
    expect(Object.keys(c.stack.components ?? {}).sort()).toEqual(['alerting', 'backend', 'backup', 'database', 'logging']);
  });

  it('the committed k8s/*.yaml are what the TypeScript manifests render (re-render with gravl-example.render.ts)', () => {
    const rendered = renderGravlExample();
    expect(readdirSync(MANIFEST_DIR).sort()).toEqual([...rendered.keys()].sort());
    for (const [name, text] of rendered) {
      expect(readFileSync(join(MANIFEST_DIR, name), 'utf8'), `${name} drifted from clusters/stack/manifests: run node tools/node.mjs clusters/examples/gravl/gravl-example.render.ts`).toBe(text);
    }
  });

  it('every image the manifests run is one the description loads into kind', () => {
    const c = loadConfig(CONFIG);
    const used = new Set(
      JSON.stringify(committedObjects())
        .match(/"image":"[^"]+"/g)!
        .map((m) => m.slice(9, -1)),
    );
    expect([...used].filter((i) => !c.stack.deploy!.images.includes(i))).toEqual([]);
    expect(c.stack.releases).toEqual({ previous: EXAMPLE_IMAGES.backend.ref, next: EXAMPLE_IMAGES.next.ref, broken: EXAMPLE_IMAGES.broken.ref });
  });
});
