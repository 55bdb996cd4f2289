// Runs in progress on this machine. A run registers itself (run id + pid) for its lifetime; `drillbook gc` never
// reclaims what belongs to a run whose process is still alive, so one run's gc cannot kill another's containers.
// The registry is machine-wide (under the cache root), because every checkout shares one Docker engine.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../lib/cache.ts';

function registryDir(): string {
  return process.env.DRILLBOOK_ACTIVE_RUNS ?? cacheDir('active-runs');
}

function fileFor(runId: string): string {
  return join(registryDir(), `${runId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Registers the run for as long as the returned handle is not disposed. */
export function registerActiveRun(runId: string, pid = process.pid): Disposable {
  mkdirSync(registryDir(), { recursive: true });
  const file = fileFor(runId);
  writeFileSync(file, JSON.stringify({ runId, pid, startedAtWall: new Date().toISOString() }));
  return { [Symbol.dispose]: () => rmSync(file, { force: true }) };
}

/** Run ids whose registering process is still alive. Entries of dead processes are dropped on the way. */
export function activeRuns(): Set<string> {
  const dir = registryDir();
  const alive = new Set<string>();
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return alive;
  }
  for (const name of names) {
    try {
      const entry = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { runId: string; pid: number };
      if (pidAlive(entry.pid)) alive.add(entry.runId);
      else rmSync(join(dir, name), { force: true });
    } catch {
      /* a half-written entry of a run that is starting: leave it */
    }
  }
  return alive;
}
