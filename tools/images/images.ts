// ensureImage(): build an image of the reference stack if Docker does not have it yet, and return its exact tag.
// Tags are <repository>:<prefix>-<hash8> where the hash covers the recipe folder, pinned versions, build args,
// extra inputs and the parent's tag, so a second call is a `docker image inspect` and nothing else.
// No registry is ever contacted: the base is debootstrap + `docker import`, children `FROM` it with the
// classic builder (DOCKER_BUILDKIT=0, which needs no frontend image).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { DrillbookError, InvalidInputError, throwIfAborted } from '../../scenarios/errors.ts';
import { cacheDir } from '../lib/cache.ts';
import { run, tryRun } from '../lib/exec.ts';
import { aptRequirements, IMAGE_NAMES, isImageName, RECIPES, RECIPES_DIR, REPO_ROOT, VERSIONS, type ImageName, type Recipe } from './recipes.ts';
import { aptLockPath, lockedVersions, type AptSources } from './apt-lock.ts';
import { withBuildLock } from './build-lock.ts';
import { ensureK6 } from '../k6/k6.installer.ts';
import { ensureK6OperatorBuild } from './k6-operator.prerequisite.ts';
import { ensureSealedSecretsBuild } from './sealed-secrets.prerequisite.ts';
import { ensureBackendNodeModules, ensureChaosMeshBinaries, ensureLokiBinaries, lokiModuleDir } from './prerequisites.ts';
import { ensureGoServiceBinary, goModuleDigest } from './go-service.prerequisite.ts';

export { IMAGE_NAMES, isImageName, type ImageName } from './recipes.ts';

export interface EnsureImageOptions {
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Rebuild even when the tag exists, without Docker's layer cache (the bench's cold run). */
  force?: boolean;
}

export const HASH_LABEL = 'drillbook.io/recipe-hash';
export const IMAGE_LABEL = 'drillbook.io/image';
/** The Debian package builds an image was made from, e.g. `nginx-light=1.22.1-9+deb12u12`. */
export const PACKAGES_LABEL = 'drillbook.io/packages';
/** Bump when the way images are assembled changes (labels, import options): every tag changes with it. */
const IMAGE_FORMAT = 2;
const inFlight = new Map<ImageName, Promise<string>>();

/** Builds `name` (and its parent) if missing; returns the exact tag, e.g. drillbook/postgres:15-1a2b3c4d. */
export async function ensureImage(name: ImageName, opts: EnsureImageOptions = {}): Promise<string> {
  if (!isImageName(name)) {
    throw new InvalidInputError(`image name ${JSON.stringify(name)}`, [`known images: ${IMAGE_NAMES.join(', ')}`]);
  }
  const pending = inFlight.get(name);
  if (pending && !opts.force) return pending;
  const promise = ensureUncached(RECIPES[name], opts)
    .then((tag) => tagAliases(RECIPES[name], tag, opts))
    .finally(() => inFlight.delete(name));
  inFlight.set(name, promise);
  return promise;
}

/** Ensures several images one after the other (builds share 2 cores; parallel builds only thrash). */
export async function ensureImages(names: readonly ImageName[], opts: EnsureImageOptions = {}): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for (const name of names) tags[name] = await ensureImage(name, opts);
  return tags;
}

/** The tag `name` would have, without building anything (parents are hashed, not built). */
export async function imageTag(name: ImageName, opts: { signal?: AbortSignal; log?: (line: string) => void } = {}): Promise<string> {
  const recipe = RECIPES[name];
  const parentTag = recipe.parent ? await imageTag(recipe.parent, opts) : '';
  const apt = await resolvedAptArgs(recipe, {
    ...opts,
    baseImage: async () => {
      const base = await builtBaseImage();
      if (!base) {
        throw new DrillbookError(`${name}: its Debian package versions are not resolved yet, and resolving them needs the base image ${await imageTag('base')}`, { hint: 'run `bash tools/bootstrap.sh` (or `node tools/images/build.ts base`)' });
      }
      return base;
    },
  });
  return tagFor(recipe, await recipeHash(recipe, parentTag, apt));
}

/** The base image's tag when Docker has it (apt asks the archive from inside it), else undefined; builds nothing. */
export async function builtBaseImage(opts: { signal?: AbortSignal } = {}): Promise<string | undefined> {
  const base = await imageTag('base');
  return (await imageExists(base, opts)) ? base : undefined;
}

/** The archives the base image's sources.list names: what apt resolves against. */
export function aptSources(): AptSources {
  const args = RECIPES.base.buildArgs ?? {};
  return { mirror: String(args.MIRROR), suite: String(args.SUITE), securityMirror: String(args.SECURITY_MIRROR) };
}

