// The Kubernetes rollback scenarios against an in-memory deployment (rolling update with maxSurge 1,
// maxUnavailable 0, as the stack's manifest declares) and a loopback HTTP stand-in for the backend; the real clock
// (probes do real HTTP), with the scenarios' baseline and observation windows cut to 0.
// What the e2e tier measures on kind, this proves about the declarations: the runbook's steps in order, the
// findings about the runbook, and the system back in its steady state.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultInjector, FaultSpec, InjectedFault } from '../ports.ts';
import { findStep } from '../journal.ts';
import { runScenario } from '../runner.ts';
import { systemClock } from '../clock.ts';
import { defineScenario, type Scenario } from '../define.ts';
import { FakeDataProbe, FakeLoad } from '../testing/fake-system.ts';
import type { GravlKubeEnv } from './gravl-kube.env.ts';
import { backupJobMissing } from './backup-job-missing.scenario.ts';
import { badReleaseRollback, secretMissing } from './kube-rollback.scenario.ts';
import { fullRollback, migrationFailed } from './migration-rollback.scenario.ts';
import { lokiStorageEmptyDir, lokiStorageLocalPath } from './loki-storage.scenario.ts';
import { tlsCertificateExpired } from './tls-edge.scenario.ts';

const GOOD = 'drillbook/gravl-backend:v2-aaaa';
const BROKEN = 'drillbook/gravl-backend:broken-bbbb';
const NEXT = 'drillbook/gravl-backend:v3-cccc';

