// rollback-drill bench: the monthly drill (not in CI's e2e: its budget) on kind, as the release team runs it once a
// month: the one-node kind cluster (ROLLBACK.md Scenarios 1-4, the full rollback), PostgreSQL with a WAL archive
// (PITR after an accidental DELETE), the two-region kind cluster (region loss, fail-back), one after the other.
// Prints per runbook procedure: the drill's verdict, detection, RTO against ROLLBACK.md's target (15 min), RPO
// against its target (5 min), the acknowledged writes lost; then the wall time of each environment's set-up and
// teardown. Numbers only: nothing here passes or fails on a timing.
//   npm run bench -- rollback-drill            (creates and deletes its clusters; ~1 h on 2 cores)
//   node tools/bench/rollback-drill.bench.ts [scenario-id...]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Journal } from '../../scenarios/journal.ts';
import { ROLLBACK_DRILL_PROCEDURES, rollbackDrillSuite } from '../../suites/rollback-drill.suite.ts';
import { runSuite } from '../../suites/suite.ts';
import { parseConfig } from '../config/config.ts';

/** ROLLBACK.md's objectives ("RTO < 15 min, RPO < 5 min"), whatever a drill's own objectives say. */
const RTO_TARGET_MS = 15 * 60_000;
const RPO_TARGET_MS = 5 * 60_000;

const only = process.argv.slice(2);
const outDir = mkdtempSync(join(tmpdir(), 'drillbook-bench-rollback-drill-'));
const result = await runSuite(rollbackDrillSuite, {
  config: parseConfig({ reports: { outDir }, cluster: { provider: 'kind' } }),
  ...(only.length ? { only } : {}),
  onEvent: (e) => {
    if (e.type === 'log' && /environment|kind cluster .* (created|reused|deleted)/.test(e.line)) console.log(`  ${(performance.now() / 1000).toFixed(1)} s  ${e.line}`);
  },
});

const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
const against = (ms: number | null | undefined, target: number) => (ms === null || ms === undefined ? 'n/a' : `${s(ms)} / ${s(target)} ${ms < target ? 'within' : 'OVER'}`);
const byId = new Map<string, Journal>(result.journals.map((j) => [j.scenario.id, j]));

console.log(`\n${'procedure'.padEnd(58)} ${'drill'.padEnd(24)} ${'verdict'.padEnd(12)} ${'detection'.padStart(9)}  ${'RTO / 15 min'.padEnd(24)} ${'RPO / 5 min'.padEnd(22)} lost/acked`);
for (const p of ROLLBACK_DRILL_PROCEDURES) {
  const j = byId.get(p.scenario.id);
  const where = `${p.runbook.replace(/ § .*/, '')} ${p.procedure}`;
  if (!j) {
    console.log(`${where.padEnd(58)} ${p.scenario.id.padEnd(24)} (not selected)`);
    continue;
  }
  const m = j.measurements;
  const verdict = j.status === 'completed' ? j.verdict : `${j.verdict} (${j.status})`;
  console.log(
    `${where.padEnd(58)} ${p.scenario.id.padEnd(24)} ${verdict.padEnd(12)} ${s(m.detectionMs).padStart(9)}  ${against(m.rto?.valueMs, RTO_TARGET_MS).padEnd(24)} ${against(m.rpo?.valueMs, RPO_TARGET_MS).padEnd(22)} ${m.rpo ? `${m.rpo.lostWrites}/${m.rpo.acknowledgedWrites}` : 'n/a'}`,
  );
}
console.log('\nper drill, its own objectives as judged:');
for (const j of result.journals) {
  console.log(`  ${j.scenario.id.padEnd(24)} wall ${s(j.durationMs).padStart(8)}; ${j.objectives.map((o) => `${o.statement}: ${o.met === true ? 'met' : o.met === false ? 'NOT met' : 'not measured'}`).join('; ')}${j.error ? `; ${j.error.message.split('\n')[0]}` : ''}`);
}
console.log('\nenvironments (one at a time):');
for (const e of result.environments) {
  console.log(`  ${e.name.padEnd(34)} ${e.status.padEnd(11)} set-up ${s(e.setupMs).padStart(8)}  teardown ${s(e.disposeMs).padStart(8)}  for ${e.scenarios.join(', ')}${e.error ? `  (${e.error.split('\n')[0]})` : ''}`);
}
const drills = result.journals.reduce((sum, j) => sum + j.durationMs, 0);
const setups = result.environments.reduce((sum, e) => sum + (e.setupMs ?? 0) + (e.disposeMs ?? 0), 0);
console.log(`\ndecision ${result.report.decision} (exit ${result.exitCode}); wall ${s(result.wallMs)} (budget ${rollbackDrillSuite.budgetSeconds} s): drills ${s(drills)}, environments set up and torn down ${s(setups)}; evidence: ${result.written.dir}`);
console.log(
  `BENCH ${JSON.stringify({
    bench: 'rollback-drill',
    wallMs: result.wallMs,
    decision: result.report.decision,
    procedures: ROLLBACK_DRILL_PROCEDURES.map((p) => {
      const j = byId.get(p.scenario.id);
      return { runbook: p.runbook, procedure: p.procedure, drill: p.scenario.id, verdict: j?.verdict ?? null, detectionMs: j?.measurements.detectionMs ?? null, rtoMs: j?.measurements.rto?.valueMs ?? null, rpoMs: j?.measurements.rpo?.valueMs ?? null, lostWrites: j?.measurements.rpo?.lostWrites ?? null };
    }),
    environments: result.environments.map((e) => ({ name: e.name, status: e.status, setupMs: e.setupMs, disposeMs: e.disposeMs ?? null })),
  })}`,
);
