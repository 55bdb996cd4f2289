// drills bench: runs a suite (default kube-drills: ROLLBACK.md's scenarios on a fresh kind cluster, under k6
// background load and the data probe) and prints per scenario its detection latency, RTO (and where it came from),
// RPO with the lost/acknowledged writes, wall time, and each objective as judged. Numbers only: nothing here passes
// or fails on a timing (the integration and e2e tests assert that verdicts follow these numbers, not the numbers).
//   node tools/bench/drills.bench.ts [scenario-id...]
//   BENCH_SUITE=quick node tools/bench/drills.bench.ts            (Docker: quick, selftest; kind: nightly, signoff; the monthly drill: rollback-drill.bench.ts)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSuite, suites } from '../../suites/index.ts';
import { runSuite } from '../../suites/suite.ts';
import { parseConfig } from '../config/config.ts';

const suiteName = process.env.BENCH_SUITE ?? 'kube-drills';
const suite = findSuite(suiteName);
if (!suite) throw new Error(`unknown suite ${suiteName}; known: ${suites.map((s) => s.name).join(', ')}`);
const only = process.argv.slice(2);
const outDir = mkdtempSync(join(tmpdir(), 'drillbook-bench-drills-'));
const result = await runSuite(suite, { config: parseConfig({ reports: { outDir } }), ...(only.length ? { only } : {}) });
const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(3)} s`);
console.log(`${'scenario'.padEnd(24)} ${'verdict'.padEnd(9)} ${'detection'.padStart(10)} ${'RTO'.padStart(10)} ${'source'.padEnd(10)} ${'RPO'.padStart(9)} ${'lost/acked'.padStart(11)} ${'wall'.padStart(9)}`);
for (const j of result.journals) {
  const m = j.measurements;
  console.log(
    `${j.scenario.id.padEnd(24)} ${j.verdict.padEnd(9)} ${s(m.detectionMs).padStart(10)} ${s(m.rto?.valueMs).padStart(10)} ${(m.rto?.source ?? '-').padEnd(10)} ${s(m.rpo?.valueMs).padStart(9)} ${(m.rpo ? `${m.rpo.lostWrites}/${m.rpo.acknowledgedWrites}` : 'n/a').padStart(11)} ${s(j.durationMs).padStart(9)}`,
  );
}
for (const j of result.journals) console.log(`${j.scenario.id}: ${j.objectives.map((o) => `${o.statement}: ${o.met === true ? 'met' : o.met === false ? 'NOT met' : 'not measured'} (${o.reason})`).join('; ')}`);
console.log(`decision ${result.report.decision} (exit ${result.exitCode})`);
console.log(`${suiteName} suite wall time ${s(result.wallMs)} (cluster create and stack deploy included); evidence: ${result.written.dir}`);
