// The Kubernetes rollback scenarios against an in-memory deployment (rolling update with maxSurge 1,
// maxUnavailable 0, as the stack's manifest declares) and a loopback HTTP stand-in for the backend; the real clock
// (probes do real HTTP), with the scenarios' baseline and observation windows cut to 0.
// What the e2e tier measures on kind, this proves about the declarations: the runbook's steps in order, the
// findings about the runbook, and the system back in its steady state.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultInjector, FaultSpec, InjectedFault } from '../ports.ts';
import { runScenario } from '../runner.ts';
import { systemClock } from '../clock.ts';
import { defineScenario, type Scenario } from '../define.ts';
import { FakeDataProbe, FakeLoad } from '../testing/fake-system.ts';
import type { GravlKubeEnv } from './gravl-kube.env.ts';
import { backupJobMissing } from './backup-job-missing.scenario.ts';
import { badReleaseRollback, secretMissing } from './kube-rollback.scenario.ts';

const GOOD = 'drillbook/gravl-backend:v2-aaaa';
const BROKEN = 'drillbook/gravl-backend:broken-bbbb';

/** The Deployment as the controller would run it. */
class FakeCluster {
  replicas = 3;
  image = GOOD;
  secret = true;
  cronJob = true;
  backupBytes = 4096;
  restoredExercises = 12;
  /** Pods restarted while the secret was missing cannot start. */
  configError = false;
  readonly log: string[] = [];
  readyPods(): number {
    if (this.replicas === 0 || this.configError) return 0;
    return this.replicas; // a broken release leaves the old ReplicaSet serving (maxUnavailable 0)
  }
  crashLooping(): number {
    return this.image === BROKEN && this.replicas > 0 ? 1 : 0; // maxSurge 1: one new pod at a time
  }
}

class FakeKubeFaults implements FaultInjector {
  readonly name = 'fake-kube';
  readonly cluster: FakeCluster;
  constructor(cluster: FakeCluster) {
    this.cluster = cluster;
  }
  validate(spec: FaultSpec): string[] {
    return ['set-image', 'secret-delete', 'pod-kill', 'object-delete'].includes(spec.kind) ? [] : [`unknown kind ${spec.kind}`];
  }
  async inject(spec: FaultSpec): Promise<InjectedFault> {
    const c = this.cluster;
    const before = { image: c.image, replicas: c.replicas };
    if (spec.kind === 'set-image') c.image = spec.image as string;
    if (spec.kind === 'secret-delete') c.secret = false;
    if (spec.kind === 'pod-kill') c.configError = !c.secret;
    if (spec.kind === 'object-delete') c.cronJob = false;
    c.log.push(`inject ${spec.kind}`);
    return {
      id: spec.kind,
      spec,
      evidence: [],
      async revert() {
        if (spec.kind === 'set-image') Object.assign(c, before);
        if (spec.kind === 'secret-delete') c.secret = true;
        if (spec.kind === 'object-delete') c.cronJob = true;
        c.log.push(`revert ${spec.kind}`);
        return [];
      },
    };
  }
}

