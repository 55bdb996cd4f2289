// `drillbook doctor`: every prerequisite, what is missing, and the exact command that installs it.
import { k6Check } from '../k6/k6.doctor.ts';
import { k6OperatorCheck } from '../k6/k6-operator.doctor.ts';
import { chromiumCheck, imagesCheck, kindCheck, minioCheck } from './components.doctor.ts';
import { sealedSecretsCheck } from './sealed-secrets.doctor.ts';
import { tryRun } from '../lib/exec.ts';

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** The exact command that fixes it. */
  readonly fix?: string;
  /** Which tiers/suites need it. */
  readonly neededFor: string;
}

export interface Check {
  readonly name: string;
  readonly neededFor: string;
  run(): Promise<Omit<CheckResult, 'name' | 'neededFor'>>;
}

const BOOTSTRAP = 'bash tools/bootstrap.sh';

export const nodeCheck: Check = {
  name: 'node',
  neededFor: 'everything',
  async run() {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const ok = major > 22 || (major === 22 && minor >= 22);
    return ok
      ? { ok, detail: `node ${process.version}` }
      : { ok, detail: `node ${process.version} is older than 22.22 (testcontainers 12 and type stripping need it)`, fix: BOOTSTRAP };
  },
};

export const dockerCheck: Check = {
  name: 'docker engine',
  neededFor: 'integration tier, images, kind',
  async run() {
    const client = await tryRun('docker', ['version', '--format', '{{.Client.Version}}'], { timeoutMs: 10_000 });
    if (client instanceof Error) return { ok: false, detail: 'docker CLI not found', fix: 'apt-get update && apt-get install -y docker.io   (or: bash tools/bootstrap.sh)' };
    const server = await tryRun('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 15_000 });
    if (server instanceof Error) {
      return { ok: false, detail: 'docker CLI present but no engine answers', fix: "command -v dockerd || apt-get install -y docker.io; nohup dockerd >/var/log/dockerd.log 2>&1 &   (or: bash tools/bootstrap.sh)" };
    }
    return { ok: true, detail: `engine ${server.stdout.trim()}` };
  },
};

export const kubectlCheck: Check = {
  name: 'kubectl',
  neededFor: 'e2e tier (kind), existing clusters',
  async run() {
    const r = await tryRun('kubectl', ['version', '--client', '-o', 'json'], { timeoutMs: 10_000 });
    if (r instanceof Error) return { ok: false, detail: 'kubectl not found', fix: 'bash tools/setup/60-kind.sh   (builds kubectl with the Kubernetes binaries)' };
    const v = (JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? 'unknown';
    return { ok: true, detail: `kubectl ${v}` };
  },
};

/** The registry other components add their checks to (k6, kind, images...). */
export const checks: Check[] = [nodeCheck, dockerCheck, kubectlCheck, k6Check(), k6OperatorCheck(), sealedSecretsCheck(), imagesCheck, kindCheck, chromiumCheck, minioCheck];

export async function runDoctor(list: readonly Check[] = checks): Promise<CheckResult[]> {
  return Promise.all(
    list.map(async (c) => {
      try {
        return { name: c.name, neededFor: c.neededFor, ...(await c.run()) };
      } catch (error) {
        return { name: c.name, neededFor: c.neededFor, ok: false, detail: `check failed: ${(error as Error).message}` };
      }
    }),
  );
}
