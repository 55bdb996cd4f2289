// FaultInjector for services the harness started itself on loopback (the self-test target):
//   process-kill   SIGKILL, as a crash would
//   process-pause  SIGSTOP, a hung process: the port stays open but nothing answers
// Revert brings the service back if it is down or frozen: idempotent, a no-op after the runbook repaired it.
// Through the fault transaction: in the ledger before it takes effect, with the fixture's pid, so gc ends the
// orphaned (or frozen) fixture after a kill -9 of the harness.
import type { FaultSpec } from '../../scenarios/ports.ts';
import type { FaultLedger } from '../state/ledger.ts';
import type { StartedLocalService } from '../local/local-service.ts';
import { FaultAdapter, SpecReader, type Parsed } from './fault-adapter.ts';
import type { FaultPlan, FaultTransactions } from './fault-transaction.ts';

export interface LocalProcessFaultSpec {
  readonly kind: 'process-kill' | 'process-pause';
  /** The name of a service this run started. */
  readonly target: string;
}

export class LocalProcessInjector extends FaultAdapter<LocalProcessFaultSpec> {
  readonly name = 'local-process';
  readonly kinds = ['process-kill', 'process-pause'] as const;
  readonly #services: Map<string, StartedLocalService>;

  constructor(services: readonly StartedLocalService[], ledger?: FaultLedger | FaultTransactions) {
    super(ledger);
    this.#services = new Map(services.map((s) => [s.name, s]));
  }

  protected parseKind(spec: FaultSpec): Parsed<LocalProcessFaultSpec> {
    const r = new SpecReader(spec);
    const target = typeof spec.target === 'string' && this.#services.has(spec.target) ? spec.target : '';
    if (!target) r.problem(`target: '${String(spec.target)}' is not a service this run started; known: ${[...this.#services.keys()].join(', ') || '(none)'}`);
    return r.done({ kind: spec.kind as LocalProcessFaultSpec['kind'], target });
  }

  protected async plan(spec: LocalProcessFaultSpec): Promise<FaultPlan> {
    const service = this.#services.get(spec.target)!;
    const pid = service.pid;
    if (pid === undefined) throw new Error(`${service.name} is not running: there is no process to ${spec.kind === 'process-kill' ? 'kill' : 'pause'}`);
    return {
      // Without the harness, the fixture is an orphan: gc ends it.
      undo: [{ kind: 'kill-pids', pids: [pid] }],
      act: async () => {
        if (spec.kind === 'process-kill') await service.kill();
        else service.pause();
        return [{ kind: 'text', label: 'injected', value: `${spec.kind === 'process-kill' ? 'SIGKILL' : 'SIGSTOP'} to ${service.name} (pid ${pid})` }];
      },
      revert: async () => {
        let what: string;
        if (service.paused) {
          service.resume();
          what = `SIGCONT to ${service.name} (pid ${service.pid})`;
        } else if (!service.running) {
          await service.launch();
          what = `restarted ${service.name} (pid ${service.pid})`;
        } else {
          what = `${service.name} already healthy (pid ${service.pid})`;
        }
        return [{ kind: 'text', label: 'revert', value: what }];
      },
    };
  }
}
