import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../scenarios/catalog/index.ts';
import { regionFailback, regionLoss } from '../../scenarios/catalog/region-loss.scenario.ts';
import { RUNBOOK_CHANGED, checkRunbook, resolveRunbookRef } from '../../scenarios/runbook.ts';
import { REFERENCE_RUNBOOKS_DIR, loadRunbookDocuments } from './runbook-documents.ts';

const CATALOGUE = [...catalog, regionLoss, regionFailback];

describe('the catalogue against the reference runbooks', () => {
  const documents = loadRunbookDocuments();

  it('every scenario has a top-level runbookRef that resolves to real sections', () => {
    const unresolved = CATALOGUE.flatMap((s) => {
      if (!s.runbookRef) return [`${s.id}: no runbookRef`];
      const r = resolveRunbookRef(s.runbookRef, documents);
      return r.ok ? [] : [`${s.id}: ${r.problems.join('; ')}`];
    });
    expect(unresolved).toEqual([]);
  });

  it('every scenario is pinned to the sections as they read now (reviewed), so a run reports no drift', () => {
    const drift = CATALOGUE.map((s) => ({ id: s.id, findings: checkRunbook(s, documents).findings.map((f) => f.title) })).filter((d) => d.findings.length > 0);
    expect(drift).toEqual([]);
  });

  it("the team edits ROLLBACK.md's Scenario 1: the drills written against it report the change, the others do not", () => {
    const text = documents.get('ROLLBACK.md')!;
    const edited = new Map(documents).set('ROLLBACK.md', text.replace('kubectl scale deployment backend --replicas=0', 'kubectl scale deployment backend --replicas=1'));
    expect(edited.get('ROLLBACK.md')).not.toBe(text);
    const flagged = CATALOGUE.filter((s) => checkRunbook(s, edited).findings.some((f) => f.title === RUNBOOK_CHANGED)).map((s) => s.id);
    expect(flagged.sort()).toEqual(['backend-crash', 'bad-release-rollback', 'local-service-crash', 'local-service-freeze']);
  });

  it('the reference runbooks are the five documents of the reference stack', () => {
    expect(readdirSync(REFERENCE_RUNBOOKS_DIR).filter((f) => f.endsWith('.md')).sort()).toEqual(['BLOCKING_ISSUES_REMEDIATION.md', 'DISASTER_RECOVERY_COMPLETION.md', 'PRODUCTION_GO_LIVE.md', 'PRODUCTION_SIGN_OFF.md', 'ROLLBACK.md']);
  });

  it('a runbooks.dir that is missing or holds no .md is bad input, named before anything runs', () => {
    expect(() => loadRunbookDocuments('/nonexistent/runbooks')).toThrow(/runbooks.dir is invalid:\n {2}- \/nonexistent\/runbooks: no such folder/);
    const empty = mkdtempSync(join(tmpdir(), 'runbooks-'));
    writeFileSync(join(empty, 'notes.txt'), 'x');
    expect(() => loadRunbookDocuments(empty)).toThrow(/holds no \.md runbook/);
  });
});
