// `drillbook doctor` line for k6: is the pinned build in the cache, and which version does it report.
// (The CLI is wired by the lead; this stays a plain function so any doctor can call it.)
import { access, constants } from 'node:fs/promises';
import { K6_VERSION, k6BinaryPath, k6Version } from './k6.installer.ts';

export interface DoctorLine {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly hint?: string;
}

export async function k6Doctor(options: { signal?: AbortSignal; path?: string } = {}): Promise<DoctorLine> {
  const path = options.path ?? k6BinaryPath();
  try {
    await access(path, constants.X_OK);
  } catch {
    return { name: 'k6', ok: false, detail: `not built (expected ${path})`, hint: 'run `bash tools/setup/30-k6.sh` (go install of the pinned release, cached)' };
  }
  try {
    const version = await k6Version(path, options.signal ? { signal: options.signal } : {});
    const pinned = version.includes(K6_VERSION);
    return {
      name: 'k6',
      ok: pinned,
      detail: `${version} at ${path}`,
      ...(pinned ? {} : { hint: `expected ${K6_VERSION}; delete ${path} and rerun tools/setup/30-k6.sh` }),
    };
  } catch (error) {
    return { name: 'k6', ok: false, detail: `${path} does not run: ${(error as Error).message.split('\n')[0]}`, hint: 'rebuild with `bash tools/setup/30-k6.sh`' };
  }
}
