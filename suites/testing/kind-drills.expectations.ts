// What each kind drill's journal must show, one function per scenario id, shared by the e2e tests that run them
// (nightly runs six, the signoff e2e all eleven): behaviour and evidence, never a wall-clock bound (RTO and RPO limits are
// minutes; detection objectives are judged on their numbers, printed by the benches).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { findStep, type Journal } from '../../scenarios/journal.ts';
import { expectJudgedOnItsNumbers } from '../../scenarios/testing/judged-on-numbers.ts';

/** A kill, a rollback and a restart lose no committed write: RPO 0, measured through the backend under load. */
function expectNoCommitLost(j: Journal): void {
  const id = j.scenario.id;
  expectJudgedOnItsNumbers(j, { mustMeet: ['rto', 'rpo'] });
  expect(j.target?.provider, id).toBe('kind');
  expect(j.measurements.detectionMs, id).not.toBeNull();
  expect(j.measurements.rto, id).not.toBeNull();
  expect(j.measurements.rpo?.acknowledgedWrites, id).toBeGreaterThan(50);
  expect(j.measurements.rpo?.lostWrites, id).toBe(0);
  expect(j.load?.series.length, id).toBeGreaterThan(10);
  expect(j.faults.every((f) => f.revertedAtMs !== undefined), id).toBe(true);
}

/** The failed migration and the full rollback: restored from the pre-deploy backup, so later writes are lost. */
function expectRestoredFromPreDeployBackup(j: Journal): void {
  const id = j.scenario.id;
  expectJudgedOnItsNumbers(j, { mustMeet: ['rto', 'rpo'] });
  expect(j.phases[0]!.steps.map((s) => s.name)).toContain('setup: pre-deploy backup');
  expect(j.measurements.rpo?.lostWrites, id).toBeGreaterThan(0);
  expect(j.measurements.rpo!.valueMs, id).toBeLessThan(300_000);
  const detected = j.phases.find((p) => p.name === 'detect')!.steps[0]!.evidence.find((e) => e.label === 'migration error')!;
  expect(String(detected.value), id).toMatch(/duplicate key value violates unique constraint/);
  expect(findStep(j, 'verify', 'database at the previous schema with every pre-deploy row').status, id).toBe('passed');
}

/** Loki on the missing class: the in-place edit refused by the API (a finding), the replacement works. */
function expectLokiFixed(j: Journal): void {
  const id = j.scenario.id;
  expectJudgedOnItsNumbers(j, { mustMeet: ['rto'] });
  expect(j.measurements.detectionMs, id).not.toBeNull();
  expect(j.findings.find((f) => f.severity === 'runbook-defect')!.detail, id).toMatch(/Forbidden/);
  expect(findStep(j, 'verify', 'a line written now comes back from Loki').status, id).toBe('passed');
}

export const KIND_DRILL_EXPECTATIONS: Readonly<Record<string, (j: Journal, runDir: string) => void>> = {
  'backend-crash': (j) => {
    expectNoCommitLost(j);
    // every backend container SIGKILLed: the data probe saw the outage and its end
    expect(j.data!.outages.length).toBeGreaterThan(0);
  },
  'database-crash': (j) => expectNoCommitLost(j),
  'bad-release-rollback': (j) => {
    expectNoCommitLost(j);
    // the runbook as written scales a still-serving deployment to 0: measured, and reported
    expect(j.findings.map((f) => f.title)).toEqual(
      expect.arrayContaining(['The rollback trigger ">2 pods in CrashLoopBackOff" does not fire for a bad release', 'Scaling to 0 turns a stuck rollout into a full outage']),
    );
    expect(j.data!.outages.length).toBeGreaterThan(0);
    const recover = j.phases.find((p) => p.name === 'recover')!;
    expect(recover.steps.map((s) => s.name)).toEqual([
      'assess the rollback trigger (>2 pods in CrashLoopBackOff)',
      'scale down the failing deployment',
      'set the previous image',
      'scale back up',
      'rollout status',
    ]);
    expect(recover.steps.every((s) => s.status === 'passed' && s.endMs >= s.startMs)).toBe(true);
  },
  'secret-missing': (j, runDir) => {
    expectNoCommitLost(j);
    // the secret-delete fault keeps its copy for the revert in the ledger only, never in the evidence
    const written = readFileSync(join(runDir, 'secret-missing.journal.json'), 'utf8');
    expect(written).toMatch(/keys: JWT_SECRET; a copy is kept for the revert/);
    expect(written).not.toMatch(/"data":\s*\{\s*"JWT_SECRET"/);
  },
  'backup-job-missing': (j) => {
    // deployed, run once, its backup restored into a scratch instance
    expectJudgedOnItsNumbers(j, { mustMeet: ['rto'] });
    expect(j.measurements.rto?.source).toBe('verify');
    const restored = findStep(j, 'recover', 'restore the backup into a scratch instance').evidence.find((e) => e.label === 'restore')!.value as { rows: Record<string, number> };
    expect(restored.rows.exercises).toBeGreaterThan(0);
    expect(restored.rows.workout_logs).toBeGreaterThan(50); // the earlier drills' probe writes are in the backup
  },
  'migration-failed': (j) => {
    expectRestoredFromPreDeployBackup(j);
    expect(j.findings.map((f) => f.title)).toContain('Step 3 has no restore procedure, only commented examples');
  },
  'full-rollback': (j) => {
    expectRestoredFromPreDeployBackup(j);
    expect(j.findings.map((f) => f.title)).toContain('Step 4 starts the previous release before step 5 restores its database');
  },
  'loki-storage-emptydir': expectLokiFixed,
  'loki-storage-local-path': expectLokiFixed,
  'tls-certificate-expired': (j) => {
    // seen by a real handshake from outside, the previous certificate restored
    expectJudgedOnItsNumbers(j, { mustMeet: ['rto'] });
    const detected = j.phases.find((p) => p.name === 'detect')!.steps[0]!.evidence.find((e) => e.label === 'detected')!;
    expect(JSON.stringify(detected.value)).toMatch(/CERT_HAS_EXPIRED/);
    expect(findStep(j, 'verify', 'GET https://<host>/api/health through the edge').status).toBe('passed');
  },
  'alert-receivers': (j) => {
    // a webhook in the cluster configured, a test alert delivered; its arrival latency measured and judged against
    // the 60 s objective (a timing: the number is the evidence, not the assertion)
    expectJudgedOnItsNumbers(j, { mustMeet: ['rto'] });
    const arrival = j.phases
      .find((p) => p.name === 'recover')!
      .steps.flatMap((s) => s.evidence)
      .find((e) => e.label === 'alert arrival latency')!.value as { valueMs: number; met: boolean };
    expect(Number.isFinite(arrival.valueMs) && arrival.valueMs > 0, JSON.stringify(arrival)).toBe(true);
    expect(arrival.met).toBe(arrival.valueMs <= 60_000);
  },
};

/** Every journal checked by its drill's expectations; a drill without any is a test gap, refused. */
export function expectKindDrills(journals: readonly Journal[], runDir: string): void {
  for (const j of journals) {
    const check = KIND_DRILL_EXPECTATIONS[j.scenario.id];
    expect(check, `no expectations written for drill ${j.scenario.id}`).toBeDefined();
    check!(j, runDir);
  }
}
