// A Markdown summary fit for a PR or issue comment (GitHub caps comments at 65,536 characters: we stay small).
import { fmtDuration, fmtMs, fmtPct } from './format.ts';
import type { ScenarioTrend } from './history.store.ts';
import type { SuiteReport } from './suite-report.ts';

// Journal strings are data, not Markdown: HTML is escaped (GitHub renders raw HTML in a comment), table pipes and
// line breaks cannot break the table, and backticks cannot open code spans.
const cell = (s: unknown) =>
  String(s)
    // a tag or comment opener (<script, </a, <!--, <?) and an entity (&lt; &#60;) are escaped; `RTO < 900 s` stays readable
    .replace(/&(?=#?\w+;)/g, '&amp;')
    .replace(/<(?=[A-Za-z/!?])/g, '&lt;')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '&#96;')
    .replace(/\r?\n/g, ' ');
const icon = (ok: boolean | null) => (ok === true ? '✅' : ok === false ? '❌' : '⏳');

export function renderMarkdown(input: { report: SuiteReport; trends: readonly ScenarioTrend[]; htmlLink?: string }): string {
  const { report } = input;
  const exit = report.exitCode;
  const out: string[] = [];
  out.push(`## drillbook ${cell(report.suite)}: ${report.decision === 'go' ? '🟢 GO' : '🔴 NO-GO'}`);
  out.push('');
  out.push(`Run \`${cell(report.runId)}\` started ${cell(report.startedAtWall)} · exit code ${exit}${input.htmlLink ? ` · [full report](${input.htmlLink})` : ''}`);
  if (report.interrupted) {
    out.push('', '> [!CAUTION]', '> Interrupted (exit 130): recovery and revert ran; scenarios marked not-run did not run.');
  }
  if (report.harnessErrors.length) {
    out.push('', '> [!WARNING]', `> Harness errors${report.interrupted ? '' : ' (exit 2)'}:`, ...report.harnessErrors.map((h) => `> - ${cell(h)}`));
  }
  if (report.blockingFailures.length) {
    out.push('', `### Blocking (${report.blockingFailures.length})`, '');
    for (const b of report.blockingFailures) out.push(`- **${cell(b.title)}**: ${cell(b.reason)}${b.action ? ` — ${cell(b.action)}` : ''}`);
  }
  if (report.readiness.length) {
    out.push('', '### Readiness', '', '| Criterion | Status | Blocking | Action required |', '| --- | --- | --- | --- |');
    for (const r of report.readiness) {
      out.push(`| ${cell(r.title)} | ${icon(r.status === 'PASS' ? true : r.status === 'FAIL' ? false : null)} ${r.status} | ${r.blocking ? 'YES' : 'no'} | ${cell(r.action ?? '—')} |`);
    }
  }
  if (report.journals.length) {
    out.push('', '### Scenarios', '', '| Scenario | Verdict | RTO (objective) | RPO (objective) | p95 | errors |', '| --- | --- | --- | --- | --- | --- |');
    for (const j of report.journals) {
      const rto = j.objectives.find((o) => o.name === 'rto');
      const rpo = j.objectives.find((o) => o.name === 'rpo');
      const verdict = j.status === 'completed' ? j.verdict : `${j.status}`;
      out.push(
        `| ${cell(j.scenario.title)} | ${icon(j.status === 'completed' ? (j.verdict === 'met' ? true : j.verdict === 'not-met' ? false : null) : false)} ${verdict} | ${fmtDuration(j.measurements.rto?.valueMs)}${rto ? ` ${icon(rto.met)} (${cell(rto.statement)})` : ''} | ${j.measurements.rpo ? `${fmtDuration(j.measurements.rpo.valueMs)}, ${j.measurements.rpo.lostWrites} lost` : '—'}${rpo ? ` ${icon(rpo.met)} (${cell(rpo.statement)})` : ''} | ${fmtMs(j.load?.p95Ms)} | ${fmtPct(j.load?.errorRate)} |`,
      );
    }
  }
  const regressions = input.trends.filter((t) => t.regression && report.journals.some((j) => j.scenario.id === t.scenarioId));
  if (regressions.length) {
    out.push('', '### Regressions against earlier runs', '');
    for (const t of regressions) out.push(`- **${cell(t.title)}**: ${cell(t.regression)}`);
  }
  const findings = report.journals.flatMap((j) => j.findings.map((f) => ({ j, f })));
  if (findings.length) {
    out.push('', '### Findings', '');
    for (const { j, f } of findings) out.push(`- ${f.severity === 'runbook-defect' ? '🛠️' : f.severity === 'warning' ? '⚠️' : 'ℹ️'} **${cell(f.title)}** (${cell(j.scenario.id)}${f.runbookRef ? `, ${cell(f.runbookRef)}` : ''}): ${cell(f.detail)}`);
  }
  out.push('');
  return out.join('\n');
}
