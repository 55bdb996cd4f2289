// FaultInjector for the loss of nodes of a kind cluster (harness-native: `docker stop` of the node containers):
//   node-stop   every node a label selector matches (e.g. topology.kubernetes.io/region=region-a) goes down at
//               once. `graceSeconds` (default 0) is docker stop's --time: 0 is a power cut (SIGKILL right after the
//               stop signal), as a region outage is; revert: `docker start` of the same containers at the
//               addresses they had (a region comes back with its machines' addresses; docker alone would hand
//               out the lowest free ones, swapping nodes stopped together).
// Only nodes of this cluster: their names must start with `<cluster>-` and their containers must carry kind's
// cluster label; the control plane is never stopped. The fault goes through the fault transaction: in the ledger
// (undo: docker-start at the old addresses) before any container is stopped, so `drillbook gc` starts them again
// after a kill -9.
import type { KubeApi } from '../../clusters/kube/kube-api.ts';
import type { FaultSpec } from '../../scenarios/ports.ts';
import { run } from '../lib/exec.ts';
import type { FaultLedger } from '../state/ledger.ts';
import { parseAddresses } from '../state/undo.ts';
import { FaultAdapter, injected, LABEL_SELECTOR, SpecReader, type Parsed, type PlanContext } from './fault-adapter.ts';
import { FaultTransactions, type FaultPlan, type UndoPerformer } from './fault-transaction.ts';

export { parseAddresses };

const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';

/** Runs docker; tests replace it. Returns stdout. */
export type Docker = (args: readonly string[], options: { signal?: AbortSignal }) => Promise<string>;

const realDocker: Docker = async (args, options) => (await run('docker', [...args], { signal: options.signal, timeoutMs: 120_000 })).stdout;

export interface NodeStopSpec {
  readonly kind: 'node-stop';
  /** A node label selector, key=value[,key=value]. */
  readonly selector: string;
  /** docker stop --time: 0 (default) is a power cut. */
  readonly graceSeconds: number;
}

export class NodeStopFaultInjector extends FaultAdapter<NodeStopSpec> {
  readonly name = 'kind-node';
  readonly kinds = ['node-stop'] as const;
  readonly #api: KubeApi;
  readonly #cluster: string;
  readonly #docker: Docker;

  /** `cluster`: the kind cluster's name; only its node containers may be stopped. `perform`: the undo performer (tests). */
  constructor(api: KubeApi, cluster: string, options: { ledger?: FaultLedger; docker?: Docker; perform?: UndoPerformer } = {}) {
    super(new FaultTransactions({ ledger: options.ledger, perform: options.perform }));
    this.#api = api;
    this.#cluster = cluster;
    this.#docker = options.docker ?? realDocker;
  }

  protected parseKind(spec: FaultSpec): Parsed<NodeStopSpec> {
    const r = new SpecReader(spec);
    const selector = r.matching('selector', LABEL_SELECTOR, `selector: '${String(spec.selector)}' must be key=value[,key=value] (a node label selector; empty would stop every node)`);
    const graceSeconds = r.integer('graceSeconds', 0, 60, 0, `graceSeconds: ${String(spec.graceSeconds)} must be an integer between 0 and 60`);
    return r.done({ kind: 'node-stop', selector, graceSeconds });
  }

  protected async plan({ selector, graceSeconds: grace }: NodeStopSpec, { signal }: PlanContext): Promise<FaultPlan> {
    const { items } = await this.#api.list({ apiVersion: 'v1', kind: 'Node' }, { labelSelector: selector }, { signal });
    const names = items.map((n) => n.metadata.name).sort();
    if (names.length === 0) throw new Error(`node-stop: no node of ${this.#cluster} matches ${selector}`);
    for (const name of names) {
      if (!name.startsWith(`${this.#cluster}-`)) throw new Error(`node-stop: refusing to stop ${name}: not a node of kind cluster ${this.#cluster}`);
      if (name === `${this.#cluster}-control-plane` || items.find((n) => n.metadata.name === name)?.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined) {
        throw new Error(`node-stop: refusing to stop the control plane ${name}`);
      }
    }
    // the containers must be this cluster's kind nodes (docker's view, not only the API's)
    const owned = (await this.#docker(['ps', '--filter', `label=${KIND_CLUSTER_LABEL}=${this.#cluster}`, '--format', '{{.Names}}'], { signal })).split('\n').map((s) => s.trim()).filter(Boolean);
    const missing = names.filter((n) => !owned.includes(n));
    if (missing.length) throw new Error(`node-stop: ${missing.join(', ')} is not a running node container of ${this.#cluster}`);

    const addresses = parseAddresses(await this.#docker(['inspect', '-f', '{{.Name}} {{json .NetworkSettings.Networks}}', ...names], { signal }));
    const unaddressed = names.filter((n) => !addresses.some((a) => a.container === n && a.ipv4));
    if (unaddressed.length) throw new Error(`node-stop: docker reports no IPv4 address for ${unaddressed.join(', ')}: its address could not be given back after the stop`);
    const docker = this.#docker;
    return {
      undo: [{ kind: 'docker-start', containers: names, addresses }],
      act: async () => {
        const started = performance.now();
        await docker(['stop', '--time', String(grace), ...names], { signal });
        return [injected(`docker stop --time ${grace} ${names.join(' ')} (nodes matching ${selector}; ${Math.round(performance.now() - started)} ms)`)];
      },
    };
  }
}
