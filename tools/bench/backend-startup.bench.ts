// backend-startup bench: how long gravl-backend (v2 and the broken build, from tools/images) takes to exit on each
// start-up failure, wall time of `docker run --rm` from start to exit (container start included). The integration
// test clusters/stack/backend-startup.integration.test.ts asserts what happens (exit code, message, no retry where
// retrying cannot help); this prints how long it took. Numbers only.
//   node tools/bench/backend-startup.bench.ts
import '../lib/testcontainers-env.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { ensureImage } from '../images/images.ts';
import { tryRun } from '../lib/exec.ts';

const labelArgs = [`${LABELS.managedBy}=${MANAGED_BY}`, `${LABELS.scenario}=backend-startup-bench`].flatMap((l) => ['--label', l]);
const v2 = await ensureImage('gravl-backend-v2', { log: (l) => console.error(`[images] ${l}`) });
const broken = await ensureImage('gravl-backend-broken', { log: (l) => console.error(`[images] ${l}`) });

const cases: { name: string; image: string; env: Record<string, string> }[] = [
  { name: 'DB password missing (expect 78)', image: v2, env: { DB_HOST: 'postgres' } },
  { name: 'DB refused, 2 s budget (expect 69)', image: v2, env: { DB_HOST: '127.0.0.1', DB_PORT: '1', DB_PASSWORD: 'pw', DB_CONNECT_TIMEOUT_MS: '2000' } },
  { name: 'broken build (expect 70)', image: broken, env: {} },
];
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
console.log(`backend start-up failures, ${rounds} rounds each (docker run --rm, wall ms from start to exit)`);
for (const c of cases) {
  const times: number[] = [];
  let code: number | undefined;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const r = await tryRun('docker', ['run', '--rm', ...labelArgs, ...Object.entries(c.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), c.image], { timeoutMs: 60_000 });
    times.push(performance.now() - t0);
    code = r.exitCode;
  }
  times.sort((a, b) => a - b);
  console.log(`  ${c.name.padEnd(38)} exit ${code}  min ${times[0]!.toFixed(0)}  median ${times[Math.floor(times.length / 2)]!.toFixed(0)}  max ${times.at(-1)!.toFixed(0)}`);
}
