// The rollback drill's point-in-time recovery for real: PostgreSQL 15 with WAL archiving, an accidental DELETE
// under live writes, the runbook's recovery; and the same drill with a runbook that fails, where the safety-net
// revert must still bring every row back. The first runs the monthly suite with --only: only the PITR group's
// environment is prepared (no kind cluster), and it is torn down after its drill.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pitrAccidentalDelete } from '../scenarios/catalog/pitr-accidental-delete.scenario.ts';
import { defineScenario } from '../scenarios/define.ts';
import { runScenario } from '../scenarios/runner.ts';
import { expectJudgedOnItsNumbers } from '../scenarios/testing/judged-on-numbers.ts';
import { leftoverContainers as leftovers } from './testing/leftovers.ts';
import { parseConfig } from '../tools/config/config.ts';
import { startPitrEnvironment } from './environments/postgres-pitr.env.ts';
import { rollbackDrillSuite } from './rollback-drill.suite.ts';
import { runSuite } from './suite.ts';


describe('rollback drill: point-in-time recovery', () => {
  it('recovers every deleted row; the writes acknowledged after the recovery target are the ones lost', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'drillbook-drill-'));
    const result = await runSuite(rollbackDrillSuite, { config: parseConfig({ reports: { outDir } }), only: ['pitr-accidental-delete'], runId: 'drill-pitr' });
    const [j] = result.journals;
    expect(result.environments.map((e) => [e.name, e.status, e.scenarios])).toEqual([['postgres-pitr (Docker)', 'ready', ['pitr-accidental-delete']]]);
    // RTO and RPO met; detection (< 2 s) judged on its numbers, which `npm run bench -- rollback-drill` prints
    expectJudgedOnItsNumbers(j!, { mustMeet: ['rto', 'rpo'] });
    const injected = j!.phases.find((p) => p.name === 'inject')!.steps[0]!.evidence.find((e) => e.label === 'accident')!.value as { rowsAffected: number };
    expect(injected.rowsAffected).toBe(3_000);
    expect(j!.measurements.rto?.source).toBe('verify');
    // writes kept going on the old primary between the DELETE and the fence: those are lost, and counted
    expect(j!.measurements.rpo!.lostWrites).toBeGreaterThan(0);
    expect(j!.measurements.rpo!.valueMs).toBeLessThan(300_000);
    const revert = j!.phases.find((p) => p.name === 'revert')!.steps[0]!;
    expect(JSON.stringify(revert.evidence)).toContain('all 3000 rows present');
    expect(await leftovers('drill-pitr')).toEqual([]);
  });

  it('a runbook that fails is not met, and the safety-net revert still puts every row back', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'drillbook-drill-fail-'));
    const ac = new AbortController();
    await using pitr = await startPitrEnvironment({ runId: 'drill-pitr-fail', outDir, signal: ac.signal, log: () => {} });
    const { __validated: _, ...def } = pitrAccidentalDelete;
    const broken = defineScenario({
      ...def,
      recover: [{ name: 'restore from a backup that does not exist', timeoutMs: 10_000, run: async () => { throw new Error('no such backup: gravl-2026-03-06.dump'); } }],
      verifyTimeoutMs: 1_000,
    });
    const j = await runScenario(broken, { ports: pitr.ports, env: pitr.env, runId: 'drill-pitr-fail' });
    expect(j.status).toBe('completed');
    expect(j.verdict).toBe('not-met');
    expect(j.deviated).toBe(true);
    const revert = j.phases.find((p) => p.name === 'revert')!.steps[0]!;
    expect(revert.status).toBe('passed');
    expect(JSON.stringify(revert.evidence)).toContain('re-inserted 3000 missing rows');
    expect(await pitr.env.countRows(ac.signal)).toBe(3_000);
  });
});
