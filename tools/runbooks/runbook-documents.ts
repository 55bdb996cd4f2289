// Loads the runbook documents the scenarios' runbookRefs point into: every *.md of a folder, by file name. The
// default folder holds the reference stack's runbooks (copies of the seeds, unmodified); a team points
// `runbooks.dir` in drillbook.yaml at its own.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError } from '../../scenarios/errors.ts';
import type { RunbookDocuments } from '../../scenarios/runbook.ts';

export const REFERENCE_RUNBOOKS_DIR = fileURLToPath(new URL('../../clusters/stack/runbooks/', import.meta.url));

/** Throws InvalidInputError (before anything runs) when the folder is missing or holds no .md document. */
export function loadRunbookDocuments(dir: string = REFERENCE_RUNBOOKS_DIR, source = 'runbooks.dir'): RunbookDocuments {
  const path = resolve(dir);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new InvalidInputError(source, [`${path}: no such folder`], { hint: 'point runbooks.dir at the folder holding your runbook .md files, or remove it to use the reference runbooks' });
  }
  const files = readdirSync(path).filter((f) => f.endsWith('.md')).sort();
  if (files.length === 0) throw new InvalidInputError(source, [`${path}: holds no .md runbook`], { hint: 'copy your runbooks (ROLLBACK.md, ...) there' });
  return new Map(files.map((f) => [f, readFileSync(resolve(path, f), 'utf8')]));
}
