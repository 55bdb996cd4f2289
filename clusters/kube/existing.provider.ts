// Existing-cluster provider: any kubeconfig context, read-only unless the context is on an explicit allow-list
// (option or DRILLBOOK_ALLOWED_CONTEXTS, comma-separated). kind clusters the harness created
// (context kind-drillbook-*, and kind lists the cluster) are allowed by default. Destructive code must call
// assertDestructiveAllowed() first.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UnsafeTargetError } from '../../scenarios/errors.ts';
import type { CallOptions, ClusterTarget } from '../../scenarios/ports.ts';
import { run } from '../../tools/lib/exec.ts';
import { ClientNodeKubeApi, loadKubeConfig } from './client-node.kube-api.ts';
import { KIND_NAME_PREFIX, kindEnv, type Runner } from './kind.provider.ts';
import { KubeClient } from './kube-client.ts';

export const ALLOW_LIST_ENV = 'DRILLBOOK_ALLOWED_CONTEXTS';

export function allowListFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[ALLOW_LIST_ENV] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** Pure decision, unit-tested: allowed when listed, or when it is a harness-created kind cluster that exists. */
export function isDestructiveAllowed(context: string, allowList: readonly string[], harnessKindClusters: readonly string[]): boolean {
  if (allowList.includes(context)) return true;
  const kindName = context.startsWith('kind-') ? context.slice('kind-'.length) : undefined;
  return kindName !== undefined && kindName.startsWith(KIND_NAME_PREFIX) && harnessKindClusters.includes(kindName);
}

export class ExistingCluster {
  readonly context: string;
  #kubeconfig = process.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.kube', 'config');
  #allowList: string[] = allowListFromEnv();
  #runner: Runner = (file, args, options) => run(file, args, { env: kindEnv(), ...options });
  #kind = 'kind';

  constructor(context: string) {
    this.context = context;
  }
  withKubeconfig(path: string): this {
    this.#kubeconfig = path;
    return this;
  }
  /** Replaces the allow-list (default: DRILLBOOK_ALLOWED_CONTEXTS). */
  withAllowList(contexts: readonly string[]): this {
    this.#allowList = [...contexts];
    return this;
  }
  withKindBinary(path: string): this {
    this.#kind = path;
    return this;
  }
  withRunner(runner: Runner): this {
    this.#runner = runner;
    return this;
  }

  async start(options: CallOptions = {}): Promise<StartedExistingCluster> {
    const kc = loadKubeConfig(this.#kubeconfig, this.context);
    let kindClusters: string[] = [];
    if (this.context.startsWith(`kind-${KIND_NAME_PREFIX}`)) {
      const listed = await this.#runner(this.#kind, ['get', 'clusters'], { signal: options.signal }).catch(() => undefined);
      kindClusters = listed?.stdout.split('\n').map((s) => s.trim()).filter(Boolean) ?? [];
    }
    const allowed = isDestructiveAllowed(this.context, this.#allowList, kindClusters);
    return new StartedExistingCluster(this.context, this.#kubeconfig, allowed, new KubeClient(new ClientNodeKubeApi(kc)));
  }
}

export class StartedExistingCluster implements ClusterTarget, AsyncDisposable {
  readonly name: string;
  readonly context: string;
  readonly provider = 'existing' as const;
  readonly destructiveAllowed: boolean;
  readonly kubeconfigPath: string;
  readonly #client: KubeClient;

  constructor(context: string, kubeconfigPath: string, destructiveAllowed: boolean, client: KubeClient) {
    this.name = context;
    this.context = context;
    this.kubeconfigPath = kubeconfigPath;
    this.destructiveAllowed = destructiveAllowed;
    this.#client = client;
  }

  client(): KubeClient {
    return this.#client;
  }

  /** Throws UnsafeTargetError unless the context is allowed; call before any destructive step. */
  assertDestructiveAllowed(what: string): void {
    if (!this.destructiveAllowed) {
      throw new UnsafeTargetError(`refusing to ${what} on kube context "${this.context}": it is not on the allow-list`, {
        hint: `add it explicitly: ${ALLOW_LIST_ENV}=${this.context} (only for clusters you own and may break)`,
      });
    }
  }

  /** Nothing to tear down: the harness never deletes a cluster it did not create. */
  async [Symbol.asyncDispose](): Promise<void> {}
}
