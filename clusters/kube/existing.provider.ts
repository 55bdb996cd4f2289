// Existing-cluster provider: any kubeconfig context. It reports who the target is (its context, and whether it is
// a kind cluster drillbook created: context kind-drillbook-* that kind still lists); whether a destructive scenario
// may touch it is decided by the one safety gate (scenarios/safety.ts) from that and the config's
// `allowDestructive.contexts`.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CallOptions, ClusterTarget } from '../../scenarios/ports.ts';
import { run } from '../../tools/lib/exec.ts';
import { ClientNodeKubeApi, loadKubeConfig } from './client-node.kube-api.ts';
import { KIND_NAME_PREFIX, kindEnv, type Runner } from './kind.provider.ts';
import { KubeClient } from './kube-client.ts';

/** Identity, unit-tested: the context is a harness-named kind cluster (kind-drillbook-*) that kind lists. */
export function isHarnessKindContext(context: string, kindClusters: readonly string[]): boolean {
  const kindName = context.startsWith('kind-') ? context.slice('kind-'.length) : undefined;
  return kindName !== undefined && kindName.startsWith(KIND_NAME_PREFIX) && kindClusters.includes(kindName);
}

export class ExistingCluster {
  readonly context: string;
  #kubeconfig = process.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.kube', 'config');
  #runner: Runner = (file, args, options) => run(file, args, { env: kindEnv(), ...options });
  #kind = 'kind';

  constructor(context: string) {
    this.context = context;
  }
  withKubeconfig(path: string): this {
    this.#kubeconfig = path;
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
    return new StartedExistingCluster(this.context, this.#kubeconfig, isHarnessKindContext(this.context, kindClusters), new KubeClient(new ClientNodeKubeApi(kc)));
  }
}

export class StartedExistingCluster implements ClusterTarget, AsyncDisposable {
  readonly name: string;
  readonly context: string;
  readonly provider = 'existing' as const;
  readonly createdByDrillbook: boolean;
  readonly kubeconfigPath: string;
  readonly #client: KubeClient;

  constructor(context: string, kubeconfigPath: string, createdByDrillbook: boolean, client: KubeClient) {
    this.name = context;
    this.context = context;
    this.kubeconfigPath = kubeconfigPath;
    this.createdByDrillbook = createdByDrillbook;
    this.#client = client;
  }

  client(): KubeClient {
    return this.#client;
  }

  /** Nothing to tear down: the harness never deletes a cluster it did not create. */
  async [Symbol.asyncDispose](): Promise<void> {}
}
