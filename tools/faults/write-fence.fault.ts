// `write-fence`: the PostgreSQL instance of a region takes no more writes (default_transaction_read_only on), the
// first move of a planned switchover (the region drills' fail-back). The undo, in the ledger before the fence (the
// fault transaction): apply a Job that resets the setting, which gc can do without this process. The live revert
// skips it when the instance has since become a standby (re-seeded: the fence went with its data directory).
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import type { FaultSpec } from '../../scenarios/ports.ts';
import type { FaultLedger, KubeTargetRef } from '../state/ledger.ts';
import { FaultAdapter, injected, SpecReader, type Parsed, type PlanContext } from './fault-adapter.ts';
import type { FaultPlan, FaultTransactions } from './fault-transaction.ts';
import { REVERT_FIELD_MANAGER } from './kube.fault.ts';

export const WRITE_FENCE = 'write-fence';

export interface WriteFenceSpec {
  readonly kind: typeof WRITE_FENCE;
  readonly region: string;
}

/** What the fence needs of the environment (the region drills' database Jobs). */
export interface WriteFenceDeps {
  readonly regions: readonly string[];
  readonly target: KubeTargetRef;
  /** Fences the instance of a region; returns what was done. */
  fence(region: string, signal: AbortSignal): Promise<string>;
  /** The Job that lifts the fence: the undo, as data (gc can apply it without this process). */
  unfenceJob(region: string): KubeObject;
  isStandby(region: string, signal: AbortSignal): Promise<boolean>;
  runJob(job: KubeObject, signal: AbortSignal): Promise<string>;
}

export class WriteFenceFaultInjector extends FaultAdapter<WriteFenceSpec> {
  readonly name = WRITE_FENCE;
  readonly kinds = [WRITE_FENCE] as const;
  readonly #deps: WriteFenceDeps;
  constructor(deps: WriteFenceDeps, ledger?: FaultLedger | FaultTransactions) {
    super(ledger);
    this.#deps = deps;
  }

  protected parseKind(spec: FaultSpec): Parsed<WriteFenceSpec> {
    const r = new SpecReader(spec);
    const region = this.#deps.regions.includes(spec.region as string) ? (spec.region as string) : '';
    if (!region) r.problem(`region: '${String(spec.region)}' must be one of ${this.#deps.regions.join(', ')}`);
    return r.done({ kind: WRITE_FENCE, region });
  }

  protected async plan({ region }: WriteFenceSpec, { signal }: PlanContext): Promise<FaultPlan> {
    const deps = this.#deps;
    const job = deps.unfenceJob(region);
    const live = (s: AbortSignal | undefined) => s ?? new AbortController().signal;
    return {
      undo: [{ kind: 'kube-apply', cluster: deps.target, fieldManager: REVERT_FIELD_MANAGER, manifests: [job], onlyIfAbsent: true }],
      act: async () => [injected(await deps.fence(region, live(signal)))],
      revert: async (s) => {
        const value = (await deps.isStandby(region, live(s)))
          ? `the instance in ${region} is a standby now (re-seeded): its fence went with its old data directory`
          : `fence lifted in ${region}: ${await deps.runJob(job, live(s))}`;
        return [{ kind: 'command', label: 'revert', value }];
      },
    };
  }
}
