// Where the stack's image tags come from. When tools/images/images.ts (branch `images`) is merged, its
// ensureImage(name) builds what is missing; until then the newest locally built drillbook/<name>:<prefix>-<hash8>
// is used. Either way nothing hardcodes a tag, and a missing image fails with what to run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DrillbookError } from '../../scenarios/errors.ts';
import { run } from '../../tools/lib/exec.ts';
import type { StackImages } from './manifests/stack-options.ts';

/** Image names as tools/images/recipes.ts knows them, with the repository/tag prefix they are built under. */
const KNOWN = {
  postgres: { name: 'postgres', repository: 'drillbook/postgres', prefix: '15-' },
  backend: { name: 'gravl-backend-v1', repository: 'drillbook/gravl-backend', prefix: 'v1-' },
  frontend: { name: 'gravl-frontend', repository: 'drillbook/gravl-frontend', prefix: '' },
  prometheus: { name: 'prometheus', repository: 'drillbook/prometheus', prefix: '' },
  alertmanager: { name: 'alertmanager', repository: 'drillbook/alertmanager', prefix: '' },
  loki: { name: 'loki', repository: 'drillbook/loki', prefix: '' },
  logShipper: { name: 'promtail', repository: 'drillbook/promtail', prefix: '' },
} as const;

type Part = keyof typeof KNOWN;

/** Newest local image of `repository` whose tag starts with `prefix`, or undefined. */
export async function newestLocalImage(repository: string, prefix: string, options: { signal?: AbortSignal } = {}): Promise<string | undefined> {
  const { stdout } = await run('docker', ['image', 'ls', repository, '--format', '{{.CreatedAt}}\t{{.Repository}}:{{.Tag}}'], { signal: options.signal });
  return stdout
    .split('\n')
    .filter((line) => line.includes(`:${prefix}`) && !line.endsWith(':<none>'))
    .sort()
    .reverse()[0]
    ?.split('\t')[1];
}

async function ensureImageFromImagesTool(name: string): Promise<string | undefined> {
  const path = fileURLToPath(new URL('../../tools/images/images.ts', import.meta.url));
  if (!existsSync(path)) return undefined;
  const mod = (await import(path)) as { ensureImage?: (n: string) => Promise<string> };
  return mod.ensureImage ? await mod.ensureImage(name) : undefined;
}

/** Resolves the images of `required` (failing loudly if one is missing) and of `optional` (skipped if missing). */
export async function resolveStackImages(required: readonly Part[], optional: readonly Part[] = []): Promise<StackImages> {
  const found: Partial<Record<Part, string>> = {};
  for (const part of [...required, ...optional]) {
    const known = KNOWN[part];
    const tag = (await ensureImageFromImagesTool(known.name).catch(() => undefined)) ?? (await newestLocalImage(known.repository, known.prefix));
    if (tag) found[part] = tag;
    else if (required.includes(part)) {
      throw new DrillbookError(`no local image for the stack's ${part} (${known.repository}:${known.prefix}<hash8>)`, {
        hint: `build it with ensureImage('${known.name}') from tools/images/images.ts (branch images), or tools/bootstrap.sh`,
      });
    }
  }
  if (!found.postgres || !found.backend) throw new DrillbookError('the stack needs at least postgres and backend images');
  return { ...found, postgres: found.postgres, backend: found.backend };
}
