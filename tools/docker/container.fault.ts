// FaultInjector for containers the run created (found by name, checked for drillbook's run label):
//   container-kill      docker kill (SIGKILL): a crashed pod/node; revert: docker start
//   container-pause     docker pause (cgroup freezer): a hung process; revert: docker unpause
//   network-partition   docker network disconnect: the container drops off the network; revert: reconnect
// Every fault goes into the ledger, with its undo, before it takes effect.
import { randomUUID } from 'node:crypto';
import { LABELS, MANAGED_BY, type FaultInjector, type FaultSpec, type InjectedFault, type Labels } from '../../scenarios/ports.ts';
import { run } from '../lib/exec.ts';
import { FaultLedger, ledgerEntry, type UndoAction } from '../state/ledger.ts';
import { performUndo } from '../state/undo.ts';

const KINDS = ['container-kill', 'container-pause', 'network-partition'] as const;
type Kind = (typeof KINDS)[number];

interface ContainerState {
  name: string;
  running: boolean;
  paused: boolean;
  labels: Record<string, string>;
  networks: Record<string, { Aliases?: string[] | null }>;
}

async function inspect(container: string, signal?: AbortSignal): Promise<ContainerState> {
  const { stdout } = await run('docker', ['inspect', '--format', '{{json .}}', container], { signal, hint: `is ${container} a container this run created?` });
  const c = JSON.parse(stdout) as {
    Name: string;
    State: { Running: boolean; Paused: boolean };
    Config: { Labels: Record<string, string> | null };
    NetworkSettings: { Networks: ContainerState['networks'] };
  };
  return { name: c.Name.replace(/^\//, ''), running: c.State.Running, paused: c.State.Paused, labels: c.Config.Labels ?? {}, networks: c.NetworkSettings.Networks };
}

export class ContainerFaultInjector implements FaultInjector {
  readonly name = 'docker';
  readonly #targets: ReadonlyMap<string, string>;
  readonly #ledger: FaultLedger;

  /** `targets`: logical name (e.g. 'backend') -> container name. Only these can be touched. */
  constructor(targets: Readonly<Record<string, string>>, ledger = new FaultLedger()) {
    this.#targets = new Map(Object.entries(targets));
    this.#ledger = ledger;
  }

  validate(spec: FaultSpec): string[] {
    if (!(KINDS as readonly string[]).includes(spec.kind)) return [`unknown fault kind '${spec.kind}'; the docker injector supports: ${KINDS.join(', ')}`];
    const p: string[] = [];
    if (typeof spec.target !== 'string' || !this.#targets.has(spec.target)) {
      p.push(`target: '${String(spec.target)}' is not a container of this run; known: ${[...this.#targets.keys()].join(', ') || '(none)'}`);
    }
    if (spec.kind === 'network-partition' && typeof spec.network !== 'string') p.push('network: name the network to cut the container off from');
    return p;
  }

  async inject(spec: FaultSpec, options: { labels: Labels; signal?: AbortSignal }): Promise<InjectedFault> {
    const container = this.#targets.get(spec.target as string)!;
    const before = await inspect(container, options.signal);
    // The guard: never touch a container the harness did not create.
    if (before.labels[LABELS.managedBy] !== MANAGED_BY) {
      throw new Error(`refusing to touch container ${container}: it has no ${LABELS.managedBy}=${MANAGED_BY} label`);
    }
    const kind = spec.kind as Kind;
    const id = `${kind}-${randomUUID().slice(0, 8)}`;
    let undo: UndoAction;
    let args: string[];
    if (kind === 'container-kill') {
      undo = { kind: 'docker-start', containers: [container] };
      args = ['kill', container];
    } else if (kind === 'container-pause') {
      undo = { kind: 'docker-unpause', containers: [container] };
      args = ['pause', container];
    } else {
      const network = spec.network as string;
      const aliases = (before.networks[network]?.Aliases ?? []).filter((a) => !before.name.startsWith(a) && a.length < 64);
      undo = { kind: 'docker-network-connect', network, container, aliases };
      args = ['network', 'disconnect', network, container];
    }
    this.#ledger.record(ledgerEntry(id, kind, options.labels, [undo]));
    const done = await run('docker', args, { signal: options.signal });
    const ledger = this.#ledger;
    return {
      id,
      spec,
      evidence: [{ kind: 'command', label: 'injected', value: `docker ${args.join(' ')} (${done.durationMs} ms)` }],
      async revert(opts = {}) {
        const what = await performUndo(undo, opts.signal);
        ledger.remove(id);
        return [{ kind: 'command', label: 'revert', value: what }];
      },
    };
  }
}
