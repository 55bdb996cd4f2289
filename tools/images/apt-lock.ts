// Resolves the recipes' Debian package requirements to the builds the archive serves today, inside the base
// image (the same sources.list the image builds use), and records them in a lock file beside the image cache:
// $DRILLBOOK_CACHE/images/apt-lock.json. Image tags hash the resolved versions, so a security update gives new
// images, while an image already built keeps its tag and stays usable offline through the lock.
//
// Policy (lockedVersions): a lock younger than the refresh window (24 h, DRILLBOOK_APT_REFRESH_HOURS; 0 = always)
// that covers every requirement is used as is; otherwise resolve again; if the archive cannot be reached, a
// lock that covers the requirements is used with a warning (offline with a warm cache); without one, fail.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DrillbookError } from '../../scenarios/errors.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { cacheDir } from '../lib/cache.ts';
import { run } from '../lib/exec.ts';
import { describeUnresolved, parseMadison, resolveRequirement, satisfies, type AptRequirement, type Resolution } from './apt-versions.ts';

export const APT_LOCK_VERSION = 1;

export interface AptLock {
  readonly lockVersion: number;
  /** Which archives were asked (mirror, suite, security mirror): a change invalidates the lock. */
  readonly sources: string;
  readonly resolvedAt: string;
  /** package -> { requirement it was resolved for, resolved version, what the archive offered } */
  readonly packages: Readonly<Record<string, { readonly requirement: string; readonly version: string; readonly offered: readonly string[] }>>;
}

export interface AptSources {
  readonly mirror: string;
  readonly suite: string;
  readonly securityMirror: string;
}

export function sourcesKey(s: AptSources): string {
  return `${s.mirror} ${s.suite} (+${s.suite}-updates, ${s.securityMirror} ${s.suite}-security)`;
}

export function aptLockPath(): string {
  return cacheDir('images', 'apt-lock.json');
}

export class UnresolvedPackagesError extends DrillbookError {
  override name = 'UnresolvedPackagesError';
  readonly failures: readonly (Resolution & { ok: false })[];
  constructor(failures: readonly (Resolution & { ok: false })[], sources: string) {
    super(`Debian packages that no longer resolve:\n${failures.map((f) => `  - ${describeUnresolved(f, sources)}`).join('\n')}`, {
      hint: 'change the requirement in tools/images/recipes.ts (VERSIONS) to a version series the archive serves, e.g. the upstream version without the Debian revision',
    });
    this.failures = failures;
  }
}

