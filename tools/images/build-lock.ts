// A cross-process lock for slow builds in the shared cache (several worktrees and test processes build the
// same images and the same Loki binaries): mkdir is atomic, the owner's pid is written inside, and a lock
// whose owner is dead is taken over. Waiting uses waitFor with a named condition (no bare sleeps).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../scenarios/clock.ts';
import type { Clock } from '../../scenarios/ports.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { cacheDir } from '../lib/cache.ts';

export interface LockOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  clock?: Clock;
  log?: (line: string) => void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryAcquire(dir: string): Promise<{ ok: boolean; value: string }> {
  try {
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number((await readFile(join(dir, 'pid'), 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      await rm(dir, { recursive: true, force: true }); // stale: its owner died mid-build
      return tryAcquire(dir);
    }
    return { ok: false, value: owner ? `held by pid ${owner}` : 'held (owner starting)' };
  }
  await writeFile(join(dir, 'pid'), String(process.pid));
  return { ok: true, value: `pid ${process.pid}` };
}

/** Runs `fn` while holding the named lock; other processes wait (default up to 60 min, a cold Loki build). */
export async function withBuildLock<T>(name: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const locks = cacheDir('images', 'locks');
  await mkdir(locks, { recursive: true });
  const dir = join(locks, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
  const first = await tryAcquire(dir);
  if (!first.ok) {
    opts.log?.(`waiting for build lock ${name} (${first.value})`);
    await waitFor(opts.clock ?? systemClock, condition(`build lock ${name} free`, () => tryAcquire(dir)), {
      timeoutMs: opts.timeoutMs ?? 60 * 60_000,
      intervalMs: 1_000,
      signal: opts.signal,
      hint: `another process is building ${name}; if none is, remove ${dir}`,
    });
  }
  try {
    return await fn();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
