// ROLLBACK.md's first line of defence, "Restart pods → try this first", drilled under load with real writes:
// a component crashes (SIGKILL), the harness detects it from readiness, the runbook restarts it, and the data
// probe proves no acknowledged write was lost (commits are durable before they are acknowledged).
import { defineScenario } from '../define.ts';
import { backendReady, backgroundLoad, exercisesListed, readinessLost, type GravlComponent, type GravlEnv } from './gravl.env.ts';

function crashScenario(component: GravlComponent, title: string, runbookRef: string, runbookFingerprint: string) {
  return defineScenario<GravlEnv>({
    id: `${component}-crash`,
    title,
    runbookRef,
    runbookFingerprint,
    tags: ['nightly', 'rollback', 'quick'],
    destructive: true,
    // a crash of the database is seen, and recovered, through the backend
    needs: component === 'database' ? ['backend', 'database'] : ['backend'],
    // ROLLBACK.md: RTO < 15 min, RPO < 5 min; the harness's own detection goal: 2 s.
    objectives: { rtoSeconds: 900, rpoSeconds: 300, detectionSeconds: 2 },
    steadyState: [backendReady, exercisesListed],
    inject: (env) => [env.crashFault(component)],
    detect: readinessLost(),
    recover: [
      {
        name: `restart the ${component}`,
        // on Kubernetes the kubelet may hold a container that crashed again and again in CrashLoopBackOff (up to
        // 5 min): the restart is waited for, and the RTO says how long it took, rather than the drill giving up
        timeoutMs: 400_000,
        runbookRef: 'ROLLBACK.md § Decision: "Restart pods → try this first"',
        run: async (ctx) => ctx.evidence('restart', await ctx.env.restart(component, ctx.signal), 'command'),
      },
    ],
    verify: [backendReady, exercisesListed],
    verifyTimeoutMs: 60_000,
    // 10 s of baseline and 15 s after recovery: the load series shows before/during/after, and the users'-eye
    // RTO (first 10 healthy seconds) can be measured.
    baselineSeconds: 10,
    observeSeconds: 15,
    load: (env) => backgroundLoad(env, 180),
    dataProbe: true,
  });
}

export const backendCrash = crashScenario(
  'backend',
  'Backend process crashes under load; restarted by the runbook, no acknowledged write lost',
  'ROLLBACK.md § Scenario 1: Pod Crash After Deployment; ROLLBACK.md § Decision: Is This a Rollback Situation?',
  'sha256:4c171f9eed694694',
);

export const databaseCrash = crashScenario(
  'database',
  'PostgreSQL crashes under load; restarted by the runbook, no acknowledged write lost',
  'DISASTER_RECOVERY_COMPLETION.md § 3. RTO/RPO Strategy Documentation; ROLLBACK.md § Decision: Is This a Rollback Situation?',
  'sha256:e9829962d2dfa413',
);
