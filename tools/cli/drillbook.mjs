#!/usr/bin/env node
// Launcher. drillbook is TypeScript that Node >= 22.22 runs natively (type stripping). Under an older Node
// (the machine default may be 20), re-run under the Node 24 that tools/bootstrap.sh installed, or say how to get it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 22)) {
  const { main } = await import('./main.ts');
  await main(process.argv);
} else {
  const cache = process.env.DRILLBOOK_CACHE ?? join(homedir(), '.cache', 'drillbook');
  const pointer = join(cache, 'node-bin-path');
  const node = existsSync(pointer) ? join(readFileSync(pointer, 'utf8').trim(), 'node') : undefined;
  if (!node || !existsSync(node)) {
    process.stderr.write(`drillbook needs Node >= 22.22 (this is ${process.version}).\nFix: bash tools/bootstrap.sh   (installs Node 24 from the npm registry into ${cache})\n`);
    process.exit(2);
  }
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 2)));
}
