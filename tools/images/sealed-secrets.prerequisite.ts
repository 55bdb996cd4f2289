// Sealed Secrets (bitnami-labs/sealed-secrets): the controller, `kubeseal` and the SealedSecret CRD, built from the
// Go module the proxy serves at a pinned version. The module's go.mod says `module github.com/bitnami/sealed-secrets`
// while the proxy serves it as github.com/bitnami-labs/sealed-secrets, so `go install <path>@<version>` is refused
// (path mismatch): the module zip is downloaded, copied out of the read-only module cache, and built in place
// (`go build ./cmd/controller ./cmd/kubeseal`, no replace directives). The CRD is the module's own
// helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml, kept beside the binaries.
//
// Cache: cacheDir('sealed-secrets', <version>) holding `controller`, `kubeseal` and `crd.yaml`.
import { existsSync } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DrillbookError } from '../../scenarios/errors.ts';
import { cacheDir } from '../lib/cache.ts';
import { run } from '../lib/exec.ts';
import { withBuildLock } from './build-lock.ts';
import { VERSIONS } from './recipes.ts';

/** The module path as the proxy serves it (its go.mod declares github.com/bitnami/sealed-secrets). */
export const SEALED_SECRETS_MODULE = 'github.com/bitnami-labs/sealed-secrets';
/** Where the module keeps the CRD (the Helm chart's crds/ folder). */
export const SEALED_SECRETS_CRD_PATH = 'helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml';

export function sealedSecretsCacheDir(version: string = VERSIONS.sealedSecrets): string {
  return cacheDir('sealed-secrets', version);
}

export interface SealedSecretsBuild {
  readonly dir: string;
  readonly version: string;
  readonly controller: string;
  readonly kubeseal: string;
  /** The module's SealedSecret CRD (YAML). */
  readonly crd: string;
}

function buildOf(dir: string, version: string): SealedSecretsBuild | undefined {
  const b = { dir, version, controller: join(dir, 'controller'), kubeseal: join(dir, 'kubeseal'), crd: join(dir, 'crd.yaml') };
  return existsSync(b.controller) && existsSync(b.kubeseal) && existsSync(b.crd) ? b : undefined;
}

/** The cached build, or undefined (for doctor: no build is started). */
export function cachedSealedSecrets(version: string = VERSIONS.sealedSecrets): SealedSecretsBuild | undefined {
  return buildOf(sealedSecretsCacheDir(version), version);
}

interface PrepOptions {
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Builds controller + kubeseal if the cache lacks them. Cold: the client-go tree under `nice -n 19` (a few minutes on
 * 2 busy cores, see the report in the README); warm: three stats.
 */
export async function ensureSealedSecretsBuild(opts: PrepOptions = {}): Promise<SealedSecretsBuild> {
  const version = VERSIONS.sealedSecrets;
  const dir = sealedSecretsCacheDir(version);
  const cached = buildOf(dir, version);
  if (cached) return cached;
  return withBuildLock(`sealed-secrets-${version}`, async () => {
    const done = buildOf(dir, version);
    if (done) return done;
    const work = `${dir}.partial-${process.pid}`;
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' };
    const hint = `needs Go >= the version its go.mod names (v0.40.0: go 1.26.8) and the Go module proxy; \`go list -m -versions ${SEALED_SECRETS_MODULE}\` lists what it serves`;
    opts.log?.(`sealed-secrets: go mod download ${SEALED_SECRETS_MODULE}@${version}`);
    const { stdout } = await run('go', ['mod', 'download', '-json', `${SEALED_SECRETS_MODULE}@${version}`], { cwd: work, env, signal: opts.signal, hint });
    const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new DrillbookError(`go mod download ${SEALED_SECRETS_MODULE}@${version}: ${info.Error ?? 'no directory'}`, { hint });
    const src = join(work, 'src');
    await cp(info.Dir, src, { recursive: true });
    await run('chmod', ['-R', 'u+w', src], { signal: opts.signal });
    await run('go', ['mod', 'download'], { cwd: src, env, signal: opts.signal, hint });
    // main.VERSION is what `controller --version` / `kubeseal --version` print (the upstream Makefile sets it so)
    const ldflags = `-s -w -X main.VERSION=${version}`;
    for (const bin of ['controller', 'kubeseal'] as const) {
      opts.log?.(`sealed-secrets: go build ./cmd/${bin} (cold: minutes on 2 cores; cached afterwards in ${dir})`);
      await run('nice', ['-n', '19', 'go', 'build', '-trimpath', '-ldflags', ldflags, '-o', join(work, bin), `./cmd/${bin}`], { cwd: src, env, signal: opts.signal, hint });
    }
    if (!existsSync(join(src, SEALED_SECRETS_CRD_PATH))) {
      throw new DrillbookError(`${SEALED_SECRETS_MODULE}@${version} has no ${SEALED_SECRETS_CRD_PATH}`, { hint: 'the module moved its CRD; find it (`find <module dir> -name "*sealedsecrets*.yaml"`) and update SEALED_SECRETS_CRD_PATH' });
    }
    await cp(join(src, SEALED_SECRETS_CRD_PATH), join(work, 'crd.yaml'));
    await rm(src, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
    const built = buildOf(dir, version);
    if (!built) throw new DrillbookError(`sealed-secrets build missing in ${dir} after the build (controller, kubeseal, crd.yaml)`);
    return built;
  }, { signal: opts.signal, log: opts.log });
}

if (import.meta.main) {
  const built = await ensureSealedSecretsBuild({ log: (l) => console.error(`[sealed-secrets] ${l}`) });
  console.log(built.dir);
}
