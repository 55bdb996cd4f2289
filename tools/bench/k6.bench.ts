// k6 bench: how many requests/s (and what p95) the backend sustains here under k6, and how much CPU the
// harness's own Node process spends while the load runs (it must not distort what it measures).
//
//   node tools/bench/k6.bench.ts                       stub backend (a loopback Node server in its own process)
//   BENCH_TARGET=http://127.0.0.1:PORT node tools/bench/k6.bench.ts     any loopback backend already running
//   BENCH_SECONDS=30 BENCH_VUS=10 BENCH_PROFILE=signoff ...
import { systemClock } from '../../scenarios/clock.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { K6LoadGenerator } from '../k6/k6.driver.ts';
import { ensureK6 } from '../k6/k6.installer.ts';
import { startStubBackend } from '../k6/testing/stub-backend.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const vus = Number(process.env.BENCH_VUS ?? 10);
const profileName = process.env.BENCH_PROFILE ?? 'signoff';

const ensureStarted = performance.now();
const k6 = await ensureK6({ log: (l) => console.error(`[k6] ${l}`) });
const ensureMs = performance.now() - ensureStarted;

await using stub = process.env.BENCH_TARGET ? null : await startStubBackend();
const target = process.env.BENCH_TARGET ?? stub!.url;
const load = new K6LoadGenerator().withK6(k6.path, k6.version);

const cpu0 = process.cpuUsage();
const t0 = systemClock.now();
await using running = await load.start(
  { name: profileName, target, vus, durationSeconds: seconds, thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001, minRps: 100 } },
  { labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'bench', [LABELS.scenario]: 'k6-bench' } },
);
await running.exited();
const loadCpu = process.cpuUsage(cpu0);
const loadWallMs = systemClock.now() - t0;
const cpu1 = process.cpuUsage();
const t1 = systemClock.now();
const result = await running.finished();
const parseCpu = process.cpuUsage(cpu1);
const parseWallMs = systemClock.now() - t1;

const ms = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const fmt = (v: number | null, digits = 1) => (v === null ? 'n/a' : v.toFixed(digits));
console.log(`k6 bench: ${result.k6.version} profile=${profileName} vus=${vus} duration=${seconds}s target=${stub ? 'stub-backend (node:http)' : target}`);
console.log(`  k6 ready in                ${ensureMs.toFixed(0)} ms (${k6.built ? 'built now' : 'warm cache'})`);
console.log(`  requests                   ${result.requests}`);
console.log(`  requests/s                 ${fmt(result.rps)}`);
console.log(`  latency p50/p95/p99 (ms)   ${fmt(result.p50Ms, 2)} / ${fmt(result.p95Ms, 2)} / ${fmt(result.p99Ms, 2)}`);
console.log(`  error rate                 ${(result.errorRate * 100).toFixed(3)} %`);
console.log(`  thresholds                 ${result.thresholds.map((t) => `${t.name}:${t.ok ? 'ok' : 'FAILED'}`).join(' ')}`);
console.log(`  harness CPU during load    ${ms(loadCpu).toFixed(0)} ms over ${(loadWallMs / 1000).toFixed(1)} s = ${((100 * ms(loadCpu)) / loadWallMs).toFixed(2)} % of one core`);
console.log(`  parsing the results        ${ms(parseCpu).toFixed(0)} ms CPU, ${parseWallMs.toFixed(0)} ms wall (${result.series.length} per-second samples)`);
