// `npm run bench [name...]`: runs every tools/bench/*.bench.ts (or the named ones) one after another, each in
// its own process so one benchmark's heap and CPU do not colour the next. Benchmarks print numbers; they never
// pass or fail on timings.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const unknown = wanted.filter((w) => !all.includes(`${w}.bench.ts`));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.map((f) => f.replace('.bench.ts', '')).join(', ')}\n`);
  process.exit(2);
}
/** Run only when named: the monthly drill creates a one-node then a two-region kind cluster (~1 h on 2 cores). */
const ON_DEMAND = ['rollback-drill'];
const onDemand = (f: string) => ON_DEMAND.includes(f.replace('.bench.ts', ''));
if (!wanted.length) for (const f of all.filter(onDemand)) process.stdout.write(`(${f.replace('.bench.ts', '')} runs only when named: npm run bench -- ${f.replace('.bench.ts', '')})\n`);
const selected = wanted.length ? all.filter((f) => wanted.includes(f.replace('.bench.ts', ''))) : all.filter((f) => !onDemand(f));
let failed = 0;
for (const file of selected) {
  process.stdout.write(`\n=== ${file.replace('.bench.ts', '')} ===\n`);
  const r = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed += 1;
    process.stdout.write(`(${file} exited with ${r.status ?? r.signal})\n`);
  }
}
process.exit(failed ? 1 : 0);
