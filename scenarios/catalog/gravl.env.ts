// What a Gravl scenario needs from wherever the stack runs (Docker today, kind in the e2e tier). Scenarios
// declare what happens; the environment says how: which fault spec crashes a component there, and how the
// runbook's operations are carried out.
import type { ScenarioContext } from '../define.ts';
import type { FaultSpec } from '../ports.ts';

export type GravlComponent = 'backend' | 'database';

export interface GravlEnv {
  /** Backend base URL, on loopback. */
  readonly backendUrl: string;
  /** Where the stack runs, for evidence: 'docker', 'kind-drillbook-gravl'... */
  readonly platform: string;
  /** The backend's readiness path (it can reach its database); default Gravl's /api/ready. */
  readonly readinessPath?: string;
  /** A business read that goes through the database end to end; default Gravl's /api/exercises. */
  readonly businessReadPath?: string;
  /** The fault that crashes a component on this platform (SIGKILL of its process/container/pod). */
  crashFault(component: GravlComponent): FaultSpec;
  /** Runbook: restart a component ("kubectl rollout restart" / "docker start"); returns what was done. */
  restart(component: GravlComponent, signal: AbortSignal): Promise<string>;
}

export async function httpStatus(url: string, signal: AbortSignal, timeoutMs = 2_000): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  await res.body?.cancel();
  return res.status;
}

/** The readiness URL of the environment's backend (Gravl's /api/ready unless the stack says its own). */
export const readinessUrl = (env: GravlEnv): string => `${env.backendUrl}${env.readinessPath ?? '/api/ready'}`;
/** The business read of the environment's backend (Gravl's /api/exercises unless the stack says its own). */
export const businessReadUrl = (env: GravlEnv): string => `${env.backendUrl}${env.businessReadPath ?? '/api/exercises'}`;

/** Probe: the backend answers readiness (it can reach its database at the schema it needs). Gravl: GET /api/ready. */
export const backendReady = {
  name: 'backend readiness answers',
  tolerance: { equals: 200 },
  measure: (ctx: ScenarioContext<GravlEnv>) => httpStatus(readinessUrl(ctx.env), ctx.signal),
} as const;

/** Probe: a business read works end to end. Gravl: GET /api/exercises; a described stack: its probe's read. */
export const exercisesListed = {
  name: 'business read answers',
  tolerance: { equals: 200 },
  measure: (ctx: ScenarioContext<GravlEnv>) => httpStatus(businessReadUrl(ctx.env), ctx.signal),
} as const;

/** Detector: readiness stops answering 200 (refused, hung past 1 s, or 503). Our own interruption is not the fault. */
export function readinessLost(timeoutMs = 30_000) {
  return {
    name: 'backend readiness lost',
    timeoutMs,
    intervalMs: 100,
    check: async (ctx: ScenarioContext<GravlEnv>) => {
      try {
        const status = await httpStatus(readinessUrl(ctx.env), ctx.signal, 1_000);
        return { detected: status !== 200, value: status };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        return { detected: true, value: String((error as Error).cause ?? error) };
      }
    },
  };
}

/** Background load during a Gravl fault drill: a few VUs, bounded, against the seeds' thresholds. */
export function backgroundLoad(env: GravlEnv, durationSeconds = 120) {
  return {
    name: 'background',
    target: env.backendUrl,
    vus: 2,
    durationSeconds,
    thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001 },
  };
}
