// The DR alert drills against an in-memory monitoring stack: the database and backup_runs as state, each rule
// active exactly while its condition holds (holds of 0), AlertManager notifying the receiver on every change; a
// loopback HTTP stand-in for the backend. What the e2e tier measures on kind, this proves about the declarations:
// the steady state refuses a rule that is not loaded or already firing, each drill's condition makes its own alert
// fire, the on-call fix resolves it with both notifications at the receiver, and every fault is reverted.
import { describe, expect, it } from 'vitest';
import { loopbackBackend } from '../testing/loopback-backend.ts';
import { systemClock } from '../clock.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import type { Scenario } from '../define.ts';
import type { FaultInjector, FaultSpec, InjectedFault } from '../ports.ts';
import { runScenario } from '../runner.ts';
import {
  BACKUP_SIZE_DEVIATION,
  DR_ALERT_DRILLS,
  NO_DAILY_BACKUP,
  PRIMARY_DATABASE_DOWN,
  RESTORE_TEST_FAILED,
  S3_UPLOAD_SLOW,
  WAL_ARCHIVE_LAGGING,
  drAlertNoDailyBackup,
  drAlertPrimaryDatabaseDown,
  drAlertWalArchiveLagging,
} from './dr-alerts.scenario.ts';
import type { GravlDrAlertsEnv } from './gravl-dr-alerts.env.ts';
import type { WebhookDelivery } from './gravl-alerting.env.ts';

class FakeMonitoring {
  dbUp = true;
  backupAgeHours = 3;
  sizeBytes = 40_000;
  uploadSeconds = 4;
  restoreOk = true;
  /** Seconds the oldest WAL segment has waited for the archive; undefined: archiving off. */
  walWaitSeconds: number | undefined = 0;
  rulesLoaded = true;
  /** A fix that does nothing (the drill must then not be met). */
  brokenFix = false;
  readonly firing = new Set<string>();
  readonly delivered: WebhookDelivery[] = [];
  readonly log: string[] = [];

  condition(rule: string): boolean {
    if (rule === PRIMARY_DATABASE_DOWN.rule) return !this.dbUp;
    if (rule === NO_DAILY_BACKUP.rule) return this.backupAgeHours > 24;
    if (rule === BACKUP_SIZE_DEVIATION.rule) return Math.abs(this.sizeBytes - 40_000) / 40_000 > 0.5;
    if (rule === S3_UPLOAD_SLOW.rule) return this.uploadSeconds > 1200;
    if (rule === RESTORE_TEST_FAILED.rule) return !this.restoreOk;
    if (rule === WAL_ARCHIVE_LAGGING.rule) return (this.walWaitSeconds ?? 0) > 900;
    return false;
  }

  /** Prometheus evaluates, AlertManager notifies: every rule whose condition changed. */
  tick(): void {
    for (const { alert } of DR_ALERT_DRILLS.map((d) => ({ alert: ruleOf(d) }))) {
      const now = this.condition(alert);
      if (now === this.firing.has(alert)) continue;
      if (now) this.firing.add(alert);
      else this.firing.delete(alert);
      this.delivered.push({ receivedAtWall: new Date().toISOString(), status: now ? 'firing' : 'resolved', receiver: 'drillbook-webhook', alertnames: [alert] });
    }
  }

  input(expr: string): number | undefined {
    if (expr === PRIMARY_DATABASE_DOWN.input.expr) return this.dbUp ? 1 : 0;
    if (expr === NO_DAILY_BACKUP.input.expr) return this.backupAgeHours;
    if (expr === BACKUP_SIZE_DEVIATION.input.expr) return this.sizeBytes;
    if (expr === S3_UPLOAD_SLOW.input.expr) return this.uploadSeconds;
    if (expr === RESTORE_TEST_FAILED.input.expr) return this.restoreOk ? 1 : 0;
    if (expr === WAL_ARCHIVE_LAGGING.input.expr) return this.walWaitSeconds;
    return undefined;
  }

  backupNow(): void {
    if (this.brokenFix) return;
    Object.assign(this, { backupAgeHours: 0, sizeBytes: 40_000, uploadSeconds: 4 });
  }
}