/** The Deployment as the controller would run it. */
class FakeCluster {
  replicas = 3;
  image = GOOD;
  secret = true;
  cronJob = true;
  backupBytes = 4096;
  restoredExercises = 12;
  /** The live database and the newest backup (schema, the column v2 writes, rows). */
  db = { schema: 2, weightKg: true, exercises: 6, logs: 100 };
  backup: { schema: number; weightKg: boolean; exercises: number; logs: number } | undefined;
  /** The schema a restore brings back (a wrong backup in a test). */
  restoreSchema = 2;
  migrationFailed = false;
  /** Loki's storage: a PVC of a class, or an emptyDir; Ready only when the class exists. */
  loki: { volume: 'pvc' | 'emptyDir'; storageClass?: string } = { volume: 'pvc', storageClass: 'local-path' };
  /** The certificate in the Secret, and the one the running edge loaded (it loads at start only). */
  tls = { secret: 'current', served: 'current' };
  lokiReady(): boolean {
    return this.loki.volume === 'emptyDir' || this.loki.storageClass === 'local-path';
  }
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
    return ['set-image', 'secret-delete', 'pod-kill', 'object-delete', 'job-replace', 'statefulset-storage-class', 'secret-replace'].includes(spec.kind) ? [] : [`unknown kind ${spec.kind}`];
  }
  async inject(spec: FaultSpec): Promise<InjectedFault> {
    const c = this.cluster;
    const before = { image: c.image, replicas: c.replicas };
    if (spec.kind === 'set-image') c.image = spec.image as string;
    if (spec.kind === 'secret-delete') c.secret = false;
    if (spec.kind === 'pod-kill') c.configError = !c.secret;
    if (spec.kind === 'object-delete') c.cronJob = false;
    if (spec.kind === 'secret-replace') c.tls.secret = 'expired';
    if (spec.kind === 'pod-kill' && spec.selector === 'component=ingress') c.tls.served = c.tls.secret;
    if (spec.kind === 'statefulset-storage-class') c.loki = { volume: 'pvc', storageClass: spec.storageClass as string };
    if (spec.kind === 'job-replace') {
      // writes since the backup, then 003 commits (drops weight_kg) and 004 fails
      c.db = { ...c.db, logs: c.db.logs + 4, schema: 3, weightKg: false };
      c.migrationFailed = true;
    }
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

const unused = (name: string) => async (): Promise<never> => {
  throw new Error(`${name}: not part of the rollback drills`);
};

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
      c.backup = { ...c.db };
      c.log.push('backup job');
      return { job: 'postgres-backup-test-1', file: '/backups/gravl-1.dump', bytes: c.backupBytes, ms: 5 };
    },
    restoreLatestBackupToScratch: async () => {
      c.log.push('restore test');
      return { dump: 'gravl-1.dump', rows: { exercises: c.restoredExercises, workout_logs: 7 }, ms: 9 };
    },
    liveExerciseCount: async () => 12,
    nextBackendImage: NEXT,
    previousSchemaVersion: 2,
    nextRelease: () => ({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: NEXT }),
    failedMigration: () => ({ kind: 'job-replace', namespace: 'gravl', job: 'db-migration', container: 'migrate', image: NEXT }),
    watchMigrationFailed: async (signal) => {
      await until(() => c.migrationFailed, signal);
      return { detail: 'exit 1: Migration failed: 004_exercise_variants: duplicate key value', pods: 1 };
    },
    databaseStatus: async () => {
      c.log.push('db status');
      return { server: '15.14', schema: c.db.schema, weightKg: c.db.weightKg, rows: { exercises: c.db.exercises, workout_logs: c.db.logs } };
    },
    restoreDatabase: async (file) => {
      c.log.push(`restore ${file}`);
      c.db = { ...c.backup!, schema: c.restoreSchema };
      return { server: '15.14', schema: c.db.schema, weightKg: c.db.weightKg, rows: { exercises: c.db.exercises, workout_logs: c.db.logs }, ms: 7 };
    },
    stopMigrationJob: async () => {
      c.log.push('stop migration job');
      return 'deleted';
    },
    rerunPreviousMigration: async () => {
      c.migrationFailed = false;
      c.log.push('previous migration');
      return 'migrated';
    },
    // the alerting drill has its own fake (alert-receivers.scenario.test.ts): none of these scenarios may use it
    monitoringNamespace: 'gravl-monitoring',
    alertReceiversWithoutEndpoint: () => ({ kind: 'alertmanager-config', namespace: 'gravl-monitoring' }),
    alertManagerReadyStatus: unused('alertManagerReadyStatus'),
    runningAlertConfig: unused('runningAlertConfig'),
    alertManagerEgress: unused('alertManagerEgress'),
    prometheusRuleServed: unused('prometheusRuleServed'),
    deployAlertWebhook: unused('deployAlertWebhook'),
    configureWebhookReceiver: unused('configureWebhookReceiver'),
    reloadAlertManager: unused('reloadAlertManager'),
    postAlert: unused('postAlert'),
    activeAlerts: unused('activeAlerts'),
    webhookDeliveries: unused('webhookDeliveries'),
    publicHost: 'gravl.example.test',
    expiredCertificateRollout: () => [
      { kind: 'secret-replace', namespace: 'gravl', name: 'staging-tls', fromFiles: { 'tls.crt': '/x/expired.crt' } },
      { kind: 'pod-kill', namespace: 'gravl', selector: 'component=ingress' },
    ],
    tlsHandshake: async () => (c.tls.served === 'current' ? { ok: true, subject: 'gravl.example.test', ms: 3 } : { ok: false, error: 'CERT_HAS_EXPIRED', ms: 3 }),
    watchTlsBroken: async (signal) => {
      await until(() => c.tls.served !== 'current', signal);
      return { detail: 'handshake failed: CERT_HAS_EXPIRED', pods: 0 };
    },
    httpsHealth: async () => (c.tls.served === 'current' ? 200 : 0),
    edgeStatus: async () => 'Deployment gravl-ingress: available 1/1',
    backendEndpoints: async () => c.readyPods(),
    restorePreviousCertificate: async () => {
      c.tls.secret = 'current';
      c.log.push('restore certificate');
      return 'restored';
    },
    restartEdge: async () => {
      c.tls.served = c.tls.secret;
      c.log.push('restart edge');
      return 'restarted';
    },
    loggingNamespace: 'gravl-logging',
    missingStorageClass: 'standard',
    workingStorageClass: 'local-path',
    lokiStorageMismatch: () => ({ kind: 'statefulset-storage-class', namespace: 'gravl-logging', statefulset: 'loki', storageClass: 'standard' }),
    watchLokiUnschedulable: async (signal) => {
      await until(() => !c.lokiReady(), signal);
      return { detail: 'loki-0 Unschedulable', pods: 1 };
    },
    lokiReady: async () => c.lokiReady(),
    lokiStorage: async () => (c.loki.volume === 'emptyDir' ? { volume: 'emptyDir' } : { volume: 'pvc', storageClass: c.loki.storageClass, phase: c.lokiReady() ? 'Bound' : 'Pending' }),
    lokiPods: async () => `loki-0 ${c.lokiReady() ? 'Running' : 'Pending'}`,
    storageClasses: async () => ['local-path'],
    editLokiStorageInPlace: async () => {
      c.log.push('edit loki in place');
      return { accepted: false, message: 'StatefulSet.apps "loki" is invalid: spec: Forbidden: updates to statefulset spec for fields other than ... are forbidden' };
    },
    recreateLoki: async (storage) => {
      c.loki = 'emptyDir' in storage ? { volume: 'emptyDir' } : { volume: 'pvc', storageClass: storage.storageClass };
      c.log.push(`recreate loki ${'emptyDir' in storage ? 'emptyDir' : storage.storageClass}`);
      return 'replaced';
    },
    logsFlow: async () => {
      if (!c.lokiReady()) throw new Error('log-flow check: not found after 120 s: Loki answered 503');
      return { lines: 1, ms: 850 };
    },
    reapplyStackDefinition: async () => {
      Object.assign(c, { secret: true, image: GOOD, replicas: 0, cronJob: true });
      c.log.push('re-apply stack');
      return 'applied';
    },
  };
  const load = new FakeLoad((profile) => ({ profile: profile.name, requests: 1000, errorRate: 0, rps: 50, p50Ms: 5, p95Ms: 10, p99Ms: 20, thresholds: [], passed: true, series: [] }));
  const data = new FakeDataProbe(() => ({ writesAttempted: 100, writes: [{ seq: 1, ackAtMs: 1, survived: true }], outages: [], recoveredAtMs: clock.now() }));
  const ports = { clock, faults: new FakeKubeFaults(c), load, data, cluster: { name: 'fake', context: 'fake', provider: 'kind' as const, createdByDrillbook: true } };
  return { env, ports };
}

