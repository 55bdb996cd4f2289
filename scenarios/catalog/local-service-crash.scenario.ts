// Self-test: a service on loopback crashes and the runbook restarts it. Exercises the whole engine end to end
// on any machine (no Docker, no cluster), so `drillbook run selftest` proves the harness itself works.
import { defineScenario, type ScenarioContext } from '../define.ts';

export interface LocalServiceEnv {
  /** base URL of the service, loopback only */
  readonly url: string;
  readonly service: string;
  /** restart the service, killing a hung process first (the runbook's "restart the pod") */
  readonly restart: (signal: AbortSignal) => Promise<void>;
}

async function health(url: string, signal: AbortSignal, timeoutMs = 2_000): Promise<number> {
  const res = await fetch(`${url}/api/health`, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  await res.body?.cancel();
  return res.status;
}

const healthProbe = {
  name: 'GET /api/health',
  tolerance: { equals: 200 },
  measure: (ctx: ScenarioContext<LocalServiceEnv>) => health(ctx.env.url, ctx.signal),
} as const;

/** Detected when the health endpoint stops answering 200 (refused, hung past 1 s, or an error status). */
const healthStops = {
  name: 'health endpoint stops answering',
  timeoutMs: 10_000,
  intervalMs: 100,
  check: async (ctx: ScenarioContext<LocalServiceEnv>) => {
    try {
      const status = await health(ctx.env.url, ctx.signal, 1_000);
      return { detected: status !== 200, value: status };
    } catch (error) {
      if (ctx.signal.aborted) throw error; // our own interruption is not the fault
      return { detected: true, value: String((error as Error).cause ?? error) };
    }
  },
};

const restartStep = {
  name: 'restart the service',
  timeoutMs: 30_000,
  runbookRef: 'ROLLBACK.md § Incident response: "Restart pods → try this first"',
  run: async (ctx: ScenarioContext<LocalServiceEnv>) => {
    await ctx.env.restart(ctx.signal);
    ctx.evidence('restarted', ctx.env.service);
  },
};

export const localServiceCrash = defineScenario<LocalServiceEnv>({
  id: 'local-service-crash',
  title: 'A service crashes and is restarted by the runbook (harness self-test)',
  runbookRef: 'ROLLBACK.md § Decision: Is This a Rollback Situation?; ROLLBACK.md § Scenario 1: Pod Crash After Deployment', // restart pods first, then scenario 1
  runbookFingerprint: 'sha256:cb49587b24dcd694',
  tags: ['selftest', 'quick'],
  destructive: true,
  objectives: { rtoSeconds: 900, detectionSeconds: 2 },
  steadyState: [healthProbe],
  inject: (env) => [{ kind: 'process-kill', target: env.service }],
  detect: healthStops,
  recover: [restartStep],
  verifyTimeoutMs: 10_000,
});

export const localServiceFreeze = defineScenario<LocalServiceEnv>({
  id: 'local-service-freeze',
  title: 'A service hangs (port open, no answers) and is restarted by the runbook (harness self-test)',
  runbookRef: 'ROLLBACK.md § Decision: Is This a Rollback Situation?; ROLLBACK.md § Scenario 1: Pod Crash After Deployment', // restart pods first, then scenario 1
  runbookFingerprint: 'sha256:cb49587b24dcd694',
  tags: ['selftest', 'quick'],
  destructive: true,
  objectives: { rtoSeconds: 900, detectionSeconds: 2 },
  steadyState: [healthProbe],
  inject: (env) => [{ kind: 'process-pause', target: env.service }],
  detect: healthStops,
  recover: [restartStep],
  verifyTimeoutMs: 10_000,
});
