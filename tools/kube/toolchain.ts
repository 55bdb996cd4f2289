// ensureKindToolchain(): builds (or finds in the cache) everything needed to create a kind cluster offline:
// the kind CLI, the Kubernetes binaries, etcd, coredns, pause, local-path-provisioner, and the kind node image
// with every image kubeadm needs pre-imported. Cold: 30-60 min on 2 cores; warm: a few seconds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ToolFailedError } from '../../scenarios/errors.ts';
import { cacheDir, cacheRoot } from '../lib/cache.ts';
import { run } from '../lib/exec.ts';
import { KUBE_TOOLCHAIN, type KubeToolchainVersions } from './versions.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export interface KindToolchain {
  readonly versions: KubeToolchainVersions;
  /** Path of the kind CLI. */
  readonly kind: string;
  /** Path of kubectl (same release as the cluster). */
  readonly kubectl: string;
  /** Docker tag of the node image, e.g. drillbook/kind-node:v1.33.13-1a2b3c4d */
  readonly nodeImage: string;
  /** Milliseconds spent per step in this call (near zero when warm). */
  readonly timings: Readonly<Record<'kubernetes' | 'addons' | 'nodeImage', number>>;
}

export interface EnsureOptions {
  signal?: AbortSignal;
  /** Stream build output to this process's stdio (long cold builds). */
  verbose?: boolean;
  versions?: KubeToolchainVersions;
}

/** Paths the toolchain uses, whether built or not. */
export function toolchainPaths(versions: KubeToolchainVersions = KUBE_TOOLCHAIN) {
  return {
    kind: join(cacheDir('kind', versions.kind), 'kind'),
    kubeBin: cacheDir('kube', versions.kubernetes),
    kubectl: join(cacheDir('kube', versions.kubernetes), 'kubectl'),
  };
}

export async function ensureKindToolchain(options: EnsureOptions = {}): Promise<KindToolchain> {
  const v = options.versions ?? KUBE_TOOLCHAIN;
  const paths = toolchainPaths(v);
  const common = {
    signal: options.signal,
    inherit: options.verbose === true,
    env: { ...process.env, DRILLBOOK_CACHE: cacheRoot() },
    hint: 'see the build output above; the cold build needs the Go module proxy, Debian apt and a Docker engine',
  };
  const timed = async (script: string, args: string[]) => {
    const started = performance.now();
    const result = await run('nice', ['-n', '19', join(HERE, script), ...args], common);
    return { result, ms: Math.round(performance.now() - started) };
  };
  const kube = await timed('build-kube-binaries.sh', [v.kubernetes, paths.kubeBin]);
  const addons = await timed('build-addons.sh', [cacheRoot(), v.kind, v.etcd, v.coredns, v.localPathProvisioner, v.pause]);
  const node = await run(join(HERE, 'build-node-image.sh'), [cacheRoot(), v.kubernetes, v.etcd, v.coredns, v.localPathProvisioner, v.pause], {
    ...common,
    inherit: false,
  }).then((result) => ({ result, ms: result.durationMs }));
  const nodeImage = node.result.stdout.trim().split('\n').at(-1) ?? '';
  if (!nodeImage.startsWith('drillbook/kind-node:')) {
    throw new ToolFailedError('build-node-image.sh', `did not print a node image tag (got "${nodeImage}")`, { stderr: node.result.stderr });
  }
  for (const bin of [paths.kind, paths.kubectl]) {
    if (!existsSync(bin)) throw new ToolFailedError('ensureKindToolchain', `${bin} is missing after the build`);
  }
  return {
    versions: v,
    kind: paths.kind,
    kubectl: paths.kubectl,
    nodeImage,
    timings: { kubernetes: kube.ms, addons: addons.ms, nodeImage: node.ms },
  };
}
