// Test support: a FaultInjector that flips the reference backend's own fault switch (POST /api/admin/fault),
// on the stub or on the real backend container. Spec: { kind: 'backend-fault', latencyMs?, errorRate? }.
import type { FaultInjector, FaultSpec, InjectedFault } from '../../../scenarios/ports.ts';
import { setBackendFault } from './stub-backend.ts';

export function backendFaultInjector(baseUrl: () => string): FaultInjector {
  let n = 0;
  return {
    name: 'backend-fault',
    validate(spec: FaultSpec) {
      const problems: string[] = [];
      if (spec.kind !== 'backend-fault') problems.push(`unsupported kind '${spec.kind}' (this injector handles 'backend-fault')`);
      const { latencyMs = 0, errorRate = 0 } = spec as { latencyMs?: unknown; errorRate?: unknown };
      if (typeof latencyMs !== 'number' || !Number.isInteger(latencyMs) || latencyMs < 0) problems.push('latencyMs must be a non-negative integer');
      if (typeof errorRate !== 'number' || errorRate < 0 || errorRate > 1) problems.push('errorRate must be in 0..1');
      return problems;
    },
    async inject(spec, options): Promise<InjectedFault> {
      const { latencyMs = 0, errorRate = 0 } = spec as { latencyMs?: number; errorRate?: number };
      const set = await setBackendFault(baseUrl(), { latencyMs, errorRate }, options);
      return {
        id: `backend-fault-${++n}`,
        spec,
        evidence: [{ kind: 'json', label: 'POST /api/admin/fault', value: set }],
        async revert(opts) {
          const cleared = await setBackendFault(baseUrl(), {}, opts);
          return [{ kind: 'json', label: 'POST /api/admin/fault (cleared)', value: cleared }];
        },
      };
    },
  };
}
