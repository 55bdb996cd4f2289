#!/usr/bin/env node
// Launcher. drillbook is TypeScript that Node >= 22.22 runs natively (type stripping). Under an older Node
// (the machine default may be 20), re-run under the Node 24 that tools/bootstrap.sh installed, or say how to get it.
import { fileURLToPath } from 'node:url';
import { nodeIsRecentEnough, relaunch } from '../node.mjs';

if (nodeIsRecentEnough()) {
  const { main } = await import('./main.ts');
  await main(process.argv);
} else relaunch(fileURLToPath(import.meta.url), process.argv.slice(2));
