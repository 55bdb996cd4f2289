// Prints, for every catalogue scenario, the runbook sections its runbookRef resolves to and their current
// fingerprint next to the reviewed one it declares, for a reviewer to re-read the drill and update
// `runbookFingerprint`. Exit 1 when a ref does not resolve or a fingerprint differs.
//   npm run runbooks                 the reference runbooks (clusters/stack/runbooks)
//   npm run runbooks -- --dir <dir>  a team's own
import { parseArgs } from 'node:util';
import { catalog } from '../../scenarios/catalog/index.ts';
import { regionFailback, regionLoss } from '../../scenarios/catalog/region-loss.scenario.ts';
import { resolveRunbookRef } from '../../scenarios/runbook.ts';
import { loadRunbookDocuments } from './runbook-documents.ts';

export const CATALOGUE = [...catalog, regionLoss, regionFailback];

function main(): number {
  const { values } = parseArgs({ options: { dir: { type: 'string' } } });
  const documents = loadRunbookDocuments(values.dir, '--dir');
  let bad = 0;
  for (const s of CATALOGUE) {
    if (!s.runbookRef) {
      console.log(`${s.id}: no runbookRef`);
      continue;
    }
    const r = resolveRunbookRef(s.runbookRef, documents);
    if (!r.ok) {
      bad++;
      console.log(`${s.id}: UNRESOLVED ${s.runbookRef}\n  ${r.problems.join('\n  ')}`);
      continue;
    }
    const state = s.runbookFingerprint === r.value.fingerprint ? 'reviewed' : s.runbookFingerprint ? `CHANGED (reviewed ${s.runbookFingerprint})` : 'not pinned';
    if (state !== 'reviewed') bad++;
    console.log(`${s.id}: ${r.value.fingerprint} ${state}`);
    for (const sec of r.value.sections) console.log(`  ${sec.document} lines ${sec.startLine}-${sec.endLine}: ${sec.headings.join(' > ')}`);
  }
  return bad ? 1 : 0;
}

process.exitCode = main();
