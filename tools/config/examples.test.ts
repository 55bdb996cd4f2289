// The example stacks' descriptions (clusters/examples/*/drillbook.yaml) load and validate like any user's.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EXAMPLE_DIR, EXAMPLE_IMAGES, MANIFEST_DIR } from '../../clusters/examples/gravl/gravl-example.render.ts';
import { loadConfig } from './config.ts';

const CONFIG = join(EXAMPLE_DIR, 'drillbook.yaml');

function committedObjects(): Record<string, unknown>[] {
  return readdirSync(MANIFEST_DIR).flatMap((f) => parseAllDocuments(readFileSync(join(MANIFEST_DIR, f), 'utf8')).map((d) => d.toJS() as Record<string, unknown>).filter(Boolean));
}

describe('the Gravl example description', () => {
  it('loads and validates like any user’s drillbook.yaml, its paths resolved against its own folder', () => {
    const c = loadConfig(CONFIG);
    expect(c.stack.deploy?.manifests).toEqual([MANIFEST_DIR]);
    expect(c.stack.load?.script).toBe(join(EXAMPLE_DIR, '..', '..', '..', 'suites', 'load', 'background.k6.ts'));
    expect(c.stack.components?.backend).toMatchObject({ deployment: 'backend', container: 'backend', port: 3000 });
    expect(Object.keys(c.stack.components ?? {}).sort()).toEqual(['alerting', 'backend', 'backup', 'database', 'logging', 'migration']);
  });

  it('every image the manifests run is one the description loads into kind', () => {
    const c = loadConfig(CONFIG);
    const used = new Set(
      JSON.stringify(committedObjects())
        .match(/"image":"[^"]+"/g)!
        .map((m) => m.slice(9, -1)),
    );
    expect(used.size).toBeGreaterThan(3);
    expect([...used].filter((i) => !c.stack.deploy!.images.includes(i))).toEqual([]);
    expect(c.stack.releases).toEqual({ previous: EXAMPLE_IMAGES.backend.ref, next: EXAMPLE_IMAGES.next.ref, broken: EXAMPLE_IMAGES.broken.ref });
  });
});
