// Things built outside Docker and staged into an image's build context, each cached by a hash of its inputs:
// the backend's production node_modules (npm ci from its own lockfile) and the Loki + promtail binaries
// (go build through a wrapper module, because Loki's go.mod carries replace directives).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DrillbookError } from '../../scenarios/errors.ts';
import { cacheDir } from '../lib/cache.ts';
import { run } from '../lib/exec.ts';
import { withBuildLock } from './build-lock.ts';
import { APP_DIR, RECIPES_DIR, REPO_ROOT, VERSIONS } from './recipes.ts';

interface PrepOptions {
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export function lokiModuleDir(): string {
  return join(RECIPES_DIR, 'loki-module');
}

/** Hash of the files' contents and repo-relative names (never absolute paths: worktrees must share the cache). */
async function digest(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const file of files) {
    h.update(`${relative(REPO_ROOT, file)}\n`);
    h.update(await readFile(file));
  }
  return h.digest('hex').slice(0, 16);
}

/** `npm ci --omit=dev` of clusters/stack/app/backend, cached under cacheDir('images','backend-npm',<hash>). */
export async function ensureBackendNodeModules(opts: PrepOptions = {}): Promise<string> {
  const backend = join(APP_DIR, 'backend');
  const key = await digest([join(backend, 'package.json'), join(backend, 'package-lock.json')]);
  const dir = cacheDir('images', 'backend-npm', key);
  const modules = join(dir, 'node_modules');
  if (existsSync(modules)) return modules;
  return withBuildLock(`backend-npm-${key}`, () => installBackendModules(backend, dir, modules, opts), { signal: opts.signal, log: opts.log });
}

