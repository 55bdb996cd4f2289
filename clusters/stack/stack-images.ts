// Where the stack's image tags come from: tools/images builds what is missing (cached by recipe hash) and returns
// the exact tag. Nothing hardcodes a tag.
import { ensureImage, type ImageName } from '../../tools/images/images.ts';
import type { StackImages } from './manifests/stack-options.ts';

/** The image behind each part of the stack. */
const IMAGE_OF = {
  postgres: 'postgres',
  backend: 'gravl-backend-v1',
  frontend: 'gravl-frontend',
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  loki: 'loki',
  logShipper: 'promtail',
} as const satisfies Record<string, ImageName>;

type Part = keyof typeof IMAGE_OF;

/** Builds (if missing) and returns the tags of the parts the deployment needs; postgres and backend always. */
export async function resolveStackImages(parts: readonly Part[], options: { signal?: AbortSignal; log?: (line: string) => void } = {}): Promise<StackImages> {
  const found: Partial<Record<Part, string>> = {};
  for (const part of new Set<Part>(['postgres', 'backend', ...parts])) found[part] = await ensureImage(IMAGE_OF[part], options);
  return { ...found, postgres: found.postgres!, backend: found.backend! };
}
