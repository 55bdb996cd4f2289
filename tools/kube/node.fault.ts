// FaultInjector for the loss of nodes of a kind cluster (harness-native: `docker stop` of the node containers):
//   node-stop   every node a label selector matches (e.g. topology.kubernetes.io/region=region-a) goes down at
//               once. `graceSeconds` (default 0) is docker stop's --time: 0 is a power cut (SIGKILL right after the
//               stop signal), as a region outage is; revert: `docker start` of the same containers at the
//               addresses they had (a region comes back with its machines' addresses; docker alone would hand
//               out the lowest free ones, swapping nodes stopped together).
// Only nodes of this cluster: their names must start with `<cluster>-` and their containers must carry kind's
// cluster label; the control plane is never stopped. The fault goes into the ledger (undo: docker-start) before
// any container is stopped, so `drillbook gc` starts them again after a kill -9.
import { randomUUID } from 'node:crypto';
import type { KubeApi } from '../../clusters/kube/kube-api.ts';
import type { Evidence } from '../../scenarios/journal.ts';
import type { FaultInjector, FaultSpec, InjectedFault, Labels } from '../../scenarios/ports.ts';
import { run } from '../lib/exec.ts';
import { FaultLedger, ledgerEntry, type UndoAction } from '../state/ledger.ts';
import { parseAddresses, performUndo } from '../state/undo.ts';

export { parseAddresses };

const SELECTOR = /^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]+(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]+)*$/;
const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';

/** Runs docker; tests replace it. Returns stdout. */
export type Docker = (args: readonly string[], options: { signal?: AbortSignal }) => Promise<string>;

const realDocker: Docker = async (args, options) => (await run('docker', [...args], { signal: options.signal, timeoutMs: 120_000 })).stdout;

export class NodeStopFaultInjector implements FaultInjector {
  readonly name = 'kind-node';
  readonly #api: KubeApi;
  readonly #cluster: string;
  readonly #ledger: FaultLedger;
  readonly #docker: Docker;

  /** `cluster`: the kind cluster's name; only its node containers may be stopped. */
  constructor(api: KubeApi, cluster: string, options: { ledger?: FaultLedger; docker?: Docker } = {}) {
    this.#api = api;
    this.#cluster = cluster;
    this.#ledger = options.ledger ?? new FaultLedger();
    this.#docker = options.docker ?? realDocker;
  }

  validate(spec: FaultSpec): string[] {
    if (spec.kind !== 'node-stop') return [`unknown fault kind '${spec.kind}'; the kind-node injector supports: node-stop`];
    const p: string[] = [];
    if (typeof spec.selector !== 'string' || !SELECTOR.test(spec.selector)) p.push(`selector: '${String(spec.selector)}' must be key=value[,key=value] (a node label selector; empty would stop every node)`);
    if (spec.graceSeconds !== undefined && !(typeof spec.graceSeconds === 'number' && Number.isInteger(spec.graceSeconds) && spec.graceSeconds >= 0 && spec.graceSeconds <= 60)) {
      p.push(`graceSeconds: ${String(spec.graceSeconds)} must be an integer between 0 and 60`);
    }
    return p;
  }

  async inject(spec: FaultSpec, options: { labels: Labels; signal?: AbortSignal }): Promise<InjectedFault> {
    const signal = options.signal;
    const selector = spec.selector as string;
    const grace = (spec.graceSeconds as number | undefined) ?? 0;
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

    const id = `node-stop-${randomUUID().slice(0, 8)}`;
    const undo: UndoAction[] = [{ kind: 'docker-start', containers: names, addresses }];
    this.#ledger.record(ledgerEntry(id, 'node-stop', options.labels, undo));
    const started = performance.now();
    try {
      await this.#docker(['stop', '--time', String(grace), ...names], { signal });
    } catch (error) {
      for (const action of undo) await performUndo(action).catch(() => undefined);
      this.#ledger.remove(id);
      throw error;
    }
    const evidence: Evidence[] = [{ kind: 'command', label: 'injected', value: `docker stop --time ${grace} ${names.join(' ')} (nodes matching ${selector}; ${Math.round(performance.now() - started)} ms)` }];
    const ledger = this.#ledger;
    return {
      id,
      spec,
      evidence,
      async revert(opts = {}) {
        const done: Evidence[] = [];
        for (const action of undo) done.push({ kind: 'command', label: 'revert', value: await performUndo(action, opts.signal) });
        ledger.remove(id);
        return done;
      },
    };
  }
}