export interface ResolveOptions {
  /** The base image that holds the sources.list; called only when the archive must be asked. */
  baseImage: () => Promise<string>;
  sources: AptSources;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Asks the archive (apt-get update + apt-cache madison in a throwaway base container). Throws for no match. */
export async function resolveFromArchive(requirements: readonly AptRequirement[], opts: ResolveOptions): Promise<AptLock> {
  const madison = await askArchive(requirements.map((r) => r.package), opts);
  const results = requirements.map((r) => resolveRequirement(r, madison));
  const failures = results.filter((r): r is Resolution & { ok: false } => !r.ok);
  if (failures.length > 0) throw new UnresolvedPackagesError(failures, sourcesKey(opts.sources));
  const packages: Record<string, AptLock['packages'][string]> = {};
  for (const r of results) if (r.ok) packages[r.requirement.package] = { requirement: r.requirement.version, version: r.version, offered: r.offered };
  return { lockVersion: APT_LOCK_VERSION, sources: sourcesKey(opts.sources), resolvedAt: new Date().toISOString(), packages };
}

async function askArchive(packageNames: readonly string[], opts: ResolveOptions) {
  const lists = cacheDir('images', 'apt-lists');
  await mkdir(join(lists, 'partial'), { recursive: true });
  opts.log?.(`apt: resolving ${packageNames.join(', ')} against ${sourcesKey(opts.sources)}`);
  // The lists folder is kept between runs, so apt-get update sends If-Modified-Since and downloads only changes.
  const script = 'apt-get update -qq >/dev/null && apt-cache madison "$@"';
  const result = await run('docker', [
    'run', '--rm', '--label', `${LABELS.managedBy}=${MANAGED_BY}`, '--label', 'drillbook.io/role=apt-resolve',
    '-v', `${lists}:/var/lib/apt/lists`, await opts.baseImage(), 'sh', '-c', script, 'resolve', ...packageNames,
  ], {
    signal: opts.signal,
    timeoutMs: 180_000,
    hint: `the Debian archive (${opts.sources.mirror}) must be reachable to resolve package versions; offline, a lock from an earlier resolution (${aptLockPath()}) is used instead`,
  });
  return parseMadison(result.stdout);
}

// ------------------------------------------------------------------ the lock

let memo: Promise<AptLock> | undefined;

export async function readAptLock(path = aptLockPath()): Promise<AptLock | undefined> {
  try {
    const lock = JSON.parse(await readFile(path, 'utf8')) as AptLock;
    return lock.lockVersion === APT_LOCK_VERSION && lock.packages ? lock : undefined;
  } catch {
    return undefined;
  }
}

async function writeAptLock(lock: AptLock, path = aptLockPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.partial`, `${JSON.stringify(lock, null, 2)}\n`);
  await rename(`${path}.partial`, path);
}

/** Whether `lock` answers every requirement for these sources (it may be old). */
export function lockCovers(lock: AptLock | undefined, requirements: readonly AptRequirement[], sources: AptSources): lock is AptLock {
  if (!lock || lock.sources !== sourcesKey(sources)) return false;
  return requirements.every((r) => {
    const entry = lock.packages[r.package];
    return entry !== undefined && entry.requirement === r.version && satisfies(entry.version, r.version);
  });
}

export function refreshWindowMs(env: NodeJS.ProcessEnv = process.env): number {
  const hours = Number(env.DRILLBOOK_APT_REFRESH_HOURS ?? 24);
  return Number.isFinite(hours) && hours >= 0 ? hours * 3_600_000 : 24 * 3_600_000;
}

/**
 * The resolved version of every requirement, from the lock when it is fresh, else from the archive (and the
 * lock is rewritten). One resolution per process: every image of one build agrees on the versions.
 */
export function lockedVersions(requirements: readonly AptRequirement[], opts: ResolveOptions & { now?: number }): Promise<AptLock> {
  memo ??= decide(requirements, opts).catch((error: unknown) => {
    memo = undefined;
    throw error;
  });
  return memo;
}

async function decide(requirements: readonly AptRequirement[], opts: ResolveOptions & { now?: number }): Promise<AptLock> {
  const lock = await readAptLock();
  const covered = lockCovers(lock, requirements, opts.sources);
  const age = covered ? (opts.now ?? Date.now()) - Date.parse(lock.resolvedAt) : Infinity;
  if (covered && age >= 0 && age < refreshWindowMs()) return lock;
  try {
    const fresh = await resolveFromArchive(requirements, opts);
    await writeAptLock(fresh);
    if (covered) {
      const changed = requirements.filter((r) => lock.packages[r.package]?.version !== fresh.packages[r.package]?.version);
      for (const r of changed) opts.log?.(`apt: ${r.package} ${lock.packages[r.package]?.version} -> ${fresh.packages[r.package]?.version} (the archive moved on; images that use it get a new tag)`);
    }
    return fresh;
  } catch (error) {
    // Offline, or the archive moved past a requirement: images built from the lock's versions stay usable
    // (a new build would fail at apt-get and say why; `drillbook doctor --upstream` reports it either way).
    if (covered) {
      opts.log?.(`apt: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}; using the lock from ${lock.resolvedAt}`);
      return lock;
    }
    throw error;
  }
}

/** For tests: forget the per-process resolution. */
export function resetAptLockMemo(): void {
  memo = undefined;
}
