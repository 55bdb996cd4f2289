// `drillbook doctor` line for k6: is the pinned build in the cache, and which version does it report.
import { access, constants } from 'node:fs/promises';
import type { Check } from '../doctor/doctor.ts';
import { K6_VERSION, k6BinaryPath, k6Version } from './k6.installer.ts';

const FIX = 'bash tools/setup/30-k6.sh   (go install of the pinned k6 release into the cache; minutes cold, then cached)';

export function k6Check(path: string = k6BinaryPath()): Check {
  return {
    name: 'k6',
    neededFor: 'load profiles (sign-off, background load during scenarios), integration tier',
    async run() {
      try {
        await access(path, constants.X_OK);
      } catch {
        return { ok: false, detail: `not built (expected ${path})`, fix: FIX };
      }
      try {
        const version = await k6Version(path, { signal: AbortSignal.timeout(15_000) });
        return version.includes(K6_VERSION)
          ? { ok: true, detail: `${version} at ${path}` }
          : { ok: false, detail: `${version} at ${path}, expected ${K6_VERSION}`, fix: `rm -rf ${path.replace(/\/bin\/k6$/, '')} && ${FIX}` };
      } catch (error) {
        return { ok: false, detail: `${path} does not run: ${(error as Error).message.split('\n')[0]}`, fix: FIX };
      }
    },
  };
}
