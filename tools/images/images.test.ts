import { describe, expect, it } from 'vitest';
import { imageTag, isImageName, recipeHash } from './images.ts';
import { RECIPES, type ImageName } from './recipes.ts';

// Recipes that exist on this branch so far (milestone 1); the others follow.
const BUILT: readonly ImageName[] = ['base', 'postgres'];

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
