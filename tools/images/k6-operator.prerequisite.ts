// k6-operator's controller (the `manager` binary) and its CRDs, built from the upstream source at a release tag.
// The Go module proxy answers 403 for github.com/grafana/k6-operator, but serves every module its go.mod needs, so
// the source comes from an air-gapped mirror (an unmodified `git archive`, checked against a pinned sha256) or,
// on a machine with internet, from `git clone --branch <tag>`; then `go mod download` + `go build ./cmd`.
// Nothing of its code enters this repository: the unpacked tree lives in the cache and is removed after the build.
//
// Cache: cacheDir('k6-operator', <version>) holding `manager` and `crds/*.yaml` (k6.io TestRun, PrivateLoadZone).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DrillbookError } from '../../scenarios/errors.ts';
import { cacheDir } from '../lib/cache.ts';
import { run, tryRun } from '../lib/exec.ts';
import { withBuildLock } from './build-lock.ts';
import { REPO_ROOT } from './recipes.ts';

export const K6_OPERATOR = {
  version: '1.6.0',
  tag: 'v1.6.0',
  commit: 'cf0ae21f4e26b0dd0f99d763ae72e063b4384f2a',
  repository: 'https://github.com/grafana/k6-operator',
  archive: 'k6-operator-1.6.0.tar.gz',
  sha256: '816e01d1f4195d32ef1b3db39588d3f8915008793b8978f5ff747d25a6561f69',
} as const;

/** Where the air-gapped mirror is looked for: $DRILLBOOK_VENDOR_DIR, then ../shared/vendor beside the repo. */
export function vendorDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = env.DRILLBOOK_VENDOR_DIR ? [env.DRILLBOOK_VENDOR_DIR] : [];
  // a worktree sits beside the main checkout: ../shared/vendor from either
  dirs.push(resolve(REPO_ROOT, '..', 'shared', 'vendor'));
  return dirs;
}

export function k6OperatorCacheDir(version: string = K6_OPERATOR.version): string {
  return cacheDir('k6-operator', version);
}

export interface K6OperatorBuild {
  readonly dir: string;
  readonly manager: string;
  /** The CRD manifests (config/crd/bases in the source). */
  readonly crds: readonly string[];
}

function buildOf(dir: string): K6OperatorBuild | undefined {
  const manager = join(dir, 'manager');
  const crdDir = join(dir, 'crds');
  if (!existsSync(manager) || !existsSync(join(crdDir, 'k6.io_testruns.yaml'))) return undefined;
  return { dir, manager, crds: [join(crdDir, 'k6.io_testruns.yaml'), join(crdDir, 'k6.io_privateloadzones.yaml')].filter((f) => existsSync(f)) };
}

/** The cached build, or undefined (for doctor: no build is started). */
export function cachedK6Operator(version: string = K6_OPERATOR.version): K6OperatorBuild | undefined {
  return buildOf(k6OperatorCacheDir(version));
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

interface PrepOptions {
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Builds the controller if the cache lacks it. Slow cold (the controller-runtime/client-go tree: ~10 min on 2 busy
 * cores, under `nice -n 19`); a warm cache costs two stats.
 */
export async function ensureK6OperatorBuild(opts: PrepOptions = {}): Promise<K6OperatorBuild> {
  const dir = k6OperatorCacheDir();
  const cached = buildOf(dir);
  if (cached) return cached;
  return withBuildLock(`k6-operator-${K6_OPERATOR.version}`, async () => {
    const done = buildOf(dir);
    if (done) return done;
    const work = `${dir}.partial-${process.pid}`;
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const src = join(work, 'src');
    await fetchSource(src, opts);
    const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' };
    opts.log?.(`k6-operator: go mod download in ${src}`);
    await run('go', ['mod', 'download'], { cwd: src, env, signal: opts.signal, hint: 'needs Go >= 1.26 and the Go module proxy (every module of its go.mod is served; the operator itself is not)' });
    opts.log?.(`k6-operator: go build ./cmd (cold: ~10 min on 2 cores; cached afterwards in ${dir})`);
    await run('nice', ['-n', '19', 'go', 'build', '-trimpath', '-ldflags', '-s -w', '-o', join(work, 'manager'), './cmd'], {
      cwd: src,
      env,
      signal: opts.signal,
      hint: 'needs Go >= 1.26 (its go.mod says go 1.26.0); see the stderr above',
    });
    await mkdir(join(work, 'crds'), { recursive: true });
    const bases = join(src, 'config', 'crd', 'bases');
    for (const file of await readdir(bases)) if (file.endsWith('.yaml')) await cp(join(bases, file), join(work, 'crds', file));
    await rm(src, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
    const built = buildOf(dir);
    if (!built) throw new DrillbookError(`k6-operator build missing in ${dir} after the build (manager, crds/k6.io_testruns.yaml)`);
    return built;
  }, { signal: opts.signal, log: opts.log });
}

/** The source tree at the pinned tag: from the mirror (sha256 checked), else a shallow clone of the tag. */
async function fetchSource(src: string, opts: PrepOptions): Promise<void> {
  const archive = vendorDirs().map((d) => join(d, K6_OPERATOR.archive)).find((p) => existsSync(p));
  if (archive) {
    const sum = await sha256File(archive);
    if (sum !== K6_OPERATOR.sha256) {
      throw new DrillbookError(`${archive} has sha256 ${sum}, expected ${K6_OPERATOR.sha256} (k6-operator ${K6_OPERATOR.tag})`, {
        hint: 'the mirror copy is damaged or another release: restore the archive from the mirror, or remove it to clone the tag instead',
      });
    }
    opts.log?.(`k6-operator: unpacking ${archive} (sha256 ok)`);
    await mkdir(src, { recursive: true });
    // git archive puts everything under one top folder (k6-operator-1.6.0/)
    await run('tar', ['-xzf', archive, '-C', src, '--strip-components=1'], { signal: opts.signal });
    return;
  }
  opts.log?.(`k6-operator: no mirror archive in ${vendorDirs().join(' or ')}; cloning ${K6_OPERATOR.repository} at ${K6_OPERATOR.tag}`);
  const clone = await tryRun('git', ['clone', '--quiet', '--depth', '1', '--branch', K6_OPERATOR.tag, K6_OPERATOR.repository, src], { signal: opts.signal, timeoutMs: 300_000 });
  if (clone instanceof Error) {
    throw new DrillbookError(`k6-operator ${K6_OPERATOR.tag}: no source (no ${K6_OPERATOR.archive} in ${vendorDirs().join(', ')}, and cloning failed)`, {
      cause: clone,
      hint: `put ${K6_OPERATOR.archive} (sha256 ${K6_OPERATOR.sha256}) in one of those folders, or set DRILLBOOK_VENDOR_DIR to the folder holding it`,
    });
  }
  const head = await run('git', ['rev-parse', 'HEAD'], { cwd: src, signal: opts.signal });
  if (head.stdout.trim() !== K6_OPERATOR.commit) {
    throw new DrillbookError(`k6-operator tag ${K6_OPERATOR.tag} points at ${head.stdout.trim()}, expected ${K6_OPERATOR.commit}`, { hint: 'the upstream tag moved; check before trusting it' });
  }
}

if (import.meta.main) {
  const built = await ensureK6OperatorBuild({ log: (l) => console.error(`[k6-operator] ${l}`) });
  console.log(built.dir);
}
