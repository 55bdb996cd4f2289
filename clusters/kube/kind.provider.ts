// kind cluster provider: `new KindCluster('drillbook-e2e').withConfig(singleNodeConfig()).withNodeImage(img).start()`.
// Creates the cluster (or reuses one of that name), writes its kubeconfig to a private file (the user's
// ~/.kube/config is never touched), waits for every node Ready through a watch, exports logs when creation
// fails, loads locally built images with `kind load docker-image`, and deletes the cluster on dispose.
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError, ToolFailedError } from '../../scenarios/errors.ts';
import type { CallOptions, ClusterTarget } from '../../scenarios/ports.ts';
import { cacheDir } from '../../tools/lib/cache.ts';
import { run, type RunOptions, type RunResult } from '../../tools/lib/exec.ts';
import { renderKindConfig, singleNodeConfig, type KindConfig } from '../kind/kind-config.ts';
import { ClientNodeKubeApi, loadKubeConfig } from './client-node.kube-api.ts';
import { daemonSetReady, deploymentAvailable, nodesReady, type KubeCondition } from './conditions.ts';
import { KubeClient } from './kube-client.ts';

/** A cluster counts as up when its nodes are Ready and these system parts are ready (DNS, NetworkPolicy). */
export const SYSTEM_READY: readonly KubeCondition[] = [
  deploymentAvailable('kube-system', 'coredns'),
  daemonSetReady('kube-system', 'drillbook-netpol'),
];

/** Clusters the harness creates carry this prefix; only those are deleted or reused by default. */
export const KIND_NAME_PREFIX = 'drillbook-';

/**
 * Environment for the kind CLI: tools/kube/docker-shim first on PATH, so `docker run --privileged` works on
 * VMs whose capability bounding set lacks CAP_SYS_RESOURCE (see the shim's header).
 */
export function kindEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const shim = fileURLToPath(new URL('../../tools/kube/docker-shim', import.meta.url));
  return { ...env, PATH: [shim, env.PATH ?? ''].join(delimiter) };
}

export type Runner = (file: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;
export type ClientFactory = (kubeconfigPath: string, context: string) => KubeClient;

const realClient: ClientFactory = (path, context) => new KubeClient(new ClientNodeKubeApi(loadKubeConfig(path, context)));

export function validateKindName(name: string): string[] {
  const problems: string[] = [];
  if (!name.startsWith(KIND_NAME_PREFIX)) problems.push(`cluster name "${name}" must start with "${KIND_NAME_PREFIX}"`);
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) problems.push(`cluster name "${name}" must be lowercase letters, digits and dashes (at most 41)`);
  return problems;
}

export class KindCluster {
  readonly name: string;
  #config: KindConfig = singleNodeConfig();
  #image: string | undefined;
  #kind = 'kind';
  #runner: Runner = (file, args, options) => run(file, args, { env: kindEnv(), ...options });
  #clientFactory: ClientFactory = realClient;
  #reuse = true;
  #keep = false;
  #readyTimeoutMs = 180_000;
  #systemReady: readonly KubeCondition[] = SYSTEM_READY;
  #fixups: ((cluster: StartedKindCluster, options: CallOptions) => Promise<unknown>)[] = [];
  #logsDir: string | undefined;
  #dir: string;

  constructor(name: string) {
    const problems = validateKindName(name);
    if (problems.length) throw new InvalidInputError('kind cluster name', problems);
    this.name = name;
    this.#dir = cacheDir('kind-clusters', name);
  }