/** Build arg -> resolved Debian version for the recipe's packages (empty for recipes without any). */
async function resolvedAptArgs(recipe: Recipe, opts: { signal?: AbortSignal; log?: (line: string) => void; baseImage: () => Promise<string> }): Promise<Record<string, string>> {
  if (!recipe.apt) return {};
  const lock = await lockedVersions(aptRequirements(), { ...opts, sources: aptSources() });
  const args: Record<string, string> = {};
  for (const [arg, requirement] of Object.entries(recipe.apt)) args[arg] = lock.packages[requirement.package]!.version;
  return args;
}

async function imageId(tag: string, opts: { signal?: AbortSignal }): Promise<string | undefined> {
  const result = await tryRun('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], { signal: opts.signal });
  return result instanceof Error ? undefined : result.stdout.trim();
}

/** Image size in bytes as Docker reports it (includes the shared base layers). */
export async function imageSize(tag: string, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const result = await run('docker', ['image', 'inspect', '--format', '{{.Size}}', tag], { signal: opts.signal });
  return Number(result.stdout.trim());
}

export async function imageExists(tag: string, opts: { signal?: AbortSignal } = {}): Promise<boolean> {
  const result = await tryRun('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], { signal: opts.signal });
  return !(result instanceof Error);
}

async function ensureUncached(recipe: Recipe, opts: EnsureImageOptions): Promise<string> {
  const log = opts.log ?? (() => {});
  throwIfAborted(opts.signal, `ensureImage(${recipe.name})`);
  const parentTag = recipe.parent ? await ensureImage(recipe.parent, { ...opts, force: false }) : '';
  const apt = await resolvedAptArgs(recipe, { ...opts, baseImage: () => ensureImage('base', { ...opts, force: false }) });
  const hash = await recipeHash(recipe, parentTag, apt);
  const tag = tagFor(recipe, hash);
  if (!opts.force && (await imageExists(tag, opts))) {
    log(`${recipe.name}: ${tag} present, nothing to build`);
    return tag;
  }
  // Other worktrees/test processes share Docker and the cache: one builds, the others wait and reuse.
  return withBuildLock(tag.replace(/[/:]/g, '_'), async () => {
    if (!opts.force && (await imageExists(tag, opts))) {
      log(`${recipe.name}: ${tag} was built by another process meanwhile`);
      return tag;
    }
    const started = performance.now();
    log(`${recipe.name}: building ${tag}`);
    const previousId = opts.force ? await imageId(tag, opts) : undefined;
    if (recipe.kind === 'rootfs') await buildBase(recipe, tag, hash, opts);
    else await buildFromDockerfile(recipe, tag, hash, parentTag, apt, opts);
    // A forced rebuild leaves the old image untagged: remove it (ours, by id; ignored if a container uses it).
    if (previousId && previousId !== (await imageId(tag, opts))) await tryRun('docker', ['image', 'rm', previousId]);
    log(`${recipe.name}: built ${tag} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return tag;
  }, { signal: opts.signal, log });
}

/** Points the recipe's stable aliases (e.g. drillbook/postgres:15) at the image just ensured; returns its content tag. */
async function tagAliases(recipe: Recipe, tag: string, opts: EnsureImageOptions): Promise<string> {
  for (const alias of recipe.aliases ?? []) {
    await run('docker', ['tag', tag, alias], { signal: opts.signal, hint: 'is the Docker engine running? (`docker info`)' });
  }
  if (recipe.aliases?.length) opts.log?.(`${recipe.name}: ${recipe.aliases.join(', ')} -> ${tag}`);
  return tag;
}

function tagFor(recipe: Recipe, hash: string): string {
  return `${recipe.repository}:${recipe.tagPrefix}-${hash.slice(0, 8)}`;
}

// ------------------------------------------------------------------ hashing

/** sha256 over the recipe's identity, versions (Debian packages as resolved), its folder, its extra inputs and the parent's tag. */
export async function recipeHash(recipe: Recipe, parentTag: string, apt: Readonly<Record<string, string>> = {}): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify({ format: IMAGE_FORMAT, name: recipe.name, kind: recipe.kind, buildArgs: { ...recipe.buildArgs, ...apt }, parentTag, prepare: recipe.prepare ?? '' }));
  await hashTree(h, join(RECIPES_DIR, recipe.recipeDir), 'recipe');
  for (const input of recipe.extraInputs?.() ?? []) {
    if (input.hashKey) h.update(`key:${input.to}:${input.hashKey}\n`);
    else await hashTree(h, input.from, input.to);
  }
  if (recipe.prepare === 'loki-binaries') await hashTree(h, lokiModuleDir(), 'loki-module');
  if (recipe.goService) h.update(`go-service:${recipe.goService.binary}:${await goModuleDigest(recipe.goService.moduleDir)}\n`);
  return h.digest('hex');
}

const IGNORED = new Set(['node_modules', '.DS_Store']);

async function hashTree(h: ReturnType<typeof createHash>, root: string, label: string): Promise<void> {
  let info;
  try {
    info = await stat(root);
  } catch (cause) {
    throw new DrillbookError(`image input ${root} is missing`, { cause, hint: 'restore it from git, or run tools/bootstrap.sh for cached inputs' });
  }
  if (info.isFile()) {
    h.update(`file:${label}\n`);
    h.update(await readFile(root));
    return;
  }
  const files = await listFiles(root);
  for (const file of files) {
    h.update(`file:${label}/${relative(root, file)}\n`);
    h.update(await readFile(file));
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    // tests and docs are not built into an image: editing them must not change a tag (and rebuild every child)
    if (IGNORED.has(entry.name) || entry.name.endsWith('.test.ts') || entry.name.endsWith('.md')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

// ------------------------------------------------------------------ builders

const LABEL_ARGS = (hash: string, name: string) => [
  '--label', `${LABELS.managedBy}=${MANAGED_BY}`,
  '--label', `${HASH_LABEL}=${hash}`,
  '--label', `${IMAGE_LABEL}=${name}`,
];

/** The rootfs is keyed by its own inputs only (not IMAGE_FORMAT), so a format bump re-imports, not re-debootstraps. */
export async function rootfsCacheDir(recipe: Recipe = RECIPES.base): Promise<string> {
  const args = recipe.buildArgs ?? {};
  const key = createHash('sha256').update(JSON.stringify(args));
  await hashTree(key, join(RECIPES_DIR, recipe.recipeDir), 'recipe');
  return cacheDir('images', 'base', `${args.SUITE}-${args.VARIANT}-${key.digest('hex').slice(0, 12)}`);
}

/** debootstrap --variant=minbase into a temp dir, tar it (cached), `docker import` it. */
async function buildBase(recipe: Recipe, tag: string, hash: string, opts: EnsureImageOptions): Promise<void> {
  const args = recipe.buildArgs ?? {};
  const dir = await rootfsCacheDir(recipe);
  const tarball = join(dir, 'rootfs.tar');
  if (!existsSync(tarball)) {
    await mkdir(dir, { recursive: true });
    const rootfs = join(dir, 'rootfs.partial');
    await rm(rootfs, { recursive: true, force: true });
    opts.log?.(`base: debootstrap --variant=${args.VARIANT} ${args.SUITE} (about 30-60 s)`);
    await run('nice', ['-n', '19', 'debootstrap', `--variant=${args.VARIANT}`, String(args.SUITE), rootfs, String(args.MIRROR)], {
      signal: opts.signal,
      hint: 'debootstrap needs the Debian mirror and root; install it with `apt-get install -y debootstrap`',
    });
    // apt sources with updates + security (pinned package versions live there), and docker-style apt config.
    const recipeFiles = join(RECIPES_DIR, recipe.recipeDir);
    const sources = (await readFile(join(recipeFiles, 'sources.list'), 'utf8'))
      .replaceAll('@SUITE@', String(args.SUITE))
      .replaceAll('@MIRROR@', String(args.MIRROR))
      .replaceAll('@SECURITY_MIRROR@', String(args.SECURITY_MIRROR));
    await writeFile(join(rootfs, 'etc', 'apt', 'sources.list'), sources);
    await cp(join(recipeFiles, 'apt.conf'), join(rootfs, 'etc', 'apt', 'apt.conf.d', '90drillbook'));
    await rm(join(rootfs, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
    await mkdir(join(rootfs, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
    await rm(join(rootfs, 'var', 'lib', 'apt', 'lists'), { recursive: true, force: true });
    await mkdir(join(rootfs, 'var', 'lib', 'apt', 'lists', 'partial'), { recursive: true });
    await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', `${tarball}.partial`, '.'], { signal: opts.signal });
    await rename(`${tarball}.partial`, tarball);
    await rm(rootfs, { recursive: true, force: true });
  } else {
    opts.log?.(`base: rootfs tarball cached at ${tarball}`);
  }
  await run('docker', [
    'import',
    '--change', 'CMD ["/bin/bash"]',
    '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8',
    // No managed-by label on the base: containers inherit image labels, and the classic builder's RUN containers
    // would then match other engineers' `docker rm -f` clean-ups by label (seen: a build killed mid-apt).
    // Final images get managed-by through `docker build --label`, which the builder applies to the last layer only.
    '--change', `LABEL ${HASH_LABEL}=${hash} ${IMAGE_LABEL}=base`,
    tarball,
    tag,
  ], { signal: opts.signal, hint: 'is the Docker engine running? (`docker info`)' });
}

async function buildFromDockerfile(recipe: Recipe, tag: string, hash: string, parentTag: string, apt: Readonly<Record<string, string>>, opts: EnsureImageOptions): Promise<void> {
  const context = cacheDir('images', 'ctx', `${recipe.name}-${hash.slice(0, 12)}-${process.pid}`);
  await rm(context, { recursive: true, force: true });
  await mkdir(context, { recursive: true });
  try {
    await cp(join(RECIPES_DIR, recipe.recipeDir), context, { recursive: true });
    for (const input of recipe.extraInputs?.() ?? []) {
      if (!existsSync(input.from)) {
        throw new DrillbookError(`${recipe.name}: input ${input.from} is missing`, {
          hint: input.hashKey?.startsWith('node-') ? 'run tools/bootstrap.sh (it caches Node under ~/.cache/drillbook/node)' : 'restore it from git',
        });
      }
      await cp(input.from, join(context, input.to), { recursive: true, filter: (src) => !src.includes('/node_modules') && !src.endsWith('.test.ts') });
    }
    if (recipe.prepare === 'backend-node-modules') {
      const modules = await ensureBackendNodeModules(opts);
      await cp(modules, join(context, 'app', 'node_modules'), { recursive: true, verbatimSymlinks: true });
    }
    if (recipe.prepare === 'loki-binaries') {
      const bin = await ensureLokiBinaries(opts);
      await cp(bin, join(context, 'bin'), { recursive: true });
    }
    if (recipe.prepare === 'k6-operator-binaries') {
      const build = await ensureK6OperatorBuild(opts);
      await mkdir(join(context, 'bin'), { recursive: true });
      await cp(build.manager, join(context, 'bin', 'manager'));
    }
    if (recipe.prepare === 'k6-binary') {
      const k6 = await ensureK6({ ...opts, version: String(recipe.buildArgs?.K6_VERSION) });
      await mkdir(join(context, 'bin'), { recursive: true });
      await cp(k6.path, join(context, 'bin', 'k6'));
    }
    if (recipe.prepare === 'sealed-secrets-binaries') {
      const build = await ensureSealedSecretsBuild(opts);
      await mkdir(join(context, 'bin'), { recursive: true });
      await cp(build.controller, join(context, 'bin', 'controller'));
    }
    if (recipe.prepare === 'go-service') {
      if (!recipe.goService) throw new DrillbookError(`${recipe.name}: prepare 'go-service' needs goService { binary, moduleDir } in its recipe`);
      const binary = await ensureGoServiceBinary(recipe.goService.binary, recipe.goService.moduleDir, opts);
      await mkdir(join(context, 'bin'), { recursive: true });
      await cp(binary, join(context, 'bin', recipe.goService.binary));
    }
    if (recipe.prepare === 'chaos-mesh-binaries') {
      const bin = await ensureChaosMeshBinaries(opts);
      await cp(join(bin, 'chaos-controller-manager'), join(context, 'bin', 'chaos-controller-manager'));
    }
    const buildArgs = Object.entries({ ...(recipe.buildArgs ?? {}), ...apt, BASE_IMAGE: parentTag }).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    const noCache = opts.force ? ['--no-cache'] : [];
    const packages = Object.entries(recipe.apt ?? {}).map(([arg, r]) => `${r.package}=${apt[arg]}`).join(',');
    const packageLabel = packages ? ['--label', `${PACKAGES_LABEL}=${packages}`] : [];
    await run('nice', ['-n', '19', 'docker', 'build', '--rm', '--force-rm', ...noCache, '-t', tag, ...LABEL_ARGS(hash, recipe.name), ...packageLabel, ...buildArgs, context], {
      signal: opts.signal,
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      hint: `the recipe is ${relative(REPO_ROOT, join(RECIPES_DIR, recipe.recipeDir, 'Dockerfile'))}; if apt cannot find a resolved version (${packages || 'none'}), ` +
        `the archive moved on since the lock (${aptLockPath()}): DRILLBOOK_APT_REFRESH_HOURS=0 resolves again; ` +
        '`npx drillbook doctor --upstream` says what the archive offers',
    });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

export { VERSIONS };
