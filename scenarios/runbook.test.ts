import { describe, expect, it } from 'vitest';
import type { Journal } from './journal.ts';
import { RUNBOOK_CHANGED, checkRunbook, fingerprintText, normaliseSection, parseRunbookRef, resolveRunbookRef, withRunbookCheck } from './runbook.ts';

const ROLLBACK = [
  '# Rollback Procedure',
  '## Decision: Is This a Rollback Situation?',
  '- Restart pods → try this first',
  '## Rollback Scenarios',
  '### Scenario 1: Pod Crash After Deployment (Most Common)',
  '**Steps:**',
  '```bash',
  '# 1. Scale down failing deployment',
  'kubectl scale deployment backend --replicas=0',
  '```',
  '### Scenario 2: Database Migration Failure',
  'Restore the backup.',
  '## Full Rollback (Nuclear Option)',
  'Delete the namespace.',
].join('\n');

// The PDF-exported shape: no fences, unfenced '#' shell comments, headings between blank lines.
const REMEDIATION = [
  'Remediation Guide',
  '',
  '',
  'Issue #1: Loki Storage',
  '',
  'Fix Option A: emptyDir',
  '',
  '# Edit loki-statefulset',
  'kubectl edit statefulset loki',
  '',
  'Fix Option B: local-path',
  '',
  'kubectl patch statefulset loki',
  '',
  '',
  'Issue #2: Backup Cronjob Not Deployed',
  '',
  'Step 1: Apply',
  '',
  'kubectl apply -f cronjob.yaml',
  '',
  '',
  'Checklist',
  '',
  'Issue #2: Backup Cronjob (15 minutes)',
  '',
].join('\n');

const docs = new Map([
  ['ROLLBACK.md', ROLLBACK],
  ['REMEDIATION.md', REMEDIATION],
]);

const sectionOf = (ref: string) => {
  const r = resolveRunbookRef(ref, docs);
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.value.sections;
};