  withConfig(config: KindConfig): this {
    this.#config = config;
    return this;
  }
  /** The locally built node image (ensureKindToolchain().nodeImage). */
  withNodeImage(image: string): this {
    this.#image = image;
    return this;
  }
  withKindBinary(path: string): this {
    this.#kind = path;
    return this;
  }
  /** Reuse an existing cluster of this name instead of failing (default true). */
  withReuse(reuse: boolean): this {
    this.#reuse = reuse;
    return this;
  }
  /** Keep the cluster when the started handle is disposed (default false: dispose deletes it). */
  withKeepOnDispose(keep: boolean): this {
    this.#keep = keep;
    return this;
  }
  withReadyTimeout(ms: number): this {
    this.#readyTimeoutMs = ms;
    return this;
  }
  /** Conditions (besides all nodes Ready) that make the cluster usable; default SYSTEM_READY. */
  withSystemReadiness(conditions: readonly KubeCondition[]): this {
    this.#systemReady = conditions;
    return this;
  }
  /**
   * A repair of the node image's setup that has to run once every node is Ready and before the system
   * readiness conditions are judged (they may depend on it: a worker's kube-proxy that cannot reach the API
   * server leaves CoreDNS on that worker unready). Runs on created and reused clusters alike; must be idempotent.
   */
  withFixup(fixup: (cluster: StartedKindCluster, options: CallOptions) => Promise<unknown>): this {
    this.#fixups.push(fixup);
    return this;
  }
  /** Where `kind export logs` goes when creation fails (default: <cache>/kind-clusters/<name>/logs). */
  withLogsDir(dir: string): this {
    this.#logsDir = dir;
    return this;
  }
  /** Where the kubeconfig, rendered config and logs go (default: <cache>/kind-clusters/<name>). */
  withStateDir(dir: string): this {
    this.#dir = dir;
    return this;
  }
  /** For tests: replaces execa. */
  withRunner(runner: Runner): this {
    this.#runner = runner;
    return this;
  }

  /** For tests: replaces the @kubernetes/client-node client. */
  withClientFactory(factory: ClientFactory): this {
    this.#clientFactory = factory;
    return this;
  }

