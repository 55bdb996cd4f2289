// ROLLBACK.md's Kubernetes scenarios, executed step by step as the runbook writes them, under background load
// and the data probe:
//   Scenario 1 (pod crash after deployment): a bad release crash-loops; scale down, set the previous image,
//   scale up, rollout status.
//   Scenario 4 (configuration / secrets): the app secret is gone when the pods restart; they cannot start
//   (CreateContainerConfigError); restore the secret, restart, verify.
// What the runbook gets wrong shows up as findings in the journal, measured rather than argued.
import { defineScenario, type Probe, type ScenarioContext } from '../define.ts';
import { backendReady, backgroundLoad, exercisesListed } from './gravl.env.ts';
import type { GravlReleaseEnv } from './gravl-kube.env.ts';
import { settle } from '../wait.ts';

type Ctx = ScenarioContext<GravlReleaseEnv>;

/**
 * Probe: every replica of the backend is Ready (ROLLBACK.md: "All backend pods running and ready"), allowing the
 * readiness probes up to 60 s to catch up: a drill that ran before on the same cluster may leave a replica whose
 * probe has not yet passed again, which is the cluster settling, not a deviation.
 */
export const allBackendPodsReady: Probe<GravlReleaseEnv> = {
  name: 'every backend replica Ready (within 60 s)',
  tolerance: { equals: true },
  timeoutMs: 70_000,
  measure: async (ctx: Ctx) => {
    const ready = await settle(ctx, 60_000, 1_000, () => ctx.env.readyBackendPods(ctx.signal), (n) => n >= ctx.env.backendReplicas);
    ctx.evidence('ready backend pods', `${ready}/${ctx.env.backendReplicas}`);
    return ready >= ctx.env.backendReplicas;
  },
};

const steadyState = [backendReady, exercisesListed, allBackendPodsReady] as const;

/**
 * Both drills run under background load with the data probe, 10 s of baseline before the fault and 10 s of
 * observation after verification, and verify by the steady-state probes again.
 */
const underLoad = {
  verify: [...steadyState],
  verifyTimeoutMs: 120_000,
  baselineSeconds: 10,
  observeSeconds: 10,
  load: (env: GravlReleaseEnv) => backgroundLoad(env, 300),
  dataProbe: true,
} as const;

async function record(ctx: Ctx, label: string, done: Promise<string>): Promise<void> {
  ctx.evidence(label, await done, 'command');
}

