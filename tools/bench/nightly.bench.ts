// nightly bench: the nightly suite on one kind cluster kept between runs, as CI runs it night after night.
// Prints, per run, the wall-time breakdown (cluster create or reuse, images loaded, stack deployed, the TLS edge,
// each drill, reports) against the 5-minute warm budget; then, over the repeated runs, per drill the verdict
// agreement (goal: every run the same verdict) and the spread of detection and RTO. Numbers only.
//   node tools/bench/nightly.bench.ts [--runs 5] [--keep]     (the first run may create the cluster: not warm)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nightlySuite } from '../../suites/nightly.suite.ts';
import { runSuite } from '../../suites/suite.ts';
import type { Journal } from '../../scenarios/journal.ts';
import { parseConfig } from '../config/config.ts';
import { run } from '../lib/exec.ts';
import { toolchainPaths } from '../kube/toolchain.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } } });
const runs = Math.max(1, Number(values.runs) || 5);
const CLUSTER = 'drillbook-nightly-bench';
const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
const journals: Journal[][] = [];

for (let i = 1; i <= runs; i++) {
  const outDir = mkdtempSync(join(tmpdir(), 'drillbook-bench-nightly-'));
  const logs: string[] = [];
  const result = await runSuite(nightlySuite, {
    config: parseConfig({ reports: { outDir }, cluster: { provider: 'kind', name: CLUSTER, keep: true } }),
    onEvent: (e) => {
      if (e.type === 'log') logs.push(`${(performance.now() / 1000).toFixed(1)} ${e.line}`);
    },
  });
  journals.push([...result.journals]);
  const drills = result.journals.reduce((sum, j) => sum + j.durationMs, 0);
  console.log(`\nrun ${i}/${runs}: wall ${s(result.wallMs)} (budget 300 s warm), exit ${result.exitCode}`);
  for (const line of logs.filter((l) => /kind cluster .* (created|reused)|stage |TLS edge .* serving/.test(l))) console.log(`  ${line.replace(/^\S+ /, '')}`);
  for (const j of result.journals) console.log(`  ${j.scenario.id.padEnd(24)} ${j.verdict.padEnd(9)} wall ${s(j.durationMs).padStart(8)}  detection ${s(j.measurements.detectionMs)}  RTO ${s(j.measurements.rto?.valueMs)} (${j.measurements.rto?.source ?? '-'})`);
  console.log(`  drills ${s(drills)}; cluster, images, stack, edge and reports ${s(result.wallMs - drills)}`);
}

console.log(`\nover ${runs} runs on one cluster:`);
const ids = [...new Set(journals.flat().map((j) => j.scenario.id))];
const spread = (xs: number[]) => (xs.length ? `${s(Math.min(...xs))} .. ${s(Math.max(...xs))}` : 'n/a');
const agreement: Record<string, string> = {};
for (const id of ids) {
  const of = journals.map((r) => r.find((j) => j.scenario.id === id)).filter((j): j is Journal => j !== undefined);
  const verdicts = of.map((j) => j.verdict);
  const most = Math.max(...[...new Set(verdicts)].map((v) => verdicts.filter((x) => x === v).length));
  agreement[id] = `${most}/${of.length}`;
  console.log(`  ${id.padEnd(24)} verdicts ${verdicts.join(',')} (agreement ${most}/${of.length}); detection ${spread(of.map((j) => j.measurements.detectionMs ?? NaN).filter(Number.isFinite))}; RTO ${spread(of.map((j) => j.measurements.rto?.valueMs ?? NaN).filter(Number.isFinite))}`);
}
console.log(`BENCH ${JSON.stringify({ bench: 'nightly', runs, agreement })}`);
if (!values.keep) await run(toolchainPaths().kind, ['delete', 'cluster', '--name', CLUSTER]).catch(() => undefined);