  async start(options: CallOptions = {}): Promise<StartedKindCluster> {
    if (!this.#image) {
      throw new InvalidInputError('kind cluster', ['no node image: call withNodeImage(tag)'], {
        hint: 'the tag comes from ensureKindToolchain() (tools/kube/toolchain.ts), which builds it offline',
      });
    }
    mkdirSync(this.#dir, { recursive: true });
    const kubeconfig = join(this.#dir, 'kubeconfig');
    const started = performance.now();
    const existing = await this.#clusters(options);
    let reused = false;
    if (existing.includes(this.name)) {
      if (!this.#reuse) throw new InvalidInputError('kind cluster', [`a cluster named ${this.name} already exists and reuse is off`]);
      const { stdout } = await this.#runner(this.#kind, ['get', 'kubeconfig', '--name', this.name], { signal: options.signal });
      writeFileSync(kubeconfig, `${stdout}\n`, { mode: 0o600 });
      reused = true;
    } else {
      const configPath = join(this.#dir, 'kind-config.yaml');
      writeFileSync(configPath, renderKindConfig(this.#config));
      try {
        // --retain keeps failed nodes so their logs can be exported; we delete them right after.
        await this.#runner(
          this.#kind,
          ['create', 'cluster', '--name', this.name, '--image', this.#image, '--config', configPath, '--kubeconfig', kubeconfig, '--retain', '--wait', '0s'],
          { signal: options.signal, hint: 'node logs were exported (see the path above the error)' },
        );
      } catch (error) {
        const logs = await this.#exportLogs(options);
        await this.#runner(this.#kind, ['delete', 'cluster', '--name', this.name], {}).catch(() => undefined);
        if (error instanceof ToolFailedError) {
          throw new ToolFailedError('kind', `${error.message}\nnode logs: ${logs}`, { exitCode: error.exitCode, cause: error });
        }
        throw error;
      }
    }
    const cluster = new StartedKindCluster(this.name, kubeconfig, this.#kind, this.#runner, {
      reused,
      keep: this.#keep || reused,
      clientFactory: this.#clientFactory,
    });
    try {
      const waitOptions = {
        timeoutMs: this.#readyTimeoutMs,
        signal: options.signal,
        hint: `inspect with: docker exec ${this.name}-control-plane journalctl -u kubelet --no-pager | tail -50`,
      };
      await cluster.client().waitFor(nodesReady(this.#config.nodes.length), waitOptions);
      for (const fixup of this.#fixups) await fixup(cluster, options);
      for (const condition of this.#systemReady) await cluster.client().waitFor(condition, waitOptions);
    } catch (error) {
      const logs = await this.#exportLogs(options);
      if (!reused && !this.#keep) await cluster.delete();
      throw Object.assign(error as Error, { message: `${(error as Error).message}\nnode logs: ${logs}` });
    }
    cluster.startMs = Math.round(performance.now() - started);
    return cluster;
  }

  async #clusters(options: CallOptions): Promise<string[]> {
    const { stdout } = await this.#runner(this.#kind, ['get', 'clusters'], { signal: options.signal });
    return stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  }

  async #exportLogs(options: CallOptions): Promise<string> {
    const dir = this.#logsDir ?? join(this.#dir, 'logs', new Date().toISOString().replace(/[:.]/g, '-'));
    try {
      await this.#runner(this.#kind, ['export', 'logs', dir, '--name', this.name], { signal: options.signal, timeoutMs: 120_000 });
      return dir;
    } catch (error) {
      return `(export failed: ${(error as Error).message.split('\n')[0]})`;
    }
  }
}

export class StartedKindCluster implements ClusterTarget, AsyncDisposable {
  readonly name: string;
  readonly context: string;
  readonly provider = 'kind' as const;
  /** drillbook created it (the drillbook- name prefix is checked at construction): the safety gate allows it. */
  readonly createdByDrillbook = true;
  readonly kubeconfigPath: string;
  readonly reused: boolean;
  /** Milliseconds from start() to all nodes Ready. */
  startMs = 0;
  readonly #kind: string;
  readonly #runner: Runner;
  readonly #keep: boolean;
  readonly #clientFactory: ClientFactory;
  #deleted = false;
  #client: KubeClient | undefined;

  constructor(name: string, kubeconfigPath: string, kind: string, runner: Runner, flags: { reused: boolean; keep: boolean; clientFactory?: ClientFactory }) {
    this.name = name;
    this.context = `kind-${name}`;
    this.kubeconfigPath = kubeconfigPath;
    this.reused = flags.reused;
    this.#kind = kind;
    this.#runner = runner;
    this.#keep = flags.keep;
    this.#clientFactory = flags.clientFactory ?? realClient;
  }

  client(): KubeClient {
    this.#client ??= this.#clientFactory(this.kubeconfigPath, this.context);
    return this.#client;
  }

  /** Node container names (docker), e.g. drillbook-e2e-control-plane. */
  async nodes(options: CallOptions = {}): Promise<string[]> {
    const { stdout } = await this.#runner(this.#kind, ['get', 'nodes', '--name', this.name], { signal: options.signal });
    return stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  }

  /**
   * The 127.0.0.1 port Docker publishes `containerPort` of `node` on (kind's extraPortMappings), or undefined when
   * the node has no such mapping: a reused cluster tells which host ports it was created with.
   */
  async hostPort(containerPort: number, options: CallOptions & { node?: string } = {}): Promise<number | undefined> {
    const node = options.node ?? `${this.name}-control-plane`;
    const { stdout } = await this.#runner('docker', ['port', node, `${containerPort}/tcp`], { signal: options.signal }).catch(() => ({ stdout: '' }));
    const port = /^(?:127\.0\.0\.1|0\.0\.0\.0|\[::1?\]):(\d+)$/m.exec(stdout.trim())?.[1];
    return port ? Number(port) : undefined;
  }

  /** `kind load docker-image`: copies locally built images into every node's containerd. */
  async loadImages(images: readonly string[], options: CallOptions = {}): Promise<void> {
    if (images.length === 0) return;
    await this.#runner(this.#kind, ['load', 'docker-image', '--name', this.name, ...images], {
      signal: options.signal,
      hint: 'the images must exist in the local Docker engine (docker image ls)',
    });
  }

  async exportLogs(dir: string, options: CallOptions = {}): Promise<string> {
    await this.#runner(this.#kind, ['export', 'logs', dir, '--name', this.name], { signal: options.signal });
    return dir;
  }

  /** Deletes the cluster. Safe to call twice. */
  async delete(options: CallOptions = {}): Promise<void> {
    if (this.#deleted) return;
    this.#deleted = true;
    await this.#runner(this.#kind, ['delete', 'cluster', '--name', this.name], { signal: options.signal });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#keep) await this.delete();
  }
}
