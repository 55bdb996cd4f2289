import { describe, expect, it } from 'vitest';
import { imageTag, isImageName, recipeHash } from './images.ts';
import { RECIPES, type ImageName } from './recipes.ts';

// Recipes that exist on this branch so far (milestone 2); the others follow.
const BUILT: readonly ImageName[] = ['base', 'postgres', 'gravl-backend-v1', 'gravl-backend-v2', 'gravl-backend-broken'];

describe('image tags', () => {
  it('are exact, hash-suffixed and never latest', async () => {
    for (const name of BUILT) {
      const tag = await imageTag(name);
      expect(tag).toMatch(/^drillbook\/[a-z-]+:[0-9a-z.]+-[0-9a-f]{8}$/);
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

  it('know their names', () => {
    expect(isImageName('postgres')).toBe(true);
    expect(isImageName('postgres:latest')).toBe(false);
  });
});