/** The declaration as shipped, without its baseline and observation windows (seconds of waiting). */
function quick<Env>(scenario: Scenario<Env>, verifyTimeoutMs = scenario.verifyTimeoutMs): Scenario<Env> {
  const { __validated: _, ...def } = scenario;
  return defineScenario<Env>({ ...def, baselineSeconds: 0, observeSeconds: 0, ...(verifyTimeoutMs ? { verifyTimeoutMs } : {}) });
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
    // the next command waits for the scale-down to take effect (back to back, the controller may never act on it)
    const scaledDown = findStep(journal, 'recover', 'scale down the failing deployment').evidence.find((e) => e.label === 'ready backend pods after the scale-down');
    expect(scaledDown?.value).toMatch(/^0 after \d+ ms$/);
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

describe('migration-failed', () => {
  it('takes the pre-deploy backup, detects the failed migration, restores, rolls back and verifies against the snapshot', async () => {
    const { env, ports } = setup();
    const journal = await runScenario(quick(migrationFailed), { env, ports, runId: 'unit' });
    expect(journal.status, JSON.stringify(journal.error ?? journal.phases.at(-1))).toBe('completed');
    expect(journal.verdict).toBe('met');
    expect(journal.phases[0]!.steps.map((s) => s.name)).toContain('setup: pre-deploy backup');
    expect(cluster.log).toEqual([
      'db status', 'backup job', // setup
      'inject job-replace', 'inject set-image',
      'scale 0', 'stop migration job', 'db status', 'restore /backups/gravl-1.dump', 'set image previous', 'previous migration', 'scale 3', 'rollout status',
      'db status', // verify: the snapshot probe
      'revert set-image', 'revert job-replace',
    ]);
    expect(journal.findings.map((f) => [f.severity, f.title])).toEqual([
      ['runbook-defect', 'The failed migration Job keeps retrying while the database is restored'],
      ['info', 'The failed release left the schema half applied (migration 3)'],
      ['runbook-defect', 'Step 3 has no restore procedure, only commented examples'],
      ['warning', 'Restoring the pre-deploy backup discards every write made after it'],
    ]);
    expect(journal.findings[3]!.detail).toMatch(/^4 workout log\(s\) written between the pre-deploy backup and the restore are gone/);
    expect(cluster.db).toEqual({ schema: 2, weightKg: true, exercises: 6, logs: 100 });
  });

  it('a restore that leaves the wrong schema fails its step; the rest of the runbook is skipped and the verdict says so', async () => {
    const { env, ports } = setup();
    cluster.restoreSchema = 3;
    // verification still runs after a failed step; its readiness probe would wait its 60 s for the pods the cut-short
    // runbook left at 0, so it sees them Ready here: the snapshot probe alone is what must fail
    const journal = await runScenario(quick(migrationFailed, 2_000), { env: { ...env, readyBackendPods: async () => 3 }, ports, runId: 'unit' });
    const restore = journal.phases.find((p) => p.name === 'recover')!.steps.find((s) => s.name === 'restore from the pre-deploy backup')!;
    expect(restore.status).toBe('errored');
    expect(restore.error?.message).toMatch(/schema is at 3 \(weight_kg present\); the previous release needs 2/);
    expect(cluster.log).not.toContain('previous migration');
    expect(journal.phases.find((p) => p.name === 'verify')!.status).toBe('failed');
    expect(journal.verdict).not.toBe('met');
  });
});

describe('full-rollback', () => {
  it('stops the services, checks the backup, re-applies the stack with the backend held at 0, restores, migrates, starts', async () => {
    const { env, ports } = setup();
    cluster.restoredExercises = 6; // the scratch restore of the pre-deploy backup
    const journal = await runScenario(quick(fullRollback), { env, ports, runId: 'unit' });
    expect(journal.status, JSON.stringify(journal.error ?? journal.phases.at(-1))).toBe('completed');
    expect(journal.verdict).toBe('met');
    expect(cluster.log).toEqual([
      'db status', 'backup job',
      'inject job-replace', 'inject set-image', 'inject secret-delete',
      'scale 0', 'restore test', 're-apply stack', 'stop migration job', 'db status', 'restore /backups/gravl-1.dump', 'previous migration', 'scale 3', 'rollout status',
      'db status',
      'revert secret-delete', 'revert set-image', 'revert job-replace',
    ]);
    expect(journal.findings.map((f) => f.title)).toEqual([
      'Step 3 (delete the namespace) would delete the backups the restore needs',
      'The failed migration Job keeps retrying while the database is restored',
      'Restoring the pre-deploy backup discards every write made after it',
      'Step 4 starts the previous release before step 5 restores its database',
    ]);
    expect({ image: cluster.image, replicas: cluster.replicas, secret: cluster.secret }).toEqual({ image: GOOD, replicas: 3, secret: true });
  });
});

describe('loki storage (BLOCKING_ISSUES_REMEDIATION.md Issue #1)', () => {
  for (const [scenario, storage, probe] of [
    [lokiStorageEmptyDir, 'emptyDir', 'Loki on an emptyDir'],
    [lokiStorageLocalPath, 'local-path', 'Loki on a Bound PVC of the working StorageClass'],
  ] as const) {
    it(`${scenario.id}: the in-place edit is refused (a finding), the replacement works and logs flow again`, async () => {
      const { env, ports } = setup();
      const journal = await runScenario(quick(scenario), { env, ports, runId: 'unit' });
      expect(journal.status, JSON.stringify(journal.error ?? journal.phases.at(-1))).toBe('completed');
      expect(journal.verdict).toBe('met');
      expect(cluster.log).toEqual(['inject statefulset-storage-class', 'edit loki in place', `recreate loki ${storage}`, 'revert statefulset-storage-class']);
      expect(journal.findings.map((f) => f.severity)).toEqual(['info', 'runbook-defect']);
      expect(journal.findings[1]!.detail).toMatch(/volumeClaimTemplates are immutable; the API answered: StatefulSet.apps "loki" is invalid/);
      expect(journal.phases.find((p) => p.name === 'verify')!.steps.map((s) => s.name)).toContain(probe);
    });
  }
});

describe('tls-certificate-expired (ROLLBACK.md Scenario 3)', () => {
  it('detects the failed handshake, restores the previous certificate, and reports that nothing reloads the edge', async () => {
    const { env, ports } = setup();
    const { __validated: _, ...def } = tlsCertificateExpired;
    // the drill's 15 s wait for the edge to reload by itself, on the real clock: cut to a few polls here
    const journal = await runScenario(defineScenario({ ...def, recover: def.recover.map((s) => (s.name === 'verify the edge serves it' ? { ...s, timeoutMs: 60_000 } : s)) }), { env, ports, runId: 'unit' });
    expect(journal.status, JSON.stringify(journal.error ?? journal.phases.at(-1))).toBe('completed');
    expect(journal.verdict).toBe('met');
    expect(cluster.log).toEqual(['inject secret-replace', 'inject pod-kill', 'restore certificate', 'restart edge', 'revert pod-kill', 'revert secret-replace']);
    expect(journal.findings.map((f) => f.title)).toEqual(['Restoring the certificate Secret does not reach the edge; the runbook never restarts it']);
  }, 30_000);
});
