// BLOCKING_ISSUES_REMEDIATION.md § Issue #1 ("Loki storage misconfiguration"): Loki's StatefulSet asks for the
// StorageClass `standard`, the cluster only has `local-path`. Both fixes, each drilled from the fault: option A
// (emptyDir, staging only) and option B (the working class). The remediation edits the StatefulSet's
// volumeClaimTemplates in place; the drill sends that edit as written and records what the API answers, then does
// what works (replace the StatefulSet and its claim). "Fixed" means logs flow again: a line a pod writes now comes
// back from a Loki query.
import { defineScenario, type Probe, type RunbookStep, type ScenarioContext } from '../define.ts';
import type { GravlEnv } from './gravl.env.ts';
import type { GravlLoggingEnv, LokiStorage } from './gravl-logging.env.ts';
import { settle } from '../wait.ts';

/** What the Loki drills need: the stack and its logging tier. */
type LoggingDrillEnv = GravlEnv & GravlLoggingEnv;

type Ctx = ScenarioContext<LoggingDrillEnv>;

/** Loki Ready, allowing it up to 90 s to settle: the drill before may have just replaced it. */
const lokiReady: Probe<LoggingDrillEnv> = {
  name: 'Loki StatefulSet ready (within 90 s)',
  tolerance: { equals: true },
  timeoutMs: 100_000,
  measure: async (ctx: Ctx) => {
    return settle(ctx, 90_000, 1_000, () => ctx.env.lokiReady(ctx.signal), (ready) => ready);
  },
};

/** Logs flow end to end: pod stdout -> log shipper -> Loki -> LogQL query. */
export const logsFlow: Probe<LoggingDrillEnv> = {
  name: 'a line written now comes back from Loki',
  tolerance: { equals: true },
  timeoutMs: 200_000,
  measure: async (ctx: Ctx) => {
    const flow = await ctx.env.logsFlow(ctx.signal);
    ctx.evidence('log flow', flow, 'json');
    ctx.evidence('log-flow latency', `${flow.ms} ms`, 'metric');
    return flow.lines > 0;
  },
};

const storageIs = (want: 'emptyDir' | 'working-class'): Probe<LoggingDrillEnv> => ({
  name: want === 'emptyDir' ? 'Loki on an emptyDir' : 'Loki on a Bound PVC of the working StorageClass',
  tolerance: { equals: true },
  measure: async (ctx: Ctx) => {
    const s = await ctx.env.lokiStorage(ctx.signal);
    ctx.evidence('storage', s, 'json');
    return want === 'emptyDir' ? s.volume === 'emptyDir' : s.volume === 'pvc' && s.storageClass === ctx.env.workingStorageClass && s.phase === 'Bound';
  },
});

const diagnose: RunbookStep<LoggingDrillEnv> = {
  name: 'check the pods and the StorageClasses',
  timeoutMs: 30_000,
  runbookRef: 'Issue #1 Symptom / Verification: kubectl get pods -n gravl-logging; kubectl get storageclass',
  run: async (ctx: Ctx) => {
    const [pods, classes] = await Promise.all([ctx.env.lokiPods(ctx.signal), ctx.env.storageClasses(ctx.signal)]);
    ctx.evidence('pods', pods, 'text');
    ctx.evidence('storage classes', classes, 'json');
    if (classes.includes(ctx.env.missingStorageClass)) {
      throw new Error(`the cluster has a StorageClass '${ctx.env.missingStorageClass}': the fault did not reproduce the seeds' cluster`);
    }
    if (!pods.includes('CrashLoopBackOff')) {
      ctx.finding({
        severity: 'info',
        title: 'A missing StorageClass leaves Loki Pending, not in CrashLoopBackOff',
        detail:
          `Measured: ${pods}. The claim cannot be provisioned, so the pod is never scheduled and nothing crash-loops; the symptom the remediation lists ` +
          '(loki-0 CrashLoopBackOff with 161 restarts) points at another cause as well. Look at `kubectl get pvc` and the pod\'s PodScheduled condition.',
        runbookRef: 'BLOCKING_ISSUES_REMEDIATION.md § Issue #1 Symptom',
      });
    }
  },
};

