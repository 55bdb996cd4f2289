import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APT_LOCK_VERSION, lockCovers, lockedVersions, refreshWindowMs, resetAptLockMemo, sourcesKey, type AptLock } from './apt-lock.ts';

const sources = { mirror: 'http://deb.example/debian', suite: 'bookworm', securityMirror: 'http://deb.example/debian-security' };
const requirements = [{ package: 'nginx-light', version: '1.22.1' }];
const lock = (version: string, resolvedAt: string): AptLock => ({
  lockVersion: APT_LOCK_VERSION,
  sources: sourcesKey(sources),
  resolvedAt,
  packages: { 'nginx-light': { requirement: '1.22.1', version, offered: [version] } },
});

let cache: string;
const saved = process.env.DRILLBOOK_CACHE;
beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'drillbook-apt-lock-'));
  process.env.DRILLBOOK_CACHE = cache;
  await mkdir(join(cache, 'images'), { recursive: true });
});
afterAll(async () => {
  if (saved === undefined) delete process.env.DRILLBOOK_CACHE;
  else process.env.DRILLBOOK_CACHE = saved;
  await rm(cache, { recursive: true, force: true });
});
beforeEach(() => resetAptLockMemo());

describe('the apt lock', () => {
  it('covers a requirement only for the same sources and the same series', () => {
    const l = lock('1.22.1-9+deb12u12', '2026-12-04T00:00:00Z');
    expect(lockCovers(l, requirements, sources)).toBe(true);
    expect(lockCovers(l, [{ package: 'nginx-light', version: '1.24' }], sources)).toBe(false);
    expect(lockCovers(l, [{ package: 'postgresql-15', version: '15' }], sources)).toBe(false);
    expect(lockCovers(l, requirements, { ...sources, suite: 'trixie' })).toBe(false);
    expect(lockCovers(undefined, requirements, sources)).toBe(false);
  });

  it('is used without asking the archive while fresh', async () => {
    await writeFile(join(cache, 'images', 'apt-lock.json'), JSON.stringify(lock('1.22.1-9+deb12u12', '2026-12-04T10:00:00Z')));
    const asked: string[] = [];
    const got = await lockedVersions(requirements, {
      sources,
      now: Date.parse('2026-12-04T12:00:00Z'),
      baseImage: async () => {
        asked.push('base');
        throw new Error('must not ask the archive');
      },
    });
    expect(got.packages['nginx-light']?.version).toBe('1.22.1-9+deb12u12');
    expect(asked).toEqual([]);
  });

  it('when stale and the archive cannot be asked, keeps the old versions (offline with a warm cache) and says so', async () => {
    await writeFile(join(cache, 'images', 'apt-lock.json'), JSON.stringify(lock('1.22.1-9+deb12u11', '2026-11-01T00:00:00Z')));
    const logs: string[] = [];
    const got = await lockedVersions(requirements, {
      sources,
      now: Date.parse('2026-12-04T12:00:00Z'),
      log: (l) => logs.push(l),
      baseImage: async () => {
        throw new Error('offline: no archive');
      },
    });
    expect(got.packages['nginx-light']?.version).toBe('1.22.1-9+deb12u11');
    expect(logs.join('\n')).toMatch(/offline: no archive; using the lock from 2026-11-01/);
  });

  it('without a lock that covers the requirements, a failure to ask the archive is an error', async () => {
    await rm(join(cache, 'images', 'apt-lock.json'), { force: true });
    await expect(lockedVersions(requirements, { sources, baseImage: async () => { throw new Error('offline: no archive'); } })).rejects.toThrow(/offline: no archive/);
  });

  it('refreshes after 24 h by default; DRILLBOOK_APT_REFRESH_HOURS sets the window (0 = always ask)', () => {
    expect(refreshWindowMs({})).toBe(24 * 3_600_000);
    expect(refreshWindowMs({ DRILLBOOK_APT_REFRESH_HOURS: '0' })).toBe(0);
    expect(refreshWindowMs({ DRILLBOOK_APT_REFRESH_HOURS: 'soon' })).toBe(24 * 3_600_000);
  });
});
