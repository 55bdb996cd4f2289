// k6 bench: the requests/s and p95 the reference backend (gravl-backend v2 + PostgreSQL 15 in Docker, built by
// tools/images) sustains here under k6's sign-off profile, and how much CPU the harness's own Node process
// spends while the load runs (it must not distort what it measures). For context it also prints what k6, the
// backend and the whole machine used over the same window: the machine is shared, so numbers move.
//
//   node tools/bench/k6.bench.ts                                 reference backend in Docker (default)
//   BENCH_BACKEND=stub node tools/bench/k6.bench.ts              loopback Node stub instead (no Docker)
//   BENCH_SECONDS=300 BENCH_VUS=10 node tools/bench/k6.bench.ts  the full 5-minute sign-off
import '../lib/testcontainers-env.ts'; // no Ryuk (cannot be pulled), connect on 127.0.0.1

import { readFile } from 'node:fs/promises';
import { systemClock } from '../../scenarios/clock.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { K6LoadGenerator } from '../k6/k6.driver.ts';
import { ensureK6 } from '../k6/k6.installer.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const vus = Number(process.env.BENCH_VUS ?? 10);
const backendKind = process.env.BENCH_BACKEND ?? 'reference';
const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'bench', [LABELS.scenario]: 'k6-bench' };

const CLK_TCK = 100;
/** utime+stime (+ children) of a process, ms; null once it is gone. */
async function procCpuMs(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11..14] = utime, stime, cutime, cstime (fields 14-17 of proc(5), counted after the comm field)
    return ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}
/** CPU of a Docker container from its cgroup v1 cpuacct, ms; null when not available. */
async function containerCpuMs(id: string): Promise<number | null> {
  for (const path of [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, `/sys/fs/cgroup/cpu,cpuacct/docker/${id}/cpuacct.usage`]) {
    try {
      return Number((await readFile(path, 'utf8')).trim()) / 1e6;
    } catch {
      /* next */
    }
  }
  return null;
}
/** Busy and total jiffies of the whole machine. */
async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  return { busy: total - idle, total };
}

const ensureStarted = performance.now();
const k6 = await ensureK6({ log: (l) => console.error(`[k6] ${l}`) });
const ensureMs = performance.now() - ensureStarted;

let target: string;
let backendCpu: () => Promise<number | null>;
let backendName: string;
const disposers: AsyncDisposable[] = [];
if (backendKind === 'stub') {
  const { startStubBackend } = await import('../k6/testing/stub-backend.ts');
  const stub = await startStubBackend();
  disposers.push(stub);
  target = stub.url;
  backendCpu = () => procCpuMs(stub.pid);
  backendName = 'stub backend (node:http, own process)';
} else {
  const { startGravlBackend } = await import('../k6/testing/gravl-backend.testkit.ts');
  const stack = await startGravlBackend({ variant: 'v2', labels, log: (l) => console.error(`[images] ${l}`) });
  disposers.push(stack);
  target = stack.url;
  const ids = [stack.backend.getId(), stack.postgres.getId()];
  backendCpu = async () => {
    const values = await Promise.all(ids.map(containerCpuMs));
    return values.some((v) => v === null) ? null : values.reduce((a, b) => a! + b!, 0);
  };
  backendName = `reference backend ${stack.backendTag} + ${stack.postgresTag} (Docker)`;
}

try {
  const load = new K6LoadGenerator().withK6(k6.path, k6.version);
  const machine0 = await machineTicks();
  const backend0 = await backendCpu();
  const cpu0 = process.cpuUsage();
  const t0 = systemClock.now();
  await using running = await load.start(
    { name: 'signoff', target, vus, durationSeconds: seconds, thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001, minRps: 100 } },
    { labels },
  );
  // k6's own CPU: its /proc entry, read once a second (so the harness cost of watching is in the number below)
  let k6CpuMs: number | null = null;
  const pid = running.pid;
  const watch = setInterval(() => {
    if (pid !== undefined) void procCpuMs(pid).then((v) => (k6CpuMs = v ?? k6CpuMs));
  }, 1_000);
  await running.exited();
  clearInterval(watch);
  const loadCpu = process.cpuUsage(cpu0);
  const loadWallMs = systemClock.now() - t0;
  const backend1 = await backendCpu();
  const machine1 = await machineTicks();
  const cpu1 = process.cpuUsage();
  const t1 = systemClock.now();
  const result = await running.finished();
  const parseCpu = process.cpuUsage(cpu1);
  const parseWallMs = systemClock.now() - t1;

  const ms = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
  const share = (cpuMs: number | null) => (cpuMs === null ? 'n/a' : `${((100 * cpuMs) / loadWallMs).toFixed(2)} % of one core`);
  const fmt = (v: number | null, digits = 1) => (v === null ? 'n/a' : v.toFixed(digits));
  const machineBusy = (100 * (machine1.busy - machine0.busy)) / (machine1.total - machine0.total);
  console.log(`k6 bench: k6 ${result.k6.version}, profile signoff (health + list-exercises + write), ${vus} VUs, ${seconds} s`);
  console.log(`  target                     ${backendName}`);
  console.log(`  k6 ready in                ${ensureMs.toFixed(0)} ms (${k6.built ? 'built now' : 'warm cache'})`);
  console.log(`  requests                   ${result.requests}`);
  console.log(`  requests/s                 ${fmt(result.rps)}`);
  console.log(`  latency p50/p95/p99 (ms)   ${fmt(result.p50Ms, 2)} / ${fmt(result.p95Ms, 2)} / ${fmt(result.p99Ms, 2)}`);
  console.log(`  error rate                 ${(result.errorRate * 100).toFixed(3)} %`);
  console.log(`  sign-off thresholds        ${result.thresholds.map((t) => `${t.name}:${t.ok ? 'ok' : 'FAILED'}`).join('  ')}`);
  console.log(`  harness CPU during load    ${ms(loadCpu).toFixed(0)} ms over ${(loadWallMs / 1000).toFixed(1)} s = ${share(ms(loadCpu))}`);
  console.log(`  k6 CPU during load         ${share(k6CpuMs)}`);
  console.log(`  backend CPU during load    ${share(backend0 === null || backend1 === null ? null : backend1 - backend0)}`);
  console.log(`  whole machine busy         ${machineBusy.toFixed(1)} % of 2 cores (shared with other work)`);
  console.log(`  parsing the results        ${ms(parseCpu).toFixed(0)} ms CPU, ${parseWallMs.toFixed(0)} ms wall (${result.series.length} per-second samples)`);
} finally {
  for (const d of disposers.reverse()) await d[Symbol.asyncDispose]();
}
