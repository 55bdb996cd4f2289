// The Gravl reference stack as a user would hand it to drillbook: plain manifest files (k8s/*.yaml, as
// `kubectl apply -f k8s/` takes them) rendered from the TypeScript manifests in clusters/stack/manifests, plus the
// description in drillbook.yaml beside them. The rendered files are committed (a user's stack is files, not code);
// gravl-example.test.ts fails when they drift from the TypeScript manifests, and says how to render them again:
//
//   node tools/node.mjs clusters/examples/gravl/gravl-example.render.ts              # re-render k8s/*.yaml
//   node tools/node.mjs clusters/examples/gravl/gravl-example.render.ts --tag-images # + build and tag the images
//
// Image references are stable local names (EXAMPLE_IMAGES), not drillbook's content-hashed tags, so the files do
// not change with every image recipe; --tag-images builds the images (tools/images, nothing pulled) and tags them
// with those names so `deploy.images` can load them into kind.
//
// The TLS edge is left out: its certificate and key are made per run (tools/lib/tls-certs.ts) and a private key
// does not belong in a repository; the description has no tlsEdge component, so the TLS drill is skipped on this
// example with that reason.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { KubeObject } from '../../kube/kube-api.ts';
import { referenceStack } from '../../stack/manifests/stack.manifest.ts';
import { DEFAULT_NAMESPACES, stackOptions } from '../../stack/manifests/stack-options.ts';

export const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
export const MANIFEST_DIR = join(EXAMPLE_DIR, 'k8s');

/** Stable local names for the images the example runs, and the drillbook image each one is a tag of. */
export const EXAMPLE_IMAGES = {
  postgres: { ref: 'gravl-example/postgres:15', image: 'postgres' },
  backend: { ref: 'gravl-example/backend:v2', image: 'gravl-backend-v2' },
  next: { ref: 'gravl-example/backend:v3', image: 'gravl-backend-v3' },
  broken: { ref: 'gravl-example/backend:broken', image: 'gravl-backend-broken' },
  alertmanager: { ref: 'gravl-example/alertmanager:0.25', image: 'alertmanager' },
  loki: { ref: 'gravl-example/loki:3', image: 'loki' },
  logShipper: { ref: 'gravl-example/promtail:3', image: 'promtail' },
} as const;

/**
 * Example-only credentials: the example deploys onto a throwaway kind cluster, like a docker-compose example's
 * POSTGRES_PASSWORD. A real stack keeps its Secrets out of the repository (sealed, or made by the deploy).
 */
const EXAMPLE_CREDENTIALS = { db: { user: 'gravl_user', password: 'example-only-not-a-secret', name: 'gravl' }, jwtSecret: 'example-only-jwt-not-a-secret' };

const HEADER = [
  '# Rendered from clusters/stack/manifests by clusters/examples/gravl/gravl-example.render.ts; do not edit by hand.',
  '# Example-only credentials (a throwaway kind cluster); a real stack keeps its Secrets out of the repository.',
].join('\n');

/** The example's manifest files: one per stage of the reference stack, numbered in the order they are applied. */
export function renderGravlExample(): Map<string, string> {
  const stack = stackOptions({
    images: {
      postgres: EXAMPLE_IMAGES.postgres.ref,
      backend: EXAMPLE_IMAGES.backend.ref,
      alertmanager: EXAMPLE_IMAGES.alertmanager.ref,
      loki: EXAMPLE_IMAGES.loki.ref,
      logShipper: EXAMPLE_IMAGES.logShipper.ref,
    },
    namespaces: DEFAULT_NAMESPACES,
    ...EXAMPLE_CREDENTIALS,
    backendReplicas: 3,
  });
  const files = new Map<string, string>();
  referenceStack(stack).forEach((stage, i) => {
    const docs = stage.objects.map((o: KubeObject) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd());
    files.set(`${String(i * 10).padStart(2, '0')}-${stage.name}.yaml`, `${HEADER}\n---\n${docs.join('\n---\n')}\n`);
  });
  return files;
}

async function main(argv: readonly string[]): Promise<void> {
  const files = renderGravlExample();
  mkdirSync(MANIFEST_DIR, { recursive: true });
  for (const old of readdirSync(MANIFEST_DIR)) if (!files.has(old)) rmSync(join(MANIFEST_DIR, old));
  for (const [name, text] of files) writeFileSync(join(MANIFEST_DIR, name), text);
  console.log(`rendered ${files.size} files into ${MANIFEST_DIR}`);
  if (argv.includes('--tag-images')) {
    const { ensureImage } = await import('../../../tools/images/images.ts');
    const { run } = await import('../../../tools/lib/exec.ts');
    for (const { ref, image } of Object.values(EXAMPLE_IMAGES)) {
      const built = await ensureImage(image, { log: console.log });
      await run('docker', ['tag', built, ref]);
      console.log(`${ref} -> ${built}`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