const RULES: Record<string, string> = {
  [drAlertPrimaryDatabaseDown.id]: PRIMARY_DATABASE_DOWN.rule,
  [drAlertNoDailyBackup.id]: NO_DAILY_BACKUP.rule,
  'dr-alert-backup-size-deviation': BACKUP_SIZE_DEVIATION.rule,
  'dr-alert-s3-upload-slow': S3_UPLOAD_SLOW.rule,
  'dr-alert-restore-test-failed': RESTORE_TEST_FAILED.rule,
  'dr-alert-wal-archive-lagging': WAL_ARCHIVE_LAGGING.rule,
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the drills share one environment type
const ruleOf = (d: Scenario<any>) => RULES[d.id]!;

class FakeFaults implements FaultInjector {
  readonly name = 'fake-dr';
  readonly m: FakeMonitoring;
  constructor(m: FakeMonitoring) {
    this.m = m;
  }
  validate(spec: FaultSpec) {
    return spec.kind === 'fake-dr' ? [] : [`unknown kind ${spec.kind}`];
  }
  async inject(spec: FaultSpec): Promise<InjectedFault> {
    const m = this.m;
    const before = { dbUp: m.dbUp, backupAgeHours: m.backupAgeHours, sizeBytes: m.sizeBytes, uploadSeconds: m.uploadSeconds, restoreOk: m.restoreOk, walWaitSeconds: m.walWaitSeconds };
    const what = String(spec.what);
    if (what === 'db-down') m.dbUp = false;
    if (what === 'withheld') m.backupAgeHours = 27;
    if (what === 'size') m.sizeBytes = 4_000;
    if (what === 'upload') m.uploadSeconds = 1500;
    if (what === 'restore') m.restoreOk = false;
    if (what.startsWith('wal-refused')) m.walWaitSeconds = Number(what.split(':')[1]) * 60;
    m.log.push(`inject ${what}`);
    return {
      id: `f-${what}`,
      spec,
      evidence: [],
      async revert() {
        // the revert takes the fault's own change back only where the fix has not replaced it
        if (what === 'db-down') m.dbUp = true;
        if (what === 'restore' && !m.restoreOk) m.restoreOk = before.restoreOk;
        if (what.startsWith('wal-refused')) m.walWaitSeconds = before.walWaitSeconds;
        m.log.push(`revert ${what}`);
        return [];
      },
    };
  }
}

const backend = loopbackBackend();

function setup() {
  const m = new FakeMonitoring();
  const fault = (what: string): FaultSpec => ({ kind: 'fake-dr', what });
  const env = {
    backendUrl: backend.url(),
    platform: 'fake',
    crashFault: () => ({ kind: 'noop' }),
    restart: async () => 'restarted',
    monitoringNamespace: 'gravl-monitoring',
    alertManagerReadyStatus: async () => 200,
    routeWithGroupInterval: async (interval: string) => {
      m.log.push(`route ${interval}`);
      return 'routed';
    },
    cappedHolds: async () => [{ alert: NO_DAILY_BACKUP.rule, written: '30m', drill: '15s' }],
    alertRule: async (alert: string) => {
      m.tick();
      return m.rulesLoaded ? { state: m.firing.has(alert) ? 'firing' : 'inactive', holdSeconds: 15, query: 'q' } : undefined;
    },
    promQuery: async (expr: string) => m.input(expr),
    activeAlertsNamed: async (alert: string) => {
      m.tick();
      return m.firing.has(alert) ? [{ labels: { alertname: alert }, startsAt: new Date().toISOString(), receivers: ['drillbook-webhook'] }] : [];
    },
    webhookDeliveries: async (match: string, waitMs: number) => {
      const found = () => {
        m.tick();
        return m.delivered.filter((d) => match.includes(d.alertnames[0]!));
      };
      const deadline = Date.now() + waitMs;
      while (found().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return found();
    },
    primaryDatabaseDown: () => fault('db-down'),
    recentBackupsWithheld: () => fault('withheld'),
    backupRunRecorded: (run: { sizeFactor: number; uploadSeconds?: number }) => fault(run.uploadSeconds === undefined ? 'size' : 'upload'),
    restoreTestFailedOnDamagedDump: () => fault('restore'),
    walArchiveRefused: (minutes: number) => fault(`wal-refused:${minutes}`),
    restoreWalArchive: async () => {
      if (!m.brokenFix && m.walWaitSeconds !== undefined) m.walWaitSeconds = 0;
      m.log.push('archive writable');
      return 'archiver caught up';
    },
    startPrimaryDatabase: async () => {
      if (!m.brokenFix) m.dbUp = true;
      m.log.push('start primary');
      return 'scaled to 1';
    },
    runBackupJobOnce: async () => {
      m.backupNow();
      m.log.push('backup');
      return { job: 'j', file: '/backups/x.dump', bytes: 40_000, ms: 5 };
    },
    runRestoreTest: async () => {
      if (!m.brokenFix) m.restoreOk = true;
      m.log.push('restore test');
      return { job: 'r', report: 'dump=x exercises=6 workout_logs=10', ms: 5 };
    },
  } as unknown as GravlDrAlertsEnv;
  const ports = { clock: systemClock, faults: new FakeFaults(m), cluster: { name: 'fake', context: 'fake', provider: 'kind' as const, createdByDrillbook: true } };
  return { m, env, ports };
}

describe('DR alert drills', () => {
  it.each(DR_ALERT_DRILLS.map((d) => [d.id, d] as const))('%s: the condition fires its alert, the fix resolves it, both notifications arrive', async (_id, drill) => {
    const { m, env, ports } = setup();
    const journal = await runScenario(drill, { env, ports, runId: 'unit-run' });
    expect(journal.status, JSON.stringify(journal.error ?? journal.phases.map((p) => p.steps.filter((s) => s.status !== 'passed')))).toBe('completed');
    expect(journal.verdict, JSON.stringify(journal.objectives)).toBe('met');
    const rule = ruleOf(drill);
    expect(m.delivered.filter((d) => d.alertnames[0] === rule).map((d) => d.status)).toEqual(['firing', 'resolved']);
    // no other alert fired: each condition is its own alert's
    expect(m.delivered.every((d) => d.alertnames[0] === rule)).toBe(true);
    const recover = journal.phases.find((p) => p.name === 'recover')!;
    expect(recover.steps[0]!.name).toBe('the firing notification reaches the receiver');
    expect(recover.steps[0]!.evidence.map((e) => e.label)).toContain('firing notification');
    const setupPhase = journal.phases.flatMap((p) => p.steps).find((s) => s.name.startsWith('setup: AlertManager routes to the in-cluster receiver'))!;
    expect(JSON.stringify(setupPhase.evidence)).toContain('"written":"30m"');
    expect(m.log[0]).toBe('route 30s');
    expect(m.log.at(-1)).toMatch(/^revert /);
    expect(m.firing.size).toBe(0);
  });

  it('refuses to start when the rule is not loaded: nothing is injected', async () => {
    const notLoaded = setup();
    notLoaded.m.rulesLoaded = false;
    const journal = await runScenario(drAlertPrimaryDatabaseDown, { env: notLoaded.env, ports: notLoaded.ports, runId: 'unit-run' });
    expect(journal.status).not.toBe('completed');
    expect(JSON.stringify(journal.phases)).toContain('not loaded');
    expect(notLoaded.m.log.filter((l) => l.startsWith('inject'))).toEqual([]);
  });

  it('the WAL archive drill stops before its fault on a database that archives no WAL, saying what to turn on', async () => {
    const { m, env } = setup();
    m.walWaitSeconds = undefined;
    const check = drAlertWalArchiveLagging.setup!.find((s) => s.name.startsWith('the database archives WAL'))!;
    expect(drAlertWalArchiveLagging.setup!.indexOf(check)).toBeGreaterThan(0); // after the receiver, before the condition
    const ctx = { env, clock: new FakeClock(), signal: new AbortController().signal, evidence: () => undefined };
    await expect(check.run(ctx as never)).rejects.toThrow(/archives no WAL \(archive_mode off\).*walArchive/);
    m.walWaitSeconds = 30;
    await expect(check.run(ctx as never)).resolves.toBeUndefined();
  });

  it('waits before the condition until the receiver got the resolved notification of an alert that fired before the drill', async () => {
    const { m, env } = setup();
    m.backupAgeHours = 30;
    m.tick(); // fired (and notified) before the drill
    m.backupAgeHours = 1;
    m.firing.clear(); // resolved in Prometheus and AlertManager, but AlertManager has not flushed the resolved notification
    const quiet = drAlertNoDailyBackup.setup!.at(-1)!;
    expect(quiet.name).toMatch(/quiet in Prometheus and AlertManager$/);
    const clock = new FakeClock();
    const ctx = { env, clock, signal: new AbortController().signal, evidence: () => undefined, runId: 'unit-run', scenarioId: drAlertNoDailyBackup.id };
    // never flushed: the step refuses to start the condition, saying what it waited for
    await expect(quiet.run(ctx as never)).rejects.toThrow(/last notification firing \(wanted not firing\)/);
    // flushed after a while: the step starts the condition then, not before
    let flushedAt: number | undefined;
    const flush = clock.sleep(40_000).then(() => {
      m.delivered.push({ receivedAtWall: new Date().toISOString(), status: 'resolved', receiver: 'drillbook-webhook', alertnames: [NO_DAILY_BACKUP.rule] });
      flushedAt = clock.now();
    });
    const started = clock.now();
    await quiet.run(ctx as never);
    await flush;
    expect(flushedAt).toBeDefined();
    expect(clock.now() - started).toBeGreaterThanOrEqual(40_000);
  });

  it('an alert that fired before the drill (no backup yet) is cleared by the preparation, and its old notifications do not count', async () => {
    const { m, env, ports } = setup();
    m.backupAgeHours = 30;
    m.tick(); // it fires before the drill starts
    const journal = await runScenario(drAlertNoDailyBackup, { env, ports, runId: 'unit-run' });
    expect(journal.status).toBe('completed');
    expect(journal.verdict).toBe('met');
    // the stale pair before the preparation's mark, then the drill's own pair
    expect(m.delivered.map((d) => d.status)).toEqual(['firing', 'resolved', 'firing', 'resolved']);
    expect(m.log.slice(0, 3)).toEqual(['route 30s', 'backup', 'inject withheld']);
  });
});
