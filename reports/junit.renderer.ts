// JUnit XML for CI test tabs: one <testsuite> for the scenarios, one for readiness.
// Scenario: verdict not-met -> <failure>, status not completed -> <error>. Readiness: FAIL -> <failure>,
// PENDING blocking -> <failure type="pending">, PENDING non-blocking -> <skipped>.
import { escapeXml as x, fmtDuration } from './format.ts';
import type { SuiteReport } from './suite-report.ts';

export function renderJunit(report: SuiteReport): string {
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const j of report.journals) {
    const props = [
      ['runbook', j.scenario.runbookRef ?? ''],
      ['rto_ms', String(j.measurements.rto?.valueMs ?? '')],
      ['rpo_ms', String(j.measurements.rpo?.valueMs ?? '')],
      ['lost_writes', String(j.measurements.rpo?.lostWrites ?? '')],
      ['p95_ms', String(j.load?.p95Ms ?? '')],
      ['error_rate', String(j.load?.errorRate ?? '')],
    ];
    let body = `<properties>${props.map(([k, v]) => `<property name="${x(k)}" value="${x(v)}"/>`).join('')}</properties>`;
    if (j.status === 'not-run' || j.status === 'skipped') {
      skipped++;
      body += `<skipped message="${x(j.error?.message ?? j.status)}"/>`;
    } else if (j.status !== 'completed') {
      errors++;
      body += `<error type="${x(j.status)}" message="${x(j.error?.message ?? `run ${j.status}`)}">${x([j.error?.name, j.error?.message, j.error?.hint].filter(Boolean).join('\n'))}</error>`;
    } else if (j.verdict !== 'met') {
      failures++;
      const missed = j.objectives.filter((o) => o.met !== true);
      body += `<failure type="${x(j.verdict)}" message="${x(missed.map((o) => o.statement).join(', '))}">${x(missed.map((o) => `${o.statement}: ${o.reason}`).join('\n'))}</failure>`;
    }
    body += `<system-out>${x(j.objectives.map((o) => `${o.statement}: ${o.measured === null ? 'not measured' : o.unit === 'ms' ? fmtDuration(o.measured) : o.measured} (${o.met === true ? 'met' : o.met === false ? 'not met' : 'unknown'})`).join('\n'))}</system-out>`;
    cases.push(`<testcase classname="drillbook.${x(report.suite)}.scenarios" name="${x(j.scenario.id)}: ${x(j.scenario.title)}" time="${(j.durationMs / 1000).toFixed(3)}">${body}</testcase>`);
  }
  const scenarioSuite = { cases: cases.splice(0), failures, errors, skipped };
  failures = 0;
  skipped = 0;
  for (const r of report.readiness) {
    let body = '';
    if (r.error) {
      errors++;
      body = `<error type="check-crashed" message="${x(r.error)}"/>`;
    } else if (r.status === 'FAIL' || (r.status === 'PENDING' && r.blocking)) {
      failures++;
      body = `<failure type="${r.status.toLowerCase()}" message="${x(r.action ?? r.status)}">${x(r.evidence.map((ev) => `${ev.label}: ${typeof ev.value === 'string' ? ev.value : JSON.stringify(ev.value)}`).join('\n'))}</failure>`;
    } else if (r.status === 'PENDING') {
      skipped++;
      body = `<skipped message="${x(`PENDING (not blocking): ${r.action ?? ''}`)}"/>`;
    }
    cases.push(`<testcase classname="drillbook.${x(report.suite)}.readiness" name="${x(r.id)}: ${x(r.title)}${r.blocking ? ' [blocking]' : ''}" time="0">${body}</testcase>`);
  }
  const readinessErrors = errors - scenarioSuite.errors;
  const total = report.journals.length + report.readiness.length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="drillbook ${x(report.suite)} ${x(report.runId)}" tests="${total}" failures="${scenarioSuite.failures + failures}" errors="${errors}" skipped="${scenarioSuite.skipped + skipped}">
<testsuite name="${x(report.suite)} scenarios" tests="${report.journals.length}" failures="${scenarioSuite.failures}" errors="${scenarioSuite.errors}" skipped="${scenarioSuite.skipped}" timestamp="${x(report.startedAtWall.replace(/Z$/, ''))}" time="${(report.journals.reduce((a, j) => a + j.durationMs, 0) / 1000).toFixed(3)}">
${scenarioSuite.cases.join('\n')}
</testsuite>
<testsuite name="${x(report.suite)} readiness" tests="${report.readiness.length}" failures="${failures}" errors="${readinessErrors}" skipped="${skipped}" timestamp="${x(report.startedAtWall.replace(/Z$/, ''))}" time="0">
${cases.join('\n')}
</testsuite>
</testsuites>
`;
}
