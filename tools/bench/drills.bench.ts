// drills bench: runs the kube-drills suite (ROLLBACK.md's scenarios on a fresh kind cluster, under k6 background
// load and the data probe) and prints per scenario its detection latency, RTO (and where it came from), RPO with
// the lost/acknowledged writes, and wall time. Numbers only: nothing here passes or fails on a timing.
//   node tools/bench/drills.bench.ts [scenario-id...]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeDrillsSuite } from '../../suites/kube-drills.suite.ts';
import { runSuite } from '../../suites/suite.ts';
import { parseConfig } from '../config/config.ts';

const only = process.argv.slice(2);
const outDir = mkdtempSync(join(tmpdir(), 'drillbook-bench-drills-'));
const result = await runSuite(kubeDrillsSuite, { config: parseConfig({ reports: { outDir } }), ...(only.length ? { only } : {}) });
const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(3)} s`);
console.log(`${'scenario'.padEnd(24)} ${'verdict'.padEnd(9)} ${'detection'.padStart(10)} ${'RTO'.padStart(10)} ${'source'.padEnd(10)} ${'RPO'.padStart(9)} ${'lost/acked'.padStart(11)} ${'wall'.padStart(9)}`);
for (const j of result.journals) {
  const m = j.measurements;
  console.log(
    `${j.scenario.id.padEnd(24)} ${j.verdict.padEnd(9)} ${s(m.detectionMs).padStart(10)} ${s(m.rto?.valueMs).padStart(10)} ${(m.rto?.source ?? '-').padEnd(10)} ${s(m.rpo?.valueMs).padStart(9)} ${(m.rpo ? `${m.rpo.lostWrites}/${m.rpo.acknowledgedWrites}` : 'n/a').padStart(11)} ${s(j.durationMs).padStart(9)}`,
  );
}
console.log(`suite wall time ${s(result.wallMs)} (cluster create and stack deploy included); evidence: ${result.written.dir}`);
