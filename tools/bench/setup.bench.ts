// The README's set-up, timed as a new user meets it: `bash tools/bootstrap.sh`, then `npm test`, each in a new
// shell whose `node` is the machine's own (PATH without the project's Node), and the wall time of each.
//   node tools/bench/setup.bench.ts            warm: the machine's cache and images as they are (goal <= 60 s)
//   node tools/bench/setup.bench.ts --cold     cold: an empty DRILLBOOK_CACHE, empty Go build and module caches,
//                                              an empty npm cache and no drillbook image in Docker (goal <= 45 min
//                                              on 2 cores). It deletes drillbook's images: a warm machine rebuilds
//                                              them in its next set-up.
//   --no-test                                  time the set-up only
// Prints each step's wall time, the bootstrap's own per-step lines, and one JSON line (prefix "BENCH ").
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({ options: { cold: { type: 'boolean', default: false }, 'no-test': { type: 'boolean', default: false } } });

// A new shell: the machine's PATH, without the Node that the bootstrap put in front of this process.
const nodeDir = dirname(process.execPath);
const env: Record<string, string> = { ...(process.env as Record<string, string>), PATH: (process.env.PATH ?? '').split(':').filter((p) => p !== nodeDir).join(':') };
delete env.NODE_OPTIONS;
if (values.cold) {
  const scratch = mkdtempSync(join(tmpdir(), 'drillbook-cold-'));
  Object.assign(env, { DRILLBOOK_CACHE: join(scratch, 'cache'), GOCACHE: join(scratch, 'go-build'), GOMODCACHE: join(scratch, 'go-mod'), npm_config_cache: join(scratch, 'npm') });
  const ids = spawnSync('docker', ['images', '--filter', 'reference=drillbook/*', '-q'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) spawnSync('docker', ['image', 'rm', '-f', ...new Set(ids)], { stdio: 'ignore' });
  process.stdout.write(`cold: DRILLBOOK_CACHE=${env.DRILLBOOK_CACHE}, Go and npm caches in ${scratch}, ${new Set(ids).size} drillbook images removed\n`);
}

function timed(label: string, command: string, args: string[]): { label: string; seconds: number; exitCode: number | null; lines: string[] } {
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n');
  process.stdout.write(`${label}: ${seconds} s (exit ${r.status ?? r.signal})\n`);
  return { label, seconds, exitCode: r.status, lines };
}

const setup = timed('bash tools/bootstrap.sh', 'bash', ['tools/bootstrap.sh']);
for (const line of setup.lines.filter((l) => /\[bootstrap\].*: \d+ s$|done in \d+ s|waited \d+ s/.test(l))) process.stdout.write(`  ${line.replace(/\x1b\[[0-9;]*m/g, '')}\n`);
const test = values['no-test'] || setup.exitCode !== 0 ? undefined : timed('npm test', 'npm', ['test']);
const closing = test?.lines.find((l) => /^tests: \d+ passed/.test(l));
if (closing) process.stdout.write(`  ${closing}\n`);
process.stdout.write(`BENCH ${JSON.stringify({ bench: 'setup', mode: values.cold ? 'cold' : 'warm', setupSeconds: setup.seconds, setupExit: setup.exitCode, testSeconds: test?.seconds ?? null, testExit: test?.exitCode ?? null, tests: closing ?? null })}\n`);
process.exitCode = setup.exitCode === 0 && (test === undefined || test.exitCode === 0) ? 0 : 1;
