// FaultInjector for services the harness started itself on loopback (the self-test target):
//   process-kill   SIGKILL, as a crash would
//   process-pause  SIGSTOP, a hung process: the port stays open but nothing answers
// Revert brings the service back if it is down or frozen: idempotent, a no-op after the runbook repaired it.
// Each fault is in the ledger before it takes effect, with the fixture's pid, so gc can clean up after kill -9.
import { randomUUID } from 'node:crypto';
import type { FaultInjector, FaultSpec, InjectedFault, Labels } from '../../scenarios/ports.ts';
import { FaultLedger, ledgerEntry } from '../state/ledger.ts';
import type { StartedLocalService } from './local-service.ts';

const KINDS = ['process-kill', 'process-pause'] as const;

export class LocalProcessInjector implements FaultInjector {
  readonly name = 'local-process';
  readonly #services: Map<string, StartedLocalService>;
  readonly #ledger: FaultLedger;

  constructor(services: readonly StartedLocalService[], ledger = new FaultLedger()) {
    this.#services = new Map(services.map((s) => [s.name, s]));
    this.#ledger = ledger;
  }

  validate(spec: FaultSpec): string[] {
    if (!(KINDS as readonly string[]).includes(spec.kind)) return [`unknown fault kind '${spec.kind}'; the local injector supports: ${KINDS.join(', ')}`];
    const target = spec.target;
    if (typeof target !== 'string' || !this.#services.has(target)) {
      return [`target: '${String(target)}' is not a service this run started; known: ${[...this.#services.keys()].join(', ') || '(none)'}`];
    }
    return [];
  }

  async inject(spec: FaultSpec, options: { labels: Labels }): Promise<InjectedFault> {
    const service = this.#services.get(spec.target as string)!;
    const id = `${spec.kind}-${randomUUID().slice(0, 8)}`;
    const pid = service.pid;
    // Without the harness, the fixture is an orphan: gc ends it.
    this.#ledger.record(ledgerEntry(id, spec.kind, options.labels, pid === undefined ? [] : [{ kind: 'kill-pids', pids: [pid] }]));
    let evidence: string;
    if (spec.kind === 'process-kill') {
      await service.kill();
      evidence = `SIGKILL to ${service.name} (pid ${pid})`;
    } else {
      service.pause();
      evidence = `SIGSTOP to ${service.name} (pid ${pid})`;
    }
    const ledger = this.#ledger;
    return {
      id,
      spec,
      evidence: [{ kind: 'text', label: 'injected', value: evidence }],
      async revert() {
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
        ledger.remove(id);
        return [{ kind: 'text', label: 'revert', value: what }];
      },
    };
  }
}