async function installBackendModules(backend: string, dir: string, modules: string, opts: PrepOptions): Promise<string> {
  if (existsSync(modules)) return modules;
  opts.log?.(`gravl-backend: npm ci --omit=dev (cache ${dir})`);
  const work = `${dir}.partial-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await cp(join(backend, 'package.json'), join(work, 'package.json'));
  await cp(join(backend, 'package-lock.json'), join(work, 'package-lock.json'));
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: work,
    signal: opts.signal,
    hint: 'npm needs the npm registry; run `source tools/env.sh` first',
  });
  await mkdir(dir, { recursive: true });
  await rename(join(work, 'node_modules'), modules);
  await rm(work, { recursive: true, force: true });
  return modules;
}

/**
 * loki + promtail, statically linked, from the wrapper module in clusters/images/loki-module (Loki's own go.mod
 * replaces modules, so `go install github.com/grafana/loki/v3/cmd/loki@...` is refused). Slow cold
 * (many minutes on 2 cores), cached under cacheDir('images','loki-bin',<version>-<hash>).
 */
export async function ensureLokiBinaries(opts: PrepOptions = {}): Promise<string> {
  const mod = lokiModuleDir();
  const key = await digest([join(mod, 'go.mod'), join(mod, 'go.sum'), join(mod, 'cmd', 'promtail', 'main.go')]);
  const dir = cacheDir('images', 'loki-bin', `${VERSIONS.loki}-${key}`);
  if (existsSync(join(dir, 'loki')) && existsSync(join(dir, 'promtail'))) return dir;
  return withBuildLock(`loki-bin-${VERSIONS.loki}-${key}`, () => buildLoki(dir, mod, opts), { signal: opts.signal, log: opts.log });
}

async function buildLoki(dir: string, mod: string, opts: PrepOptions): Promise<string> {
  if (existsSync(join(dir, 'loki')) && existsSync(join(dir, 'promtail'))) return dir; // built while we waited
  // Per-process work dir: two processes building at once waste CPU but cannot corrupt each other's output.
  const work = `${dir}.partial-${process.pid}`;
  await mkdir(work, { recursive: true });
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' };
  const ldflags = `-s -w -X github.com/grafana/loki/v3/pkg/util/build.Version=${VERSIONS.loki} -X github.com/grafana/loki/v3/pkg/util/build.Branch=release -X github.com/grafana/loki/v3/pkg/util/build.Revision=drillbook`;
  for (const [bin, pkg] of [
    ['loki', 'github.com/grafana/loki/v3/cmd/loki'],
    ['promtail', './cmd/promtail'],
  ] as const) {
    if (existsSync(join(work, bin))) continue;
    opts.log?.(`loki: go build ${pkg} (cold: many minutes on 2 cores; cached afterwards in ${dir})`);
    await run('nice', ['-n', '19', 'go', 'build', '-trimpath', '-ldflags', ldflags, '-o', join(work, `${bin}.partial`), pkg], {
      cwd: mod,
      env,
      signal: opts.signal,
      hint: 'needs Go >= 1.26 and the Go module proxy; see clusters/images/loki-module/README.md',
    });
    await rename(join(work, `${bin}.partial`), join(work, bin));
  }
  if (existsSync(join(dir, 'loki')) && existsSync(join(dir, 'promtail'))) {
    await rm(work, { recursive: true, force: true }); // another process finished first
  } else {
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
  }
  if (!existsSync(join(dir, 'loki'))) throw new DrillbookError(`loki binaries missing in ${dir} after the build`);
  return dir;
}

export const CHAOS_MESH_MODULE = 'github.com/chaos-mesh/chaos-mesh';

/** Where ensureChaosMeshBinaries keeps chaos-controller-manager and crd.yaml for the pinned versions (may not exist yet). */
export function chaosMeshBinDir(): string {
  return cacheDir('images', 'chaos-mesh-bin', `${VERSIONS.chaosMesh}-${VERSIONS.chaosMeshApi.slice(-12)}`);
}

/**
 * chaos-controller-manager and Chaos Mesh's CRDs (manifests/crd.yaml) from the Go module source, cached under
 * cacheDir('images','chaos-mesh-bin',<version>). The main module's go.mod replaces its api module with ./api, which
 * the module zip leaves out: the api module is downloaded on its own and put there. Slow cold (~20 min on 2 cores).
 */
export async function ensureChaosMeshBinaries(opts: PrepOptions = {}): Promise<string> {
  const dir = chaosMeshBinDir();
  const done = () => existsSync(join(dir, 'chaos-controller-manager')) && existsSync(join(dir, 'crd.yaml'));
  if (done()) return dir;
  return withBuildLock(`chaos-mesh-bin-${VERSIONS.chaosMesh}`, async () => {
    if (done()) return dir;
    const work = `${dir}.partial-${process.pid}`;
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const download = async (module: string, version: string) => {
      const { stdout } = await run('go', ['mod', 'download', '-json', `${module}@${version}`], { cwd: work, signal: opts.signal, hint: 'needs Go and the Go module proxy' });
      const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
      if (!info.Dir) throw new DrillbookError(`go mod download ${module}@${version}: ${info.Error ?? 'no directory'}`);
      return info.Dir;
    };
    opts.log?.(`chaos-mesh: go mod download ${CHAOS_MESH_MODULE}@${VERSIONS.chaosMesh} and its api module`);
    const src = join(work, 'src');
    await cp(await download(CHAOS_MESH_MODULE, VERSIONS.chaosMesh), src, { recursive: true });
    await cp(await download(`${CHAOS_MESH_MODULE}/api`, VERSIONS.chaosMeshApi), join(src, 'api'), { recursive: true });
    await run('chmod', ['-R', 'u+w', src], { signal: opts.signal });
    opts.log?.(`chaos-mesh: go build ./cmd/chaos-controller-manager (cold: ~20 min on 2 cores; cached afterwards in ${dir})`);
    const ldflags = `-s -w -X ${CHAOS_MESH_MODULE}/pkg/version.gitVersion=${VERSIONS.chaosMesh} -X ${CHAOS_MESH_MODULE}/pkg/version.gitCommit=${VERSIONS.chaosMesh.slice(-12)}`;
    await run('nice', ['-n', '19', 'go', 'build', '-trimpath', '-ldflags', ldflags, '-o', join(work, 'chaos-controller-manager'), './cmd/chaos-controller-manager'], {
      cwd: src,
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
      signal: opts.signal,
      hint: 'needs Go >= 1.25 and the Go module proxy',
    });
    await cp(join(src, 'manifests', 'crd.yaml'), join(work, 'crd.yaml'));
    await rm(src, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
    if (!done()) throw new DrillbookError(`chaos-mesh binaries missing in ${dir} after the build`);
    return dir;
  }, { signal: opts.signal, log: opts.log });
}
