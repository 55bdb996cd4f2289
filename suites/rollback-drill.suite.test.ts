// The monthly drill covers every procedure the runbooks list in the sections it maps: the procedures are read from
// the reference runbooks themselves (sub-headings, numbered lists, bold labels), so a procedure dropped from the
// suite, or one the team adds to a mapped section, fails here.
import { describe, expect, it } from 'vitest';
import { resolveRunbookRef, type RunbookDocuments } from '../scenarios/runbook.ts';
import { parseConfig } from '../tools/config/config.ts';
import { loadRunbookDocuments } from '../tools/runbooks/runbook-documents.ts';
import { ROLLBACK_DRILL_GAPS, ROLLBACK_DRILL_GROUPS, ROLLBACK_DRILL_PROCEDURES, rollbackDrillClusters, rollbackDrillSuite, type RunbookProcedure } from './rollback-drill.suite.ts';
import { checkSuiteRun } from './suite.ts';

const documents = loadRunbookDocuments();

/** The section's text, resolved as a scenario's runbookRef is. */
function section(ref: string, docs: RunbookDocuments): string {
  const r = resolveRunbookRef(ref, docs);
  if (!r.ok) throw new Error(`${ref}: ${r.problems.join('; ')}`);
  return r.value.sections.map((s) => s.text).join('\n');
}

