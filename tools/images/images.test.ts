import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APT_LOCK_VERSION, resetAptLockMemo, sourcesKey, type AptLock } from './apt-lock.ts';
import { aptSources, imageTag, isImageName, recipeHash } from './images.ts';
import { aptRequirements, IMAGE_NAMES, RECIPES, VERSIONS } from './recipes.ts';

// Tags need the Debian package versions resolved: a lock in a temporary cache stands in for the archive.
let cache: string;
const saved = process.env.DRILLBOOK_CACHE;
async function writeLock(versions: Record<string, string>): Promise<void> {
  const lock: AptLock = {
    lockVersion: APT_LOCK_VERSION,
    sources: sourcesKey(aptSources()),
    resolvedAt: new Date().toISOString(),
    packages: Object.fromEntries(aptRequirements().map((r) => [r.package, { requirement: r.version, version: versions[r.package] ?? `${r.version}-1`, offered: [] }])),
  };
  await writeFile(join(cache, 'images', 'apt-lock.json'), JSON.stringify(lock));
  resetAptLockMemo();
}
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'drillbook-images-'));
  process.env.DRILLBOOK_CACHE = cache;
  await mkdir(join(cache, 'images'), { recursive: true });
});
beforeEach(() => writeLock({}));
afterAll(async () => {
  if (saved === undefined) delete process.env.DRILLBOOK_CACHE;
  else process.env.DRILLBOOK_CACHE = saved;
  resetAptLockMemo();
  await rm(cache, { recursive: true, force: true });
});

describe('image tags', () => {
  it('are exact, hash-suffixed and never latest', async () => {
    for (const name of IMAGE_NAMES) {
      const tag = await imageTag(name);
      expect(tag).toMatch(/^drillbook\/[a-z0-9-]+:[0-9a-z.]+-[0-9a-f]{8}$/);
      expect(tag).not.toMatch(/:latest$/);
    }
    expect(await imageTag('postgres')).toMatch(/^drillbook\/postgres:15-[0-9a-f]{8}$/);
  });

  it('are stable: hashing the same recipe twice gives the same tag', async () => {
    expect(await imageTag('postgres')).toBe(await imageTag('postgres'));
  });

  it('give each backend variant its own tag in one repository', async () => {
    const tags = await Promise.all((['gravl-backend-v1', 'gravl-backend-v2', 'gravl-backend-broken'] as const).map((n) => imageTag(n)));
    expect(new Set(tags).size).toBe(3);
    expect(tags[0]).toMatch(/^drillbook\/gravl-backend:v1-/);
    expect(tags[1]).toMatch(/^drillbook\/gravl-backend:v2-/);
    expect(tags[2]).toMatch(/^drillbook\/gravl-backend:broken-/);
  });

  it('change when the parent image changes', async () => {
    const a = await recipeHash(RECIPES.postgres, 'drillbook/base:bookworm-00000000');
    const b = await recipeHash(RECIPES.postgres, 'drillbook/base:bookworm-11111111');
    expect(a).not.toBe(b);
  });

  it('follow the Debian build the archive serves: a security update gives a new tag, only to the images that use it', async () => {
    await writeLock({ 'nginx-light': '1.22.1-9+deb12u11' });
    const [frontend, postgres] = [await imageTag('gravl-frontend'), await imageTag('postgres')];
    await writeLock({ 'nginx-light': '1.22.1-9+deb12u12' });
    expect(await imageTag('gravl-frontend')).not.toBe(frontend);
    expect(await imageTag('postgres')).toBe(postgres);
  });

  it('ask for no exact Debian build: every package requirement is an upstream series that cannot be dropped', () => {
    for (const r of aptRequirements()) expect(r.version, r.package).not.toMatch(/-|deb\d+u\d+|\+b\d+/);
    expect(aptRequirements().map((r) => r.package).sort()).toEqual(['curl', 'nginx-light', 'postgresql-15', 'prometheus', 'prometheus-alertmanager']);
  });

  it('use the Node the bootstrap installs (one version, two places: the set-up script and the backend image)', async () => {
    const { readFile } = await import('node:fs/promises');
    const bootstrap = await readFile(join(import.meta.dirname, '..', 'bootstrap.sh'), 'utf8');
    expect(/DRILLBOOK_NODE_VERSION:-([0-9.]+)/.exec(bootstrap)?.[1]).toBe(VERSIONS.node);
  });

  it('do not change when the documentation or tests of a recipe folder change (nothing of them is built in)', async () => {
    const { writeFile: write, rm: remove } = await import('node:fs/promises');
    const before = await imageTag('base');
    const doc = join(import.meta.dirname, '..', '..', 'clusters', 'images', 'base', 'NOTES-from-a-test.md');
    await write(doc, 'a note\n');
    try {
      expect(await imageTag('base')).toBe(before);
    } finally {
      await remove(doc, { force: true });
    }
  });

  it('know their names', () => {
    expect(isImageName('postgres')).toBe(true);
    expect(isImageName('postgres:latest')).toBe(false);
  });
});
