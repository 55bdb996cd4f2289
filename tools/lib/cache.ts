// Heavy build results (Node, k6, kind, Kubernetes binaries, images' build contexts) are cached outside the
// repo, keyed by version, so a warm machine is fast and a fresh clone does not rebuild what the machine has.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(): string {
  return process.env.DRILLBOOK_CACHE ?? join(homedir(), '.cache', 'drillbook');
}

/** e.g. cacheDir('k6', 'v1.4.0') -> ~/.cache/drillbook/k6/v1.4.0 */
export function cacheDir(...parts: string[]): string {
  return join(cacheRoot(), ...parts);
}
