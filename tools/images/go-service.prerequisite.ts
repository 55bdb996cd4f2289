// A small Go service of an example stack (clusters/examples/*/app), built outside Docker with the machine's Go and
// module cache (the classic builder has no cache mounts, and the base image carries no Go), then staged into the
// image's build context as bin/<name>. Statically linked (CGO_ENABLED=0), so the minbase image needs nothing more.
// Cached by a hash of the module's build inputs (go.mod, go.sum, non-test .go files): cacheDir('images','go-service',<name>-<hash>).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DrillbookError } from '../../scenarios/errors.ts';
import { cacheDir } from '../lib/cache.ts';
import { run } from '../lib/exec.ts';
import { withBuildLock } from './build-lock.ts';
import { REPO_ROOT } from './recipes.ts';

interface PrepOptions {
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** The files `go build` reads from the module (tests excluded: editing a test must not rebuild the image). */
export async function goBuildInputs(moduleDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.name === 'go.mod' || e.name === 'go.sum' || (e.name.endsWith('.go') && !e.name.endsWith('_test.go'))) out.push(path);
    }
  };
  await walk(moduleDir);
  if (!out.some((f) => f.endsWith('go.mod'))) {
    throw new DrillbookError(`${relative(REPO_ROOT, moduleDir)} holds no go.mod`, { hint: 'a Go service recipe builds a Go module: restore its go.mod from git' });
  }
  return out;
}

export async function goModuleDigest(moduleDir: string): Promise<string> {
  const h = createHash('sha256');
  for (const file of await goBuildInputs(moduleDir)) {
    h.update(`${relative(REPO_ROOT, file)}\n`); // repo-relative: worktrees share the cache
    h.update(await readFile(file));
  }
  return h.digest('hex').slice(0, 16);
}

/** Builds the module's main package into cacheDir('images','go-service',<name>-<hash>)/<name> unless cached; returns the binary's path. */
export async function ensureGoServiceBinary(name: string, moduleDir: string, opts: PrepOptions = {}): Promise<string> {
  const key = `${name}-${await goModuleDigest(moduleDir)}`;
  const dir = cacheDir('images', 'go-service', key);
  const binary = join(dir, name);
  if (existsSync(binary)) return binary;
  return withBuildLock(`go-service-${key}`, async () => {
    if (existsSync(binary)) return binary;
    const work = `${dir}.partial-${process.pid}`;
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    opts.log?.(`${name}: go build (${relative(REPO_ROOT, moduleDir)}; cached afterwards in ${dir})`);
    await run('nice', ['-n', '19', 'go', 'build', '-trimpath', '-ldflags', '-s -w', '-o', join(work, name), '.'], {
      cwd: moduleDir,
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
      signal: opts.signal,
      hint: 'needs Go (>= 1.24) on PATH and its modules in the module cache or from the Go module proxy',
    });
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
    if (!existsSync(binary)) throw new DrillbookError(`${name}: ${binary} missing after go build`);
    return binary;
  }, { signal: opts.signal, log: opts.log });
}
