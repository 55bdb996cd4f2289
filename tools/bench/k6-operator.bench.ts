// k6-operator bench: the same profile through local k6 and through k6-operator with 1 and 2 runners, against the
// Gravl stack on a kind cluster this bench creates (and deletes): requests/s, p95, what merging changes (merged
// p95 vs each runner's and vs their average, the error an averaging harness would make; summed vs per-runner
// requests/s), and the harness's own CPU share while the load runs (polling the TestRun, reading the runner logs,
// merging). Numbers only, no verdict; the machine is shared, so they move.
//
//   node tools/bench/k6-operator.bench.ts                       sign-off profile, 10 VUs, 30 s per engine
//   BENCH_SECONDS=120 BENCH_VUS=20 node tools/bench/k6-operator.bench.ts
// Needs Docker, the kind toolchain (bash tools/setup/60-kind.sh) and the images (built when missing).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../scenarios/clock.ts';
import { LABELS, MANAGED_BY, type LoadGenerator, type LoadProfile, type LoadResult } from '../../scenarios/ports.ts';
import { startGravlKind } from '../../suites/environments/gravl-kind.env.ts';
import { signoffProfile } from '../../suites/load/profiles.ts';
import { K6OperatorLoadGenerator } from '../k6/k6-operator.driver.ts';
import type { MergedLoadResult } from '../k6/k6-operator.merge.ts';
import { K6LoadGenerator } from '../k6/k6.driver.ts';
import { ensureK6 } from '../k6/k6.installer.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const vus = Number(process.env.BENCH_VUS ?? 10);
const runId = `bench-k6op-${Date.now().toString(36)}`;
const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: runId, [LABELS.scenario]: 'k6-operator-bench' };
const outDir = mkdtempSync(join(tmpdir(), 'drillbook-bench-k6op-'));
const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('SIGINT')));

interface Row {
  engine: string;
  result: LoadResult;
  wallMs: number;
  harnessCpuMs: number;
}

async function measure(engine: string, load: LoadGenerator, profile: LoadProfile): Promise<Row> {
  const cpu0 = process.cpuUsage();
  const t0 = systemClock.now();
  const running = await load.start(profile, { labels, signal: controller.signal });
  // waits for the bounded end (stop() would end it early): the K6 driver's finished(), k6-operator's finished()
  const result = await (running as unknown as { finished(): Promise<LoadResult> }).finished();
  const wallMs = systemClock.now() - t0;
  const c = process.cpuUsage(cpu0);
  return { engine, result, wallMs, harnessCpuMs: (c.user + c.system) / 1000 };
}

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? 'n/a' : v.toFixed(digits));

const started = performance.now();
const k6 = await ensureK6({ log: (l) => console.error(`[k6] ${l}`) });
await using kube = await startGravlKind({
  runId,
  suite: 'k6-operator-bench',
  outDir,
  signal: controller.signal,
  log: (l) => console.error(`[kind] ${l}`),
  clusterName: 'drillbook-bench-k6op',
  backendReplicas: 2,
  load: { engine: 'k6-operator', parallelism: 1 },
  keep: process.env.BENCH_KEEP === "1",
});
console.error(`[bench] cluster, stack and k6-operator ready in ${((performance.now() - started) / 1000).toFixed(0)} s`);
const operator = kube.ports.load as K6OperatorLoadGenerator;
const profile = signoffProfile(kube.env.backendUrl, { vus, durationSeconds: seconds });

const rows: Row[] = [];
try {
  rows.push(await measure('local k6', new K6LoadGenerator().withK6(k6.path, k6.version).withOutputDir(join(outDir, 'k6')), profile));
  rows.push(await measure('k6-operator x1', operator.withParallelism(1), profile));
  rows.push(await measure('k6-operator x2', operator.withParallelism(2), profile));
} finally {
  console.log(`k6-operator bench: profile signoff (health + list-exercises + write), ${vus} VUs, ${seconds} s per engine, target ${profile.target} (k6-operator: its Service)`);
  console.log('  engine            requests   req/s     p50 / p95 / p99 (ms)          errors    thresholds                 harness CPU');
  for (const r of rows) {
    const x = r.result;
    const th = x.thresholds.map((t) => `${t.name}:${t.ok ? 'ok' : 'FAIL'}`).join(' ');
    console.log(
      `  ${r.engine.padEnd(16)}  ${String(x.requests).padStart(8)}  ${fmt(x.rps).padStart(6)}   ${fmt(x.p50Ms, 2)} / ${fmt(x.p95Ms, 2)} / ${fmt(x.p99Ms, 2)}`.padEnd(78) +
        `${(x.errorRate * 100).toFixed(3)} %   ${th}   ${r.harnessCpuMs.toFixed(0)} ms = ${((100 * r.harnessCpuMs) / r.wallMs).toFixed(2)} % of one core`,
    );
  }
  for (const r of rows.filter((row) => 'runners' in row.result)) {
    const m = r.result as MergedLoadResult;
    const p95s = m.runners.map((x) => x.p95Ms ?? 0);
    const avg = p95s.reduce((a, b) => a + b, 0) / Math.max(1, p95s.length);
    console.log(
      `  ${r.engine}: runners ${m.runners.map((x) => `#${x.index} ${x.requests} req, ${fmt(x.rps)} req/s, p95 ${fmt(x.p95Ms, 2)} ms`).join('; ')}` +
        `\n    merged p95 ${fmt(m.p95Ms, 2)} ms vs average of runner p95s ${fmt(avg, 2)} ms (averaging would be off by ${fmt(avg - (m.p95Ms ?? 0), 2)} ms);` +
        ` merged ${fmt(m.rps)} req/s over ${fmt(m.durationMs / 1000, 2)} s (runner start skew ${fmt(m.startSkewMs, 0)} ms), sum of runners ${fmt(m.runners.reduce((a, x) => a + x.rps, 0))}; best single runner ${fmt(Math.max(...m.runners.map((x) => x.rps)))} req/s`,
    );
  }
  const local = rows.find((r) => r.engine === 'local k6')?.result;
  for (const r of rows.filter((row) => row.engine !== 'local k6')) {
    if (local) console.log(`  ${r.engine} vs local k6: req/s ${fmt(r.result.rps - local.rps, 1)}, p95 ${fmt((r.result.p95Ms ?? 0) - (local.p95Ms ?? 0), 2)} ms`);
  }
  rmSync(outDir, { recursive: true, force: true });
}
