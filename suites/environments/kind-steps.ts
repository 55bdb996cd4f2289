// The set-up steps every kind environment is composed of, in the order they run: prerequisites (toolchain, k6,
// the stack's images, built when missing) -> the stack deployed onto a started cluster (images loaded, stages
// applied and waited for) -> the drill ports (the environment's faults, k6 load, the data probe through the
// backend's published port). Each step takes what it needs and registers what it starts on the environment's
// disposable stack, so a failed later step tears the earlier ones down (e2e-framework's env funcs, Playwright's
// fixtures). Environments add their own capabilities between the steps.
import { join } from 'node:path';
import type { StartedKindCluster } from '../../clusters/kube/kind.provider.ts';
import type { KubeClient } from '../../clusters/kube/kube-client.ts';
import type { StageTiming } from '../../clusters/stack/deploy-stack.ts';
import type { StackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import { systemClock } from '../../scenarios/clock.ts';
import type { FaultInjector, LoadGenerator, Ports } from '../../scenarios/ports.ts';
import { ensureImage, type ImageName } from '../../tools/images/images.ts';
import { K6LoadGenerator } from '../../tools/k6/k6.driver.ts';
import { ensureK6, type InstalledK6 } from '../../tools/k6/k6.installer.ts';
import { ensureKindToolchain, type KindToolchain } from '../../tools/kube/toolchain.ts';
import { HttpProbeTransport } from '../../tools/postgres/http.probe.ts';
import { SteadyWriteProbe } from '../../tools/postgres/sql.probe.ts';

/** What every kind environment is started with. */
export interface KindEnvironmentOptions {
  runId: string;
  suite: string;
  outDir: string;
  signal: AbortSignal;
  log: (line: string) => void;
  /** kind cluster name (must start with drillbook-). */
  clusterName?: string;
  /** Keep the cluster after dispose (reused by the next run when the environment supports it). Default false. */
  keep?: boolean;
  /** Application namespace. */
  namespace?: string;
  backendReplicas?: number;
}

/** What every kind environment gives a suite: the scenarios' environment and the ports, plus what it runs on. */
export interface KindEnvironment<Env> extends AsyncDisposable {
  readonly env: Env;
  readonly ports: Ports;
  readonly cluster: StartedKindCluster;
  readonly client: KubeClient;
  readonly stack: StackOptions;
  readonly deployTimings: readonly StageTiming[];
  readonly secrets: readonly string[];
}

export interface Prerequisites<K extends string> {
  readonly toolchain: KindToolchain;
  readonly k6: InstalledK6;
  /** Exact tags, by the environment's own names for them. */
  readonly images: Readonly<Record<K, string>>;
}

/** Step 1: the kind toolchain, k6 and the stack's images, each built when missing (cached otherwise). */
export async function prerequisites<K extends string>(wanted: Readonly<Record<K, ImageName>>, o: Pick<KindEnvironmentOptions, 'signal' | 'log'>): Promise<Prerequisites<K>> {
  const toolchain = await ensureKindToolchain({ signal: o.signal });
  const k6 = await ensureK6({ signal: o.signal, log: o.log });
  const images = {} as Record<K, string>;
  for (const key of Object.keys(wanted) as K[]) images[key] = await ensureImage(wanted[key], { signal: o.signal, log: o.log });
  return { toolchain, k6, images };
}

/** Step 2: the stack onto a started cluster: its images loaded into every node, then its stages deployed. */
export async function deployOnto(
  cluster: StartedKindCluster,
  images: Readonly<Record<string, string>>,
  deploy: (client: KubeClient, onStage: (t: StageTiming) => void) => Promise<StageTiming[]>,
  o: Pick<KindEnvironmentOptions, 'signal' | 'log'>,
): Promise<{ client: KubeClient; deployTimings: StageTiming[] }> {
  const started = performance.now();
  await cluster.loadImages([...new Set(Object.values(images))], { signal: o.signal });
  o.log(`images loaded into every node of ${cluster.name} in ${Math.round(performance.now() - started)} ms`);
  const client = cluster.client();
  const deployTimings = await deploy(client, (t) => o.log(`stage ${t.stage}: ${t.applied} objects, ready in ${t.ms} ms`));
  return { client, deployTimings };
}

/** Step 3: the drill ports: the environment's fault injectors, k6 (or another load engine), the data probe. */
export function drillPorts(o: { cluster: StartedKindCluster; k6: InstalledK6; outDir: string; backendUrl: string; faults: FaultInjector; load?: LoadGenerator }): Ports {
  return {
    clock: systemClock,
    faults: o.faults,
    load: o.load ?? new K6LoadGenerator().withK6(o.k6.path, o.k6.version).withOutputDir(join(o.outDir, 'k6')),
    data: new SteadyWriteProbe(new HttpProbeTransport(o.backendUrl), { intervalMs: 50 }),
    cluster: o.cluster,
  };
}

/** Last step: the environment handed to the suite owns everything the steps started (disposed in reverse order). */
export function handOver<Env>(owned: AsyncDisposableStack, parts: Omit<KindEnvironment<Env>, typeof Symbol.asyncDispose>): KindEnvironment<Env> {
  const moved = owned.move();
  return { ...parts, [Symbol.asyncDispose]: () => moved.disposeAsync() };
}

/** A suite's config check for environments that make their own kind cluster: any other provider is refused up front. */
export function kindOnly(suite: string, why: string): (config: { cluster: { provider: string } }) => string[] {
  return (config) => (config.cluster.provider === 'kind' ? [] : [`cluster.provider '${config.cluster.provider}': ${suite} ${why}`]);
}

/** A suite's config check for environments that run on their own kind cluster or on an existing one (checked by `existing`). */
export function kindOrExisting<C extends { cluster: { provider: string } }>(existing: (config: C) => string[]): (config: C) => string[] {
  return (config) => (config.cluster.provider === 'existing' ? existing(config) : []);
}