let server: Server;
let cluster: FakeCluster;
let backendUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => res.writeHead(cluster.readyPods() > 0 ? 200 : 503).end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backendUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function setup() {
  cluster = new FakeCluster();
  const clock = systemClock;
  const c = cluster;
  const until = async (ok: () => boolean, signal: AbortSignal) => {
    while (!ok()) await clock.sleep(100, signal);
  };
  const env: GravlKubeEnv = {
    backendUrl,
    platform: 'fake-kube',
    namespace: 'gravl',
    backendReplicas: 3,
    previousBackendImage: GOOD,
    brokenBackendImage: BROKEN,
    crashFault: (component) => ({ kind: 'pod-kill', namespace: 'gravl', selector: `component=${component}` }),
    restart: async () => 'restarted',
    badRelease: () => ({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: BROKEN }),
    secretDeleted: () => ({ kind: 'secret-delete', namespace: 'gravl', name: 'app-secret' }),
    backendPodsKilled: () => ({ kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' }),
    watchBackendWaiting: async (reasons, count, signal) => {
      const n = () => (reasons.includes('CrashLoopBackOff') ? c.crashLooping() : c.configError ? c.replicas : 0);
      await until(() => n() >= count, signal);
      return { detail: `${n()} pods`, pods: n() };
    },
    readyBackendPods: async () => c.readyPods(),
    crashLoopingBackendPods: async () => c.crashLooping(),
    scaleBackend: async (n) => {
      c.replicas = n;
      c.log.push(`scale ${n}`);
      return `scaled to ${n}`;
    },
    setBackendImage: async (image) => {
      c.image = image;
      c.log.push(`set image ${image === GOOD ? 'previous' : image}`);
      return 'set';
    },
    backendRolloutStatus: async (signal) => {
      await until(() => c.readyPods() === c.replicas, signal);
      c.log.push('rollout status');
      return 'available';
    },
    restartBackend: async () => {
      c.configError = !c.secret;
      c.log.push('rollout restart');
      return 'restarted';
    },
    restoreAppSecret: async () => {
      c.secret = true;
      c.log.push('restore secret');
      return 're-applied';
    },
    backupCronJobDeleted: () => ({ kind: 'object-delete', namespace: 'gravl', objectKind: 'CronJob', name: 'postgres-backup-cronjob' }),
    backupCronJobDeployed: async () => c.cronJob,
    watchBackupCronJobGone: async (signal) => {
      await until(() => !c.cronJob, signal);
      return { detail: 'absent', pods: 0 };
    },
    deployBackupCronJob: async () => {
      c.cronJob = true;
      c.log.push('apply cronjob');
      return 'applied';
    },
    runBackupJobOnce: async () => {
      c.log.push('backup job');
      return { job: 'postgres-backup-test-1', file: '/backups/gravl-1.dump', bytes: c.backupBytes, ms: 5 };
    },
    restoreLatestBackupToScratch: async () => {
      c.log.push('restore test');
      return { dump: 'gravl-1.dump', rows: { exercises: c.restoredExercises, workout_logs: 7 }, ms: 9 };
    },
    liveExerciseCount: async () => 12,
  };
  const load = new FakeLoad((profile) => ({ profile: profile.name, requests: 1000, errorRate: 0, rps: 50, p50Ms: 5, p95Ms: 10, p99Ms: 20, thresholds: [], passed: true, series: [] }));
  const data = new FakeDataProbe(() => ({ writesAttempted: 100, writes: [{ seq: 1, ackAtMs: 1, survived: true }], outages: [], recoveredAtMs: clock.now() }));
  const ports = { clock, faults: new FakeKubeFaults(c), load, data, cluster: { name: 'fake', context: 'fake', provider: 'kind' as const, destructiveAllowed: true } };
  return { env, ports };
}

/** The declaration as shipped, without its baseline and observation windows (seconds of waiting). */
function quick<Env>(scenario: Scenario<Env>): Scenario<Env> {
  const { __validated: _, ...def } = scenario;
  return defineScenario<Env>({ ...def, baselineSeconds: 0, observeSeconds: 0 });
}

describe('bad-release-rollback', () => {
  it('runs ROLLBACK.md § Scenario 1 step by step and reports what the runbook gets wrong', async () => {
    const { env, ports } = setup();
    const journal = await runScenario(quick(badReleaseRollback), { env, ports, runId: 'unit' });
    expect(journal.status, JSON.stringify(journal.error ?? journal.phases[0])).toBe('completed');
    expect(journal.phases.find((p) => p.name === 'recover')!.steps.map((s) => [s.name, s.status])).toEqual([
      ['assess the rollback trigger (>2 pods in CrashLoopBackOff)', 'passed'],
      ['scale down the failing deployment', 'passed'],
      ['set the previous image', 'passed'],
      ['scale back up', 'passed'],
      ['rollout status', 'passed'],
    ]);
    expect(cluster.log).toEqual(['inject set-image', 'scale 0', 'set image previous', 'scale 3', 'rollout status', 'revert set-image']);
    expect(journal.findings.map((f) => f.severity)).toEqual(['runbook-defect', 'runbook-defect']);
    expect(journal.findings[0]!.detail).toMatch(/only 1 pod\(s\) crash-looped while 3 pod\(s\) of the previous release kept serving/);
    expect(journal.findings[1]!.title).toBe('Scaling to 0 turns a stuck rollout into a full outage');
    expect({ image: cluster.image, replicas: cluster.replicas }).toEqual({ image: GOOD, replicas: 3 });
  });
});

describe('secret-missing', () => {
  it('detects the pods that cannot start, restores the secret, restarts, and verifies every replica', async () => {
    const { env, ports } = setup();
    const journal = await runScenario(quick(secretMissing), { env, ports, runId: 'unit' });
    expect(journal.status, JSON.stringify(journal.error ?? journal.phases[0])).toBe('completed');
    expect(cluster.log).toEqual(['inject secret-delete', 'inject pod-kill', 'restore secret', 'rollout restart', 'revert pod-kill', 'revert secret-delete']);
    expect(journal.measurements.detectionMs).not.toBeNull();
    expect(journal.findings).toEqual([]);
    expect(cluster.readyPods()).toBe(3);
  });
});

describe('backup-job-missing', () => {
  it('deploys the CronJob, runs it once, checks the restore against the live database', async () => {
    const { env, ports } = setup();
    const journal = await runScenario(quick(backupJobMissing), { env, ports, runId: 'unit' });
    expect(journal.status, JSON.stringify(journal.error)).toBe('completed');
    expect(journal.verdict).toBe('met');
    expect(cluster.log).toEqual(['inject object-delete', 'apply cronjob', 'backup job', 'restore test', 'revert object-delete']);
    expect(journal.findings.map((f) => f.severity)).toEqual(['warning', 'warning']);
  });

  it('a restore that does not match the live database fails the step, and the verdict says so', async () => {
    const { env, ports } = setup();
    cluster.restoredExercises = 0;
    const journal = await runScenario(quick(backupJobMissing), { env, ports, runId: 'unit' });
    const restore = journal.phases.find((p) => p.name === 'recover')!.steps.at(-1)!;
    expect(restore.status).toBe('errored');
    expect(restore.error?.message).toMatch(/restored backup has 0 exercises, the live database 12/);
    expect(journal.verdict).not.toBe('met');
    expect(cluster.cronJob).toBe(true); // reverted all the same
  });
});
