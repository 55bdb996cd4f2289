// Doctor checks for the components the project builds itself: the stack's images, Chromium for the report
// tests, MinIO for the S3 backup target. Each names the exact command that installs what is missing.
import { existsSync } from 'node:fs';
import { readAptLock } from '../images/apt-lock.ts';
import { IMAGE_NAMES, imageExists, imageTag } from '../images/images.ts';
import { toolchainPaths } from '../kube/toolchain.ts';
import { KUBE_TOOLCHAIN } from '../kube/versions.ts';
import { minioBinary } from '../postgres/testing/minio.server.ts';
import type { Check } from './doctor.ts';

export const imagesCheck: Check = {
  name: 'images',
  neededFor: 'integration tier, suites nightly/rollback-drill/signoff, kind',
  async run() {
    const missing: string[] = [];
    for (const name of IMAGE_NAMES) {
      const tag = await imageTag(name);
      if (!(await imageExists(tag))) missing.push(`${name} (${tag})`);
    }
    const lock = await readAptLock();
    const packages = lock ? `; Debian packages as resolved ${lock.resolvedAt}: ${Object.entries(lock.packages).map(([p, e]) => `${p}=${e.version}`).join(', ')}` : '';
    return missing.length === 0
      ? { ok: true, detail: `all ${IMAGE_NAMES.length} images built for the current recipes${packages}` }
      : { ok: false, detail: `missing: ${missing.join(', ')}`, fix: `node tools/images/build.ts ${missing.map((m) => m.split(' ')[0]).join(' ')}   (cold Loki/promtail: ~30 min)` };
  },
};

export const chromiumCheck: Check = {
  name: 'chromium',
  neededFor: 'the HTML report test (integration tier)',
  async run() {
    return existsSync('/usr/bin/chromium') ? { ok: true, detail: '/usr/bin/chromium' } : { ok: false, detail: 'Debian chromium not installed', fix: 'bash tools/setup/50-chromium.sh' };
  },
};

export const minioCheck: Check = {
  name: 'minio',
  neededFor: 'the S3 backup target test (integration tier)',
  async run() {
    const bin = minioBinary();
    return existsSync(bin) ? { ok: true, detail: bin } : { ok: false, detail: 'MinIO not built', fix: 'bash tools/setup/40-minio.sh   (go install from its module; several minutes cold)' };
  },
};

export const kindCheck: Check = {
  name: 'kind toolchain',
  neededFor: 'e2e tier (kind cluster from the locally built node image)',
  async run() {
    const p = toolchainPaths();
    const missing = [p.kind, p.kubectl].filter((f) => !existsSync(f));
    return missing.length === 0
      ? { ok: true, detail: `kind ${KUBE_TOOLCHAIN.kind}, Kubernetes ${KUBE_TOOLCHAIN.kubernetes} (${p.kubeBin})` }
      : { ok: false, detail: `not built: ${missing.join(', ')}`, fix: 'bash tools/setup/60-kind.sh   (Kubernetes, etcd, coredns, kind and the node image from Go modules: ~45 min cold)' };
  },
};
