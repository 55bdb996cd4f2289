// FaultInjector for containers the run created (found by name, checked for drillbook's run label):
//   container-kill      docker kill (SIGKILL): a crashed pod/node; revert: docker start
//   container-pause     docker pause (cgroup freezer): a hung process; revert: docker unpause
//   network-partition   docker network disconnect: the container drops off the network; revert: reconnect
// Every fault goes through the fault transaction: in the ledger, with its undo, before it takes effect.
import { LABELS, MANAGED_BY, type FaultSpec } from '../../scenarios/ports.ts';
import { run } from '../lib/exec.ts';
import type { FaultLedger, UndoAction } from '../state/ledger.ts';
import { FaultAdapter, injected, SpecReader, type Parsed, type PlanContext } from './fault-adapter.ts';
import type { FaultPlan, FaultTransactions } from './fault-transaction.ts';

const KINDS = ['container-kill', 'container-pause', 'network-partition'] as const;

export type ContainerFaultSpec =
  | { readonly kind: 'container-kill'; readonly target: string }
  | { readonly kind: 'container-pause'; readonly target: string }
  | { readonly kind: 'network-partition'; readonly target: string; readonly network: string };

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

export class ContainerFaultInjector extends FaultAdapter<ContainerFaultSpec> {
  readonly name = 'docker';
  readonly kinds = KINDS;
  readonly #targets: ReadonlyMap<string, string>;

  /** `targets`: logical name (e.g. 'backend') -> container name. Only these can be touched. */
  constructor(targets: Readonly<Record<string, string>>, ledger?: FaultLedger | FaultTransactions) {
    super(ledger);
    this.#targets = new Map(Object.entries(targets));
  }

  protected parseKind(spec: FaultSpec): Parsed<ContainerFaultSpec> {
    const r = new SpecReader(spec);
    const target = typeof spec.target === 'string' && this.#targets.has(spec.target) ? spec.target : '';
    if (!target) r.problem(`target: '${String(spec.target)}' is not a container of this run; known: ${[...this.#targets.keys()].join(', ') || '(none)'}`);
    if (spec.kind === 'network-partition') return r.done({ kind: spec.kind, target, network: r.string('network', 'name the network to cut the container off from') });
    return r.done({ kind: spec.kind as 'container-kill', target });
  }

  protected async plan(spec: ContainerFaultSpec, { signal }: PlanContext): Promise<FaultPlan> {
    const container = this.#targets.get(spec.target)!;
    const before = await inspect(container, signal);
    // The guard: never touch a container the harness did not create.
    if (before.labels[LABELS.managedBy] !== MANAGED_BY) {
      throw new Error(`refusing to touch container ${container}: it has no ${LABELS.managedBy}=${MANAGED_BY} label`);
    }
    let undo: UndoAction;
    let args: string[];
    if (spec.kind === 'container-kill') {
      undo = { kind: 'docker-start', containers: [container] };
      args = ['kill', container];
    } else if (spec.kind === 'container-pause') {
      undo = { kind: 'docker-unpause', containers: [container] };
      args = ['pause', container];
    } else {
      const aliases = (before.networks[spec.network]?.Aliases ?? []).filter((a) => !before.name.startsWith(a) && a.length < 64);
      undo = { kind: 'docker-network-connect', network: spec.network, container, aliases };
      args = ['network', 'disconnect', spec.network, container];
    }
    return {
      undo: [undo],
      act: async (sig) => {
        const done = await run('docker', args, { signal: sig });
        return [injected(`docker ${args.join(' ')} (${done.durationMs} ms)`)];
      },
    };
  }
}