function editAsWritten(storage: (ctx: Ctx) => LokiStorage, runbookRef: string, what: string): RunbookStep<LoggingDrillEnv> {
  return {
    name: `edit the StatefulSet in place (${what}), as written`,
    timeoutMs: 30_000,
    runbookRef,
    run: async (ctx: Ctx) => {
      const answer = await ctx.env.editLokiStorageInPlace(storage(ctx), ctx.signal);
      ctx.evidence('API answer', answer.message, 'text');
      if (answer.accepted) return;
      ctx.finding({
        severity: 'runbook-defect',
        title: `The remediation's in-place edit of the StatefulSet's storage (${what}) is refused`,
        detail:
          `A StatefulSet's volumeClaimTemplates are immutable; the API answered: ${answer.message.slice(0, 400)}. ` +
          'What works: delete the StatefulSet and its claim (kubectl delete statefulset loki; kubectl delete pvc loki-storage-loki-0) and apply it again with the new storage.',
        runbookRef,
      });
    },
  };
}

function recreate(storage: (ctx: Ctx) => LokiStorage, name: string, runbookRef: string): RunbookStep<LoggingDrillEnv> {
  return {
    name,
    timeoutMs: 300_000,
    runbookRef,
    run: async (ctx: Ctx) => ctx.evidence('replace', await ctx.env.recreateLoki(storage(ctx), ctx.signal), 'command'),
  };
}

const shared = {
  tags: ['logging', 'kube', 'signoff'],
  destructive: true,
  needs: ['logging'],
  steadyState: [lokiReady, logsFlow],
  inject: (env: LoggingDrillEnv) => [env.lokiStorageMismatch()],
  detect: {
    name: 'Loki pod unschedulable (watch)',
    timeoutMs: 120_000,
    watch: (ctx: Ctx) => ctx.env.watchLokiUnschedulable(ctx.signal),
  },
  verifyTimeoutMs: 240_000,
} as const;

export const lokiStorageEmptyDir = defineScenario<LoggingDrillEnv>({
  id: 'loki-storage-emptydir',
  title: 'Loki asks for a StorageClass the cluster lacks; fixed with an emptyDir (option A, staging)',
  runbookRef: 'BLOCKING_ISSUES_REMEDIATION.md § Issue #1: Loki Storage Misconfiguration > Fix Option A',
  runbookFingerprint: 'sha256:ec2a18cecd2da714',
  ...shared,
  // Option A: "5 minutes". Nothing serves users here: the RTO is until logs flow again (verify).
  objectives: { rtoSeconds: 300, detectionSeconds: 2, rtoSource: 'verify' },
  recover: [
    diagnose,
    editAsWritten(() => ({ emptyDir: true }), 'Issue #1 Option A: kubectl edit statefulset loki (volumeClaimTemplates -> emptyDir)', 'emptyDir'),
    recreate(() => ({ emptyDir: true }), 're-create Loki on an emptyDir', 'Issue #1 Option A (what works): replace the StatefulSet; kubectl rollout status statefulset/loki'),
  ],
  verify: [lokiReady, storageIs('emptyDir'), logsFlow],
});

export const lokiStorageLocalPath = defineScenario<LoggingDrillEnv>({
  id: 'loki-storage-local-path',
  title: 'Loki asks for a StorageClass the cluster lacks; moved to the working class (option B)',
  // Option B has no heading of its own in the document (its text follows Option A's second 'Verification:').
  runbookRef: 'BLOCKING_ISSUES_REMEDIATION.md § Issue #1: Loki Storage Misconfiguration',
  runbookFingerprint: 'sha256:572361188b46fb2a',
  ...shared,
  // Option B: "15 minutes".
  objectives: { rtoSeconds: 900, detectionSeconds: 2, rtoSource: 'verify' },
  recover: [
    diagnose,
    editAsWritten(
      (ctx) => ({ storageClass: ctx.env.workingStorageClass }),
      'Issue #1 Option B: kubectl patch statefulset loki -p {"spec":{"volumeClaimTemplates":[... local-path ...]}}',
      'StorageClass local-path',
    ),
    recreate(
      (ctx) => ({ storageClass: ctx.env.workingStorageClass }),
      're-create Loki with the working StorageClass',
      'Issue #1 Option B: kubectl delete pvc loki-storage-loki-0; kubectl delete pod loki-0; kubectl rollout status statefulset/loki',
    ),
  ],
  verify: [lokiReady, storageIs('working-class'), logsFlow],
});