export const badReleaseRollback = defineScenario<GravlReleaseEnv>({
  id: 'bad-release-rollback',
  title: 'A bad backend release crash-loops; rolled back to the previous image as ROLLBACK.md § Scenario 1 says',
  runbookRef: 'ROLLBACK.md § Scenario 1: Pod Crash After Deployment',
  runbookFingerprint: 'sha256:783adf33c6312bdb',
  tags: ['rollback', 'kube'],
  destructive: true,
  needs: ['backend', 'releases.broken'],
  // ROLLBACK.md: RTO < 15 min, RPO < 5 min. Detection is measured from `kubectl set image`: the symptom needs
  // the kubelet to start the new container, see it exit and back off, so the bound is 30 s, not the 2 s of a
  // readiness probe.
  objectives: { rtoSeconds: 900, rpoSeconds: 300, detectionSeconds: 30 },
  steadyState,
  inject: (env) => [env.badRelease()],
  detect: {
    name: 'pods of the new release in CrashLoopBackOff (watch)',
    timeoutMs: 120_000,
    watch: (ctx: Ctx) => ctx.env.watchBackendWaiting(['CrashLoopBackOff'], 1, ctx.signal),
  },
  recover: [
    {
      name: 'assess the rollback trigger (>2 pods in CrashLoopBackOff)',
      timeoutMs: 15_000,
      runbookRef: 'ROLLBACK.md § When to Rollback',
      run: async (ctx: Ctx) => {
        const [crashing, ready] = await Promise.all([ctx.env.crashLoopingBackendPods(ctx.signal), ctx.env.readyBackendPods(ctx.signal)]);
        ctx.evidence('trigger', { crashLoopBackOff: crashing, readyOldRelease: ready, replicas: ctx.env.backendReplicas }, 'json');
        if (crashing <= 2) {
          ctx.finding({
            severity: 'runbook-defect',
            title: 'The rollback trigger ">2 pods in CrashLoopBackOff" does not fire for a bad release',
            detail:
              `The rolling update replaced at most maxSurge pods at a time, so only ${crashing} pod(s) crash-looped while ` +
              `${ready} pod(s) of the previous release kept serving. Trigger the rollback on "rollout stuck" ` +
              '(kubectl rollout status fails, or Progressing=False/ProgressDeadlineExceeded) instead of a pod count.',
            runbookRef: 'ROLLBACK.md § When to Rollback',
          });
        }
      },
    },
    {
      name: 'scale down the failing deployment',
      timeoutMs: 60_000,
      runbookRef: 'ROLLBACK.md § Scenario 1 step 2: kubectl scale deployment backend --replicas=0',
      run: async (ctx: Ctx) => {
        const servingBefore = await ctx.env.readyBackendPods(ctx.signal);
        await record(ctx, 'scale', ctx.env.scaleBackend(0, ctx.signal));
        // as an operator would, go on once the scale-down took effect: commands typed back to back can reach the
        // deployment controller together and cancel out (replicas 0 then 3 before it ever acted)
        const started = ctx.clock.now();
        const left = await settle(ctx, 50_000, 250, () => ctx.env.readyBackendPods(ctx.signal), (n) => n === 0);
        ctx.evidence('ready backend pods after the scale-down', `${left} after ${Math.round(ctx.clock.now() - started)} ms`);
        if (left > 0) throw new Error(`${left} backend pod(s) still Ready 50 s after kubectl scale --replicas=0`);
        if (servingBefore > 0) {
          ctx.finding({
            severity: 'runbook-defect',
            title: 'Scaling to 0 turns a stuck rollout into a full outage',
            detail:
              `${servingBefore} pod(s) of the previous release were still serving when the runbook scaled the deployment to 0; ` +
              'every request fails until the scale-up is Ready (the data probe shows the outage window). ' +
              '`kubectl rollout undo deployment/backend` returns to the previous ReplicaSet without stopping the healthy pods.',
            runbookRef: 'ROLLBACK.md § Scenario 1 step 2',
          });
        }
      },
    },
    {
      name: 'set the previous image',
      timeoutMs: 60_000,
      runbookRef: 'ROLLBACK.md § Scenario 1 step 3: kubectl set image deployment/backend backend=<previous>',
      run: (ctx: Ctx) => record(ctx, 'set image', ctx.env.setBackendImage(ctx.env.previousBackendImage, ctx.signal)),
    },
    {
      name: 'scale back up',
      timeoutMs: 60_000,
      runbookRef: 'ROLLBACK.md § Scenario 1 step 4: kubectl scale deployment backend --replicas=3',
      run: (ctx: Ctx) => record(ctx, 'scale', ctx.env.scaleBackend(ctx.env.backendReplicas, ctx.signal)),
    },
    {
      name: 'rollout status',
      timeoutMs: 300_000,
      runbookRef: 'ROLLBACK.md § Scenario 1 step 5: kubectl rollout status deployment/backend',
      run: (ctx: Ctx) => record(ctx, 'rollout', ctx.env.backendRolloutStatus(ctx.signal)),
    },
  ],
  ...underLoad,
});

export const secretMissing = defineScenario<GravlReleaseEnv>({
  id: 'secret-missing',
  title: 'The app secret is deleted and the backend restarts; pods cannot start until the secret is restored',
  runbookRef: 'ROLLBACK.md § Decision: Is This a Rollback Situation?; ROLLBACK.md § Scenario 4: Secrets / Configuration Issue', // "Config issue (secrets, env vars) → fix config, restart pods, don't rollback"
  runbookFingerprint: 'sha256:b8f4ec25689ac9e3',
  tags: ['rollback', 'kube', 'secrets'],
  destructive: true,
  needs: ['backend', 'backend.appSecret'],
  // The secret is not read until a container starts, so detection waits for the kubelet's
  // CreateContainerConfigError on the restarted pods.
  objectives: { rtoSeconds: 900, rpoSeconds: 300, detectionSeconds: 30 },
  steadyState,
  inject: (env) => [env.secretDeleted(), env.backendPodsKilled()],
  detect: {
    name: 'backend pods in CreateContainerConfigError (watch)',
    timeoutMs: 120_000,
    watch: (ctx: Ctx) => ctx.env.watchBackendWaiting(['CreateContainerConfigError'], 1, ctx.signal),
  },
  recover: [
    {
      name: 'restore the secret from its source of truth',
      timeoutMs: 30_000,
      runbookRef: 'ROLLBACK.md § Decision: fix config',
      run: (ctx: Ctx) => record(ctx, 'secret', ctx.env.restoreAppSecret(ctx.signal)),
    },
    {
      name: 'restart the backend pods',
      timeoutMs: 300_000,
      runbookRef: 'ROLLBACK.md § Decision: restart pods (kubectl rollout restart deployment/backend)',
      run: (ctx: Ctx) => record(ctx, 'restart', ctx.env.restartBackend(ctx.signal)),
    },
  ],
  ...underLoad,
});
