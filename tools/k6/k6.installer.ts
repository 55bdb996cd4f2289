// k6 is built from source with `go install` (no prebuilt binary can be downloaded here) into a cache outside
// the repo, keyed by the pinned version: ~/.cache/drillbook/k6/<version>/bin/k6. A warm cache costs one stat.
//
//   node tools/k6/k6.installer.ts      builds k6 if missing, prints its path (used by tools/setup/30-k6.sh)
import { access, constants, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolFailedError } from '../../scenarios/errors.ts';
import { cacheDir } from '../lib/cache.ts';
import { run, tryRun } from '../lib/exec.ts';

/** The pinned k6 release. Bump here only; the cache key follows. */
export const K6_VERSION = 'v1.8.1';
export const K6_MODULE = 'go.k6.io/k6';

export interface InstalledK6 {
  readonly path: string;
  readonly version: string;
  /** True when this call built it (cold cache). */
  readonly built: boolean;
  readonly durationMs: number;
}

export function k6BinaryPath(version: string = K6_VERSION): string {
  return join(cacheDir('k6', version), 'bin', 'k6');
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the cached k6 binary, building it with `nice -n 19 go install go.k6.io/k6@<version>` when missing.
 * The build goes to a `.partial` directory and is renamed into place, so an interrupted build never leaves a
 * half-written binary in the cache.
 */
export async function ensureK6(options: { signal?: AbortSignal; version?: string; log?: (line: string) => void } = {}): Promise<InstalledK6> {
  const version = options.version ?? K6_VERSION;
  const started = performance.now();
  const path = k6BinaryPath(version);
  if (await isExecutable(path)) return { path, version, built: false, durationMs: Math.round(performance.now() - started) };

  const go = await tryRun('go', ['version'], { signal: options.signal });
  if (go instanceof ToolFailedError) {
    throw new ToolFailedError('go', 'Go is needed to build k6 and was not found on PATH', {
      cause: go,
      hint: 'install Go (>= 1.25) and put it on PATH, then run `bash tools/setup/30-k6.sh`',
    });
  }
  const root = cacheDir('k6', version);
  const partial = `${root}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(join(partial, 'bin'), { recursive: true });
  options.log?.(`building ${K6_MODULE}@${version} with ${go.stdout} into ${root} (several minutes on a cold Go cache)`);
  await run('nice', ['-n', '19', 'go', 'install', '-trimpath', `${K6_MODULE}@${version}`], {
    signal: options.signal,
    env: { ...process.env, GOBIN: join(partial, 'bin'), CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
    hint: 'the Go module proxy must be reachable (GOPROXY); see the stderr above',
  });
  await rm(root, { recursive: true, force: true });
  await rename(partial, root);
  const check = await k6Version(path, { signal: options.signal });
  if (!check.includes(version.replace(/^v/, ''))) {
    throw new ToolFailedError('k6', `built binary reports "${check}", expected ${version}`, { hint: `delete ${root} and rerun` });
  }
  return { path, version, built: true, durationMs: Math.round(performance.now() - started) };
}

/** First line of `k6 version`, e.g. "k6 v1.8.1 (commit/devel, go1.26.8, linux/amd64)"; for `drillbook doctor`. */
export async function k6Version(path: string = k6BinaryPath(), options: { signal?: AbortSignal } = {}): Promise<string> {
  const result = await run(path, ['version'], {
    signal: options.signal,
    hint: 'k6 is missing or broken: run `bash tools/setup/30-k6.sh` (builds it into the cache)',
  });
  return result.stdout.split('\n')[0]?.trim() ?? '';
}

if (import.meta.main) {
  const installed = await ensureK6({ log: (line) => console.error(`[k6] ${line}`) });
  console.error(`[k6] ${await k6Version(installed.path)} at ${installed.path} (${installed.built ? `built in ${installed.durationMs} ms` : 'cached'})`);
  console.log(installed.path);
}