/** Markdown headings of `level` outside code fences. */
function headings(text: string, level: number): string[] {
  let fenced = false;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && new RegExp(`^#{${level}}\\s+(.+?)\\s*$`).exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** Every procedure the mapped sections list, read from the documents. */
function listedProcedures(docs: RunbookDocuments): { runbook: string; procedure: string }[] {
  const scenarios = 'ROLLBACK.md § Rollback Scenarios';
  const full = 'ROLLBACK.md § Full Rollback (Nuclear Option)';
  const restore = 'DISASTER_RECOVERY_COMPLETION.md § 2. Backup Restore Testing Procedures';
  const regions = 'DISASTER_RECOVERY_COMPLETION.md § 4. Multi-Region Failover Design';
  const alerts = 'DISASTER_RECOVERY_COMPLETION.md § Monitoring & Alerting';
  const alertList = section(alerts, docs).split('**Alert Rules (7 total):**')[1]?.split(/\n\s*\n|\n\*\*/)[0] ?? '';
  const restoreList = section(restore, docs).split('**Restore Procedures:**')[1]?.split(/\n\s*\n|\n\*\*/)[0] ?? '';
  return [
    ...headings(section(scenarios, docs), 3).map((procedure) => ({ runbook: scenarios, procedure })),
    ...headings(section(full, docs), 2).map((procedure) => ({ runbook: full, procedure })),
    ...[...restoreList.matchAll(/^\d+\.\s+(.+?):/gm)].map((m) => ({ runbook: restore, procedure: m[1]! })),
    ...[...section(regions, docs).matchAll(/^\*\*(.+? Process):\*\*\s*$/gm)].map((m) => ({ runbook: regions, procedure: m[1]! })),
    ...[...alertList.matchAll(/^\d+\.\s+(\w+)\s+-/gm)].map((m) => ({ runbook: alerts, procedure: m[1]! })),
  ];
}

const key = (p: { runbook: string; procedure: string }) => `${p.runbook} > ${p.procedure}`;

function uncovered(docs: RunbookDocuments, procedures: readonly RunbookProcedure[]): string[] {
  const mapped = new Set(procedures.filter((p) => rollbackDrillSuite.scenarios.includes(p.scenario.id)).map(key));
  return listedProcedures(docs).map(key).filter((k) => !mapped.has(k));
}

describe('rollback-drill: every runbook procedure has a drill', () => {
  it('reads the procedures the brief names from the runbooks (the parsing finds what is there)', () => {
    expect(listedProcedures(documents).map(key)).toEqual([
      'ROLLBACK.md § Rollback Scenarios > Scenario 1: Pod Crash After Deployment (Most Common)',
      'ROLLBACK.md § Rollback Scenarios > Scenario 2: Database Migration Failure',
      'ROLLBACK.md § Rollback Scenarios > Scenario 3: Ingress / Network Failure',
      'ROLLBACK.md § Rollback Scenarios > Scenario 4: Secrets / Configuration Issue',
      'ROLLBACK.md § Full Rollback (Nuclear Option) > Full Rollback (Nuclear Option)',
      'DISASTER_RECOVERY_COMPLETION.md § 2. Backup Restore Testing Procedures > Full restore',
      'DISASTER_RECOVERY_COMPLETION.md § 2. Backup Restore Testing Procedures > Point-in-time recovery (PITR)',
      'DISASTER_RECOVERY_COMPLETION.md § 2. Backup Restore Testing Procedures > Incremental restore',
      'DISASTER_RECOVERY_COMPLETION.md § 4. Multi-Region Failover Design > Failover Process',
      'DISASTER_RECOVERY_COMPLETION.md § 4. Multi-Region Failover Design > Failback Process',
      ...['NoDailyBackup', 'BackupSizeDeviation', 'WALArchiveLagging', 'S3UploadSlow', 'HighReplicationLag', 'BackupRestoreTestFailed', 'PrimaryDatabaseDown'].map(
        (alert) => `DISASTER_RECOVERY_COMPLETION.md § Monitoring & Alerting > ${alert}`,
      ),
    ]);
  });

  it('every listed procedure maps to a drill of the suite, except the gaps it names, and every mapping to a listed procedure', () => {
    expect(uncovered(documents, ROLLBACK_DRILL_PROCEDURES)).toEqual(ROLLBACK_DRILL_GAPS.map(key));
    expect(ROLLBACK_DRILL_GAPS.every((g) => g.why.length > 40)).toBe(true);
    const listed = new Set(listedProcedures(documents).map(key));
    expect(ROLLBACK_DRILL_PROCEDURES.map(key).filter((k) => !listed.has(k))).toEqual([]);
  });

  it('fails when a procedure is dropped from the suite or a section gains one', () => {
    const withoutPitr = ROLLBACK_DRILL_PROCEDURES.filter((p) => p.procedure !== 'Point-in-time recovery (PITR)');
    expect(uncovered(documents, withoutPitr)).toEqual(['DISASTER_RECOVERY_COMPLETION.md § 2. Backup Restore Testing Procedures > Point-in-time recovery (PITR)', ...ROLLBACK_DRILL_GAPS.map(key)]);
    const edited = new Map(documents);
    edited.set('ROLLBACK.md', documents.get('ROLLBACK.md')!.replace('## Full Rollback (Nuclear Option)', '### Scenario 5: Cache Poisoning\nflush it\n\n## Full Rollback (Nuclear Option)'));
    expect(uncovered(edited, ROLLBACK_DRILL_PROCEDURES)).toEqual(['ROLLBACK.md § Rollback Scenarios > Scenario 5: Cache Poisoning', ...ROLLBACK_DRILL_GAPS.map(key)]);
  });

  it("each drill's runbookRef resolves to a real section, and every drill of the suite follows a listed procedure", () => {
    for (const p of ROLLBACK_DRILL_PROCEDURES) {
      const r = resolveRunbookRef(p.scenario.runbookRef!, documents);
      expect(r.ok ? [] : r.problems, p.scenario.id).toEqual([]);
    }
    expect(new Set(ROLLBACK_DRILL_PROCEDURES.map((p) => p.scenario.id))).toEqual(new Set(rollbackDrillSuite.scenarios));
  });
});

describe('rollback-drill: environments one after the other', () => {
  it('groups the one-node kind drills, the Docker PITR and the two-region drills in that order', () => {
    expect(ROLLBACK_DRILL_GROUPS.map((g) => [g.name, g.scenarios.map((s) => s.id)])).toEqual([
      [
        'gravl-kind (one node)',
        [
          'bad-release-rollback',
          'secret-missing',
          'tls-certificate-expired',
          'dr-alert-no-daily-backup',
          'dr-alert-backup-size-deviation',
          'dr-alert-wal-archive-lagging',
          'dr-alert-s3-upload-slow',
          'dr-alert-restore-test-failed',
          'dr-alert-primary-database-down',
          'migration-failed',
          'full-rollback',
        ],
      ],
      ['postgres-pitr (Docker)', ['pitr-accidental-delete']],
      ['gravl-kind-regions (two regions)', ['region-loss', 'region-failback']],
    ]);
    expect(() => checkSuiteRun(rollbackDrillSuite, undefined, parseConfig({}))).not.toThrow();
  });

  it('creates clusters of its own, never signoff’s long-lived one nor another suite’s, and refuses a provider other than kind', () => {
    expect(rollbackDrillClusters(parseConfig({}))).toEqual({ oneNode: 'drillbook-rollback-drill', regions: 'drillbook-rollback-drill-regions' });
    expect(rollbackDrillClusters(parseConfig({ cluster: { name: 'drillbook-monthly' } }))).toEqual({ oneNode: 'drillbook-monthly', regions: 'drillbook-monthly-regions' });
    expect(rollbackDrillSuite.check!(parseConfig({ cluster: { name: 'drillbook-drills' } }))).toEqual([expect.stringContaining("'drillbook-drills' is another suite's cluster")]);
    expect(rollbackDrillSuite.check!(parseConfig({ cluster: { provider: 'existing', context: 'kind-x' } }))).toEqual([expect.stringContaining("cluster.provider 'existing'")]);
  });
});
