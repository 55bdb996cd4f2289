import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withBuildLock } from './build-lock.ts';

describe('withBuildLock', () => {
  const saved = process.env.DRILLBOOK_CACHE;
  let cache: string;
  beforeEach(async () => {
    cache = await mkdtemp(join(tmpdir(), 'dbk-lock-'));
    process.env.DRILLBOOK_CACHE = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.DRILLBOOK_CACHE;
    else process.env.DRILLBOOK_CACHE = saved;
  });

  it('serialises two builders of the same thing', async () => {
    const events: string[] = [];
    const job = (id: string) =>
      withBuildLock('img', async () => {
        events.push(`${id}:start`);
        await new Promise((r) => setImmediate(r));
        events.push(`${id}:end`);
      });
    await Promise.all([job('a'), job('b')]);
    expect(events.join(' ')).toMatch(/^(a:start a:end b:start b:end|b:start b:end a:start a:end)$/);
  });

  it('takes over a lock whose owner process is dead', async () => {
    const dir = join(cache, 'images', 'locks', 'stale.lock');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'pid'), '2147483646'); // no such process
    expect(await withBuildLock('stale', async () => 'built', { timeoutMs: 2_000 })).toBe('built');
  });
});
