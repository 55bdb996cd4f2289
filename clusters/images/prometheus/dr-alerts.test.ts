// The seven DR alerts of DISASTER_RECOVERY_COMPLETION.md § Monitoring & Alerting exist in gravl.rules.yml, each
// with a promtool unit test in rules.test.yml that sees it fire (promtool runs them at image build), and the kind
// stack's Prometheus loads the same file.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { prometheus } from '../../stack/manifests/observability.manifest.ts';
import { stackOptions } from '../../stack/manifests/stack-options.ts';
import { backupCronJob } from '../../stack/manifests/app.manifest.ts';

const DR_ALERTS = ['NoDailyBackup', 'BackupSizeDeviation', 'WALArchiveLagging', 'S3UploadSlow', 'HighReplicationLag', 'BackupRestoreTestFailed', 'PrimaryDatabaseDown'];

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
}
const rulesText = readFileSync(new URL('gravl.rules.yml', import.meta.url), 'utf8');
const rules = (parse(rulesText) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const tests = parse(readFileSync(new URL('rules.test.yml', import.meta.url), 'utf8')) as {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
};

describe('DR alert rules', () => {
  it('every DR alert of the runbook is a rule, labelled with its runbook name', () => {
    const byDr = Object.fromEntries(rules.filter((r) => r.labels?.dr_alert).map((r) => [r.labels!.dr_alert, r.alert]));
    expect(Object.keys(byDr).sort()).toEqual([...DR_ALERTS].sort());
  });

  it('every DR alert has a promtool test where it fires and one where it does not', () => {
    for (const r of rules.filter((x) => x.labels?.dr_alert)) {
      const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === r.alert);
      expect({ alert: r.alert, fires: cases.some((c) => c.exp_alerts.length > 0), quiet: cases.some((c) => c.exp_alerts.length === 0) }).toEqual({ alert: r.alert, fires: true, quiet: true });
    }
  });

  it("a backup Job lives longer than S3UploadSlow's threshold: a slow upload ends recorded and can fire it", () => {
    const expr = rules.find((r) => r.labels?.dr_alert === 'S3UploadSlow')!.expr;
    const threshold = Function(`return (${expr.split('>')[1]!.trim()})`)() as number; // "20 * 60"
    expect(threshold).toBe(1200);
    const cronJob = backupCronJob(stackOptions({ images: { postgres: 'p', backend: 'b' }, db: { user: 'u', password: 'p', name: 'd' }, jwtSecret: 'j' })).find((o) => o.kind === 'CronJob')!;
    const deadline = (cronJob.spec as { jobTemplate: { spec: { activeDeadlineSeconds: number } } }).jobTemplate.spec.activeDeadlineSeconds;
    expect(deadline).toBeGreaterThan(threshold);
  });

  it('the recording rules the runbook lists that the alerts use are defined before use', () => {
    const recorded = rules.filter((r) => r.record).map((r) => r.record);
    expect(recorded).toEqual(['backup:size:avg:7d', 'wal:lag:max:5m', 'replication:lag:avg:5m']);
  });

  it("the kind stack's Prometheus loads gravl.rules.yml from its ConfigMap", () => {
    const objects = prometheus(stackOptions({ images: { postgres: 'p', backend: 'b', prometheus: 'drillbook/prometheus:2.42-x' }, db: { user: 'u', password: 'p', name: 'd' }, jwtSecret: 'j' }));
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config') as { data: Record<string, string> } | undefined;
    expect(cm?.data['gravl.rules.yml']).toBe(rulesText);
    expect((parse(cm!.data['prometheus.yaml']!) as { rule_files: string[] }).rule_files).toContain('/etc/prometheus/gravl.rules.yml');
  });
});
