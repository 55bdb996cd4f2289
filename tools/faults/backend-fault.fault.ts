// Test support: a FaultInjector that flips the reference backend's own fault switch (POST /api/admin/fault), on the
// stub or on the real backend container. Spec: { kind: 'backend-fault', latencyMs?, errorRate? }. Through the fault
// transaction like every injector: the undo (POST the switch back to 0) is in the ledger before the switch flips.
import type { FaultSpec } from '../../scenarios/ports.ts';
import type { FaultLedger } from '../state/ledger.ts';
import { setBackendFault } from '../k6/testing/stub-backend.ts';
import { FaultAdapter, SpecReader, type Parsed, type PlanContext } from './fault-adapter.ts';
import type { FaultPlan, FaultTransactions } from './fault-transaction.ts';

export interface BackendFaultSpec {
  readonly kind: 'backend-fault';
  readonly latencyMs: number;
  /** Share of requests answered 500, 0..1. */
  readonly errorRate: number;
}

class BackendFaultInjector extends FaultAdapter<BackendFaultSpec> {
  readonly name = 'backend-fault';
  readonly kinds = ['backend-fault'] as const;
  readonly #baseUrl: () => string;
  constructor(baseUrl: () => string, ledger?: FaultLedger | FaultTransactions) {
    super(ledger);
    this.#baseUrl = baseUrl;
  }

  protected parseKind(spec: FaultSpec): Parsed<BackendFaultSpec> {
    const r = new SpecReader(spec);
    const latencyMs = r.integer('latencyMs', 0, Number.MAX_SAFE_INTEGER, 0, 'latencyMs must be a non-negative integer');
    const errorRate = spec.errorRate ?? 0;
    if (typeof errorRate !== 'number' || errorRate < 0 || errorRate > 1) r.problem('errorRate must be in 0..1');
    return r.done({ kind: 'backend-fault', latencyMs, errorRate: errorRate as number });
  }

  protected async plan(spec: BackendFaultSpec, { signal }: PlanContext): Promise<FaultPlan> {
    const base = this.#baseUrl();
    return {
      undo: [{ kind: 'http-post', url: `${base}/api/admin/fault`, body: JSON.stringify({ latencyMs: 0, errorRate: 0 }) }],
      act: async () => [{ kind: 'json', label: 'POST /api/admin/fault', value: await setBackendFault(base, { latencyMs: spec.latencyMs, errorRate: spec.errorRate }, { signal }) }],
      revert: async (sig) => [{ kind: 'json', label: 'POST /api/admin/fault (cleared)', value: await setBackendFault(this.#baseUrl(), {}, { signal: sig }) }],
    };
  }
}

export function backendFaultInjector(baseUrl: () => string, ledger?: FaultLedger | FaultTransactions): BackendFaultInjector {
  return new BackendFaultInjector(baseUrl, ledger);
}
