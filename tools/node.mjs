#!/usr/bin/env node
// Runs a project script or a package's bin under Node >= 22.22, whatever `node` a new shell finds first.
// The machine's own Node may be older (these machines ship 20): then the Node 24 that tools/bootstrap.sh
// installed (its path is in $DRILLBOOK_CACHE/node-bin-path) runs it. The npm scripts go through here, so
// `npm test` works as typed in a fresh shell; tools/cli/drillbook.mjs uses the same lookup.
//
//   node tools/node.mjs vitest run ...        a bin from node_modules/.bin
//   node tools/node.mjs tools/bench/run.ts    a script of the project
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function nodeIsRecentEnough(version = process.versions.node) {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 22);
}

/** The Node binary to run the project with, or undefined (with the reason in `why`). */
export function projectNode() {
  if (nodeIsRecentEnough()) return { node: process.execPath };
  const cache = process.env.DRILLBOOK_CACHE ?? join(homedir(), '.cache', 'drillbook');
  const pointer = join(cache, 'node-bin-path');
  const node = existsSync(pointer) ? join(readFileSync(pointer, 'utf8').trim(), 'node') : undefined;
  if (node && existsSync(node)) return { node };
  return {
    why: `drillbook needs Node >= 22.22 (this shell's node is ${process.version}).\n` +
      `Fix: bash tools/bootstrap.sh   (installs Node 24 from the npm registry into ${cache})\n`,
  };
}

/** Spawns `node <script> ...args` under the project's Node, forwarding signals; exits with the child's code. */
export function relaunch(script, args) {
  const found = projectNode();
  if (!found.node) {
    process.stderr.write(found.why);
    process.exit(2);
  }
  // The child sees the project's Node first on PATH too (vitest workers, npx inside scripts).
  const env = { ...process.env, PATH: `${dirname(found.node)}:${process.env.PATH ?? ''}` };
  const child = spawn(found.node, [script, ...args], { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 130 : 2)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [target, ...args] = process.argv.slice(2);
  if (!target) {
    process.stderr.write('usage: node tools/node.mjs <bin in node_modules/.bin | script path> [args...]\n');
    process.exit(2);
  }
  const script = /\.(m?js|ts)$/.test(target) ? resolve(target) : join(ROOT, 'node_modules', '.bin', target);
  if (!existsSync(script)) {
    process.stderr.write(`${target}: not found at ${script}\nFix: bash tools/bootstrap.sh   (npm ci installs the project's packages)\n`);
    process.exit(2);
  }
  relaunch(script, args);
}