describe('runbook refs', () => {
  it('resolves a markdown heading by its title prefix, ending at the next heading of its level, fences ignored', () => {
    const [s] = sectionOf('ROLLBACK.md § Scenario 1: Pod Crash After Deployment');
    expect(s).toMatchObject({ headings: ['Scenario 1: Pod Crash After Deployment (Most Common)'], startLine: 5, endLine: 10 });
    expect(s!.text).toContain('kubectl scale deployment backend --replicas=0');
    expect(s!.text).not.toContain('Database Migration');
    // A level-2 section holds its level-3 children and stops at the next level-2 heading.
    expect(sectionOf('ROLLBACK.md § Rollback Scenarios')[0]).toMatchObject({ startLine: 4, endLine: 12 });
  });

  it('resolves plain-text headings: top level runs to the next top level, a sub-heading to its next sibling', () => {
    expect(sectionOf('REMEDIATION.md § Issue #1: Loki Storage')[0]).toMatchObject({ startLine: 4, endLine: 15 });
    const [a] = sectionOf('REMEDIATION.md § Issue #1: Loki Storage > Fix Option A');
    expect(a).toMatchObject({ headings: ['Issue #1: Loki Storage', 'Fix Option A: emptyDir'], startLine: 6, endLine: 10 });
    expect(a!.text).toContain('# Edit loki-statefulset'); // an unfenced shell comment is text, not a heading
    expect(sectionOf('REMEDIATION.md § Issue #1: Loki Storage > Fix Option B')[0]).toMatchObject({ startLine: 11, endLine: 15 });
  });

  it('says what is wrong: malformed ref, unknown document, no heading, ambiguous heading', () => {
    const problems = (ref: string) => {
      const r = resolveRunbookRef(ref, docs);
      return r.ok ? [] : r.problems;
    };
    expect(problems('ROLLBACK.md objectives')).toEqual(['"ROLLBACK.md objectives" is not of the form "DOCUMENT.md § Section[ > Subsection]"']);
    expect(problems('DR.md § Failover')[0]).toMatch(/no runbook document DR.md \(have: REMEDIATION.md, ROLLBACK.md\)/);
    expect(problems('ROLLBACK.md § Scenario 7')[0]).toMatch(/no heading "Scenario 7" \(near: .*"Scenario 1: Pod Crash/);
    expect(problems('REMEDIATION.md § Issue #2')[0]).toMatch(/"Issue #2" matches 2 headings .*line 16.*line 25/);
    expect(parseRunbookRef('A.md § X; B.md § Y > Z').parts).toEqual([{ document: 'A.md', path: ['X'] }, { document: 'B.md', path: ['Y', 'Z'] }]);
  });

  it('fingerprints normalised text: blank lines and trailing spaces do not count, words do', () => {
    const base = normaliseSection('a\nb  \n\n\n\nc\r\n');
    expect(base).toBe('a\nb\n\nc');
    expect(fingerprintText(base)).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(fingerprintText(normaliseSection('\na\nb\n\nc\n\n'))).toBe(fingerprintText(base));
    expect(fingerprintText(normaliseSection('a\nb\n\nd'))).not.toBe(fingerprintText(base));
  });
});

describe('runbook drift', () => {
  const ref = 'ROLLBACK.md § Scenario 1: Pod Crash After Deployment';
  const reviewed = (resolveRunbookRef(ref, docs) as { ok: true; value: { fingerprint: string } }).value.fingerprint;
  const scenario = { id: 'bad-release-rollback', runbookRef: ref, runbookFingerprint: reviewed };

  it('no finding while the section reads as reviewed; the journal records where and what it read', () => {
    const { record, findings } = checkRunbook(scenario, docs);
    expect(findings).toEqual([]);
    expect(record).toEqual({ ref, fingerprint: reviewed, reviewedFingerprint: reviewed, sections: [{ document: 'ROLLBACK.md', headings: ['Scenario 1: Pod Crash After Deployment (Most Common)'], lines: '5-10' }] });
  });

  it('an edited section gives the finding "runbook changed since this drill was written"; an edit elsewhere does not', () => {
    const edited = new Map(docs).set('ROLLBACK.md', ROLLBACK.replace('--replicas=0', '--replicas=1'));
    const { record, findings } = checkRunbook(scenario, edited);
    expect(record?.fingerprint).not.toBe(reviewed);
    expect(findings).toEqual([{ severity: 'runbook-defect', title: RUNBOOK_CHANGED, detail: expect.stringContaining(`reviewed against "${ref}" at ${reviewed}`), runbookRef: ref }]);
    expect(findings[0]!.detail).toContain(`set runbookFingerprint: '${record!.fingerprint}'`);
    const elsewhere = new Map(docs).set('ROLLBACK.md', ROLLBACK.replace('Restore the backup.', 'Restore the newest backup.'));
    expect(checkRunbook(scenario, elsewhere).findings).toEqual([]);
  });

  it('a ref that no longer resolves is a runbook defect; a scenario without a fingerprint is told the value to pin', () => {
    const renamed = new Map(docs).set('ROLLBACK.md', ROLLBACK.replace('Scenario 1: Pod Crash', 'Scenario 1: Pod Failure'));
    expect(checkRunbook(scenario, renamed).findings[0]).toMatchObject({ severity: 'runbook-defect', title: 'runbook section not found' });
    const unpinned = checkRunbook({ id: 'x', runbookRef: ref }, docs).findings[0];
    expect(unpinned).toMatchObject({ severity: 'warning', title: 'drill not pinned to a runbook version' });
    expect(unpinned!.detail).toContain(reviewed);
    expect(checkRunbook({ id: 'x' }, docs)).toEqual({ record: null, findings: [] });
  });

  it('withRunbookCheck adds the record and the finding to a journal, keeping its own findings', () => {
    const journal = { scenario: { id: 'bad-release-rollback', title: 't', tags: [], destructive: true }, findings: [{ severity: 'info', title: 'own', detail: 'd' }] } as unknown as Journal;
    const edited = new Map(docs).set('ROLLBACK.md', ROLLBACK.replace('--replicas=0', '--replicas=2'));
    const out = withRunbookCheck(journal, scenario, edited);
    expect(out.findings.map((f) => f.title)).toEqual(['own', RUNBOOK_CHANGED]);
    expect(out.runbook?.reviewedFingerprint).toBe(reviewed);
  });
});
