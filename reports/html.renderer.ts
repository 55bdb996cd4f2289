// One self-contained HTML file: inline CSS, inline SVG, a few lines of inline JS, no external asset.
// Sections: decision banner, go/no-go matrix, then per scenario: objectives, timeline chart, load summary,
// phases, findings and the trend across stored runs.
import type { Journal, ObjectiveResult } from '../scenarios/journal.ts';
import type { ReadinessResult } from '../scenarios/decision.ts';
import { escapeHtml as e, evidenceText, fmtDuration, fmtMs, fmtNumber, fmtPct } from './format.ts';
import type { ScenarioTrend } from './history.store.ts';
import type { SuiteReport } from './suite-report.ts';
import { timelineChart, trendChart } from './timeline.chart.ts';

export interface HtmlInput {
  readonly report: SuiteReport;
  readonly trends: readonly ScenarioTrend[];
  readonly generatedAtWall: string;
}

const CSS = `
:root{--ok:#1a7f37;--bad:#cf222e;--pend:#9a6700;--mute:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1100px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:var(--mute)}
.banner{display:flex;gap:16px;align-items:center;padding:14px 18px;border-radius:8px;margin:14px 0;color:#fff}
.banner.go{background:var(--ok)}.banner.no-go{background:var(--bad)}.banner .decision{font-size:26px;font-weight:700;letter-spacing:.5px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px}th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.st{display:inline-block;min-width:64px;text-align:center;font-weight:700;border-radius:4px;padding:1px 6px;color:#fff;font-size:12px}
.st.PASS,.st.met,.st.passed,.st.completed{background:var(--ok)}.st.FAIL,.st.not-met,.st.failed,.st.errored,.st.aborted{background:var(--bad)}
.st.PENDING,.st.inconclusive,.st.skipped,.st.interrupted{background:var(--pend)}
.blocking{font-weight:600}.ev{color:var(--mute);font-size:12.5px}.ev b{color:#1f2328;font-weight:600}
.cards{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0}.card{border:1px solid var(--line);border-radius:8px;padding:8px 12px;min-width:170px}
.card .k{color:var(--mute);font-size:12px}.card .v{font-size:18px;font-weight:700}.card.bad{border-color:var(--bad)}.card.bad .v{color:var(--bad)}.card.good .v{color:var(--ok)}
.scenario{border-top:3px solid var(--line);margin-top:28px}
.regression{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:6px 10px;margin:6px 0}
.finding{border-left:4px solid var(--pend);padding:4px 10px;margin:6px 0;background:var(--bg)}.finding.runbook-defect{border-color:var(--bad)}
svg.chart{display:block;max-width:760px;font:11px system-ui,"DejaVu Sans",sans-serif}
.grid{stroke:#eaeef2}.frame{stroke:#8c959f}.axis{fill:#57606a}.axis.err{fill:#cf222e}.axis.p95{fill:#0969da}
.line-p95{stroke:#0969da;stroke-width:1.6;fill:none}.line-err{stroke:#cf222e;stroke-width:1.4;fill:none}
.win-fault{fill:#cf222e;fill-opacity:.13}.win-recovery{fill:#bf8700;fill-opacity:.18}
.rto{stroke:#1f2328;stroke-width:2;stroke-dasharray:5 3}.rto-label{fill:#1f2328;font-weight:700}
.objective,.objective-h{stroke:#8250df;stroke-width:1.5;stroke-dasharray:2 3}.limit{stroke:#0969da;stroke-dasharray:6 4;stroke-opacity:.6}
.bar-met{fill:#2da44e}.bar-notmet{fill:#cf222e}.bar-inconclusive{fill:#bf8700}
.legend text{fill:#57606a}
details>summary{cursor:pointer;color:#0969da}
nav a{margin-right:10px}
.filter{margin:4px 0 8px}
`;

// Tiny progressive enhancement: hide passing rows of the matrix. The report reads fine without it.
const JS = `document.getElementById('only-blocking')?.addEventListener('change',function(ev){var on=ev.target.checked;document.querySelectorAll('#matrix tbody tr').forEach(function(tr){tr.hidden=on&&tr.dataset.problem!=='yes';});});`;

const st = (s: string) => `<span class="st ${e(s)}">${e(s)}</span>`;

function evidenceList(evidence: ReadinessResult['evidence']): string {
  return evidence.map((x) => `<div><b>${e(x.label)}:</b> ${e(evidenceText(x.value))}</div>`).join('');
}

function matrix(report: SuiteReport): string {
  const rows: string[] = [];
  for (const r of report.readiness) {
    const problem = r.blocking && r.status !== 'PASS';
    rows.push(`<tr data-kind="readiness" data-id="${e(r.id)}" data-status="${e(r.status)}" data-problem="${problem ? 'yes' : 'no'}">
<td>${e(r.title)}<div class="ev">${e(r.source)}</div></td><td>${st(r.status)}</td><td class="blocking">${r.blocking ? 'YES' : 'no'}</td>
<td class="ev">${evidenceList(r.evidence)}${r.error ? `<div><b>error:</b> ${e(r.error)}</div>` : ''}</td><td>${r.action ? e(r.action) : '—'}</td></tr>`);
  }
  for (const j of report.journals) {
    const ok = j.status === 'completed' && j.verdict === 'met';
    const status = j.status === 'completed' ? j.verdict : j.status;
    const missed = j.objectives.filter((o) => o.met !== true);
    rows.push(`<tr data-kind="scenario" data-id="${e(j.scenario.id)}" data-status="${e(status)}" data-problem="${ok ? 'no' : 'yes'}">
<td><a href="#s-${e(j.scenario.id)}">Scenario: ${e(j.scenario.title)}</a><div class="ev">${e(j.scenario.runbookRef ?? '')}</div></td><td>${st(status)}</td><td class="blocking">YES</td>
<td class="ev">${j.objectives.map((o) => `<div><b>${e(o.statement)}:</b> ${e(objectiveMeasured(o))} ${o.met === true ? '✓' : o.met === false ? '✗' : '?'}</div>`).join('')}</td>
<td>${ok ? '—' : e(j.status === 'skipped' ? `skipped: ${j.error?.message ?? ''}` : (j.error?.hint ?? missed.map((o) => `${o.statement}: ${o.reason}`).join('; ')))}</td></tr>`);
  }
  const passedBlocking = report.readiness.filter((r) => r.blocking && r.status === 'PASS').length + report.journals.filter((j) => j.status === 'completed' && j.verdict === 'met').length;
  const totalBlocking = report.readiness.filter((r) => r.blocking).length + report.journals.length;
  return `<h2 id="matrix-h">Go/No-Go matrix</h2>
<p class="meta">${passedBlocking}/${totalBlocking} blocking criteria met. A blocking check that is FAIL or PENDING, or a scenario that did not complete with its objectives met, makes the run no-go.</p>
<label class="filter"><input type="checkbox" id="only-blocking"> show only blocking problems</label>
<table id="matrix"><thead><tr><th>Criterion</th><th>Status</th><th>Blocking?</th><th>Evidence</th><th>Action required</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

function objectiveMeasured(o: ObjectiveResult): string {
  if (o.measured === null) return 'not measured';
  return o.unit === 'ms' ? fmtDuration(o.measured) : String(o.measured);
}

function card(label: string, value: string, cls: '' | 'good' | 'bad', sub = ''): string {
  return `<div class="card ${cls}"><div class="k">${e(label)}</div><div class="v">${e(value)}</div>${sub ? `<div class="k">${e(sub)}</div>` : ''}</div>`;
}

function scenarioSection(j: Journal, trend: ScenarioTrend | undefined): string {
  const rtoObj = j.objectives.find((o) => o.name === 'rto');
  const rpoObj = j.objectives.find((o) => o.name === 'rpo');
  const cls = (o: ObjectiveResult | undefined): '' | 'good' | 'bad' => (o?.met === true ? 'good' : o ? 'bad' : '');
  const cards = [
    card('verdict', j.status === 'completed' ? j.verdict : `${j.status} (${j.verdict})`, j.status === 'completed' && j.verdict === 'met' ? 'good' : 'bad', `duration ${fmtDuration(j.durationMs)}`),
    card('RTO', fmtDuration(j.measurements.rto?.valueMs), cls(rtoObj), rtoObj ? `objective ${rtoObj.statement}` : ''),
    card('RPO', j.measurements.rpo ? fmtDuration(j.measurements.rpo.valueMs) : '—', cls(rpoObj), j.measurements.rpo ? `${j.measurements.rpo.lostWrites}/${j.measurements.rpo.acknowledgedWrites} acked writes lost${rpoObj ? `; ${rpoObj.statement}` : ''}` : 'no data probe'),
    card('detection', fmtDuration(j.measurements.detectionMs), cls(j.objectives.find((o) => o.name === 'detection'))),
  ].join('');
  const objectives = `<table class="objectives"><thead><tr><th>Objective</th><th>Limit</th><th>Measured</th><th>Met</th><th>Why</th></tr></thead><tbody>
${j.objectives.map((o) => `<tr data-objective="${e(o.name)}"><td>${e(o.statement)}</td><td class="num">${e(o.unit === 'ms' ? fmtDuration(o.limit) : String(o.limit ?? '—'))}</td><td class="num">${e(objectiveMeasured(o))}</td><td>${st(o.met === true ? 'met' : o.met === false ? 'not-met' : 'inconclusive')}</td><td>${e(o.reason)}</td></tr>`).join('\n')}
</tbody></table>`;
  const load = j.load
    ? `<h3>Load (${e(j.load.profile)})</h3><table class="load"><thead><tr><th>requests</th><th>req/s</th><th>p50</th><th>p95</th><th>p99</th><th>error rate</th><th>thresholds</th></tr></thead><tbody><tr>
<td class="num">${fmtNumber(j.load.requests)}</td><td class="num">${fmtNumber(j.load.rps, 1)}</td><td class="num">${fmtMs(j.load.p50Ms)}</td><td class="num">${fmtMs(j.load.p95Ms)}</td><td class="num">${fmtMs(j.load.p99Ms)}</td><td class="num">${fmtPct(j.load.errorRate)}</td>
<td>${j.load.thresholds.map((t) => `<div>${st(t.ok ? 'passed' : 'failed')} ${e(t.name)} = ${e(t.actual ?? '—')}</div>`).join('')}</td></tr></tbody></table>`
    : '<p class="meta">No load ran during this scenario.</p>';
  const phases = `<details><summary>Phases and runbook steps (${j.phases.length} phases)</summary><table class="phases"><thead><tr><th>Phase / step</th><th>start</th><th>duration</th><th>status</th><th>evidence</th></tr></thead><tbody>
${j.phases
  .map(
    (p) =>
      `<tr><td><b>${e(p.name)}</b></td><td class="num">${fmtDuration(p.startMs)}</td><td class="num">${fmtDuration(p.endMs - p.startMs)}</td><td>${st(p.status)}</td><td class="ev">${p.error ? e(`${p.error.name}: ${p.error.message}`) : ''}</td></tr>` +
      p.steps
        .map((s) => `<tr><td>&nbsp;&nbsp;${e(s.name)}</td><td class="num">${fmtDuration(s.startMs)}</td><td class="num">${fmtDuration(s.endMs - s.startMs)}</td><td>${st(s.status)}</td><td class="ev">${evidenceList(s.evidence)}${s.error ? e(`${s.error.name}: ${s.error.message}`) : ''}</td></tr>`)
        .join(''),
  )
  .join('\n')}
</tbody></table></details>`;
  const findings = j.findings.length
    ? `<h3>Findings</h3>${j.findings.map((f) => `<div class="finding ${e(f.severity)}"><b>${e(f.severity)}: ${e(f.title)}</b>${f.runbookRef ? ` <span class="meta">(${e(f.runbookRef)})</span>` : ''}<div>${e(f.detail)}</div></div>`).join('')}`
    : '';
  const error = j.error ? `<div class="finding runbook-defect"><b>${e(j.error.name)}: ${e(j.error.message)}</b>${j.error.hint ? `<div>${e(j.error.hint)}</div>` : ''}</div>` : '';
  const trendHtml = trend && trend.points.length > 1
    ? `<h3>Trend across ${trend.points.length} stored runs</h3>${trend.regression ? `<div class="regression" data-regression="yes">Regression: ${e(trend.regression)}</div>` : ''}${trendChart(trend)}`
    : '<p class="meta">No earlier runs stored for this scenario yet.</p>';
  return `<section class="scenario" id="s-${e(j.scenario.id)}" data-verdict="${e(j.verdict)}" data-status="${e(j.status)}">
<h2>${e(j.scenario.title)} <span class="meta">(${e(j.scenario.id)})</span> ${st(j.status === 'completed' ? j.verdict : j.status)}</h2>
${j.scenario.runbookRef ? `<p class="meta">Runbook: ${e(j.scenario.runbookRef)}${j.target ? ` · target ${e(j.target.context)} (${e(j.target.provider)})` : ''}</p>` : ''}
<div class="cards">${cards}</div>
${error}
<h3>Timeline</h3>
${j.load?.series.length ? timelineChart(j) : '<p class="meta">No load series recorded.</p>'}
<h3>RTO / RPO against objectives</h3>
${objectives}
${load}
${findings}
${phases}
${trendHtml}
</section>`;
}

export function renderHtml(input: HtmlInput): string {
  const { report } = input;
  const exit = report.exitCode;
  const trendBy = new Map(input.trends.map((t) => [t.scenarioId, t]));
  const blockers = report.blockingFailures.length
    ? `<h3>Blocking</h3><ul class="blockers">${report.blockingFailures.map((b) => `<li><b>${e(b.title)}</b>: ${e(b.reason)}${b.action ? ` — ${e(b.action)}` : ''}</li>`).join('')}</ul>`
    : '';
  const interrupted = report.interrupted ? `<div class="finding warning" id="interrupted"><b>Interrupted (exit 130)</b><div>recovery and revert ran; scenarios marked not-run did not run</div></div>` : '';
  const harness = report.harnessErrors.length ? `<div class="finding runbook-defect"><b>Harness errors${report.interrupted ? '' : ' (exit 2)'}</b>${report.harnessErrors.map((h) => `<div>${e(h)}</div>`).join('')}</div>` : '';
  const regressions = input.trends.filter((t) => t.regression && report.journals.some((j) => j.scenario.id === t.scenarioId));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>drillbook ${e(report.suite)} ${e(report.runId)}: ${report.decision.toUpperCase()}</title>
<style>${CSS}</style></head>
<body><main>
<h1>drillbook · ${e(report.suite)}</h1>
<div class="meta">run <code>${e(report.runId)}</code> · started ${e(report.startedAtWall)} · generated ${e(input.generatedAtWall)}</div>
<div class="banner ${report.decision}" id="decision" data-decision="${report.decision}" data-exit-code="${exit}"><span class="decision">${report.decision === 'go' ? 'GO' : 'NO-GO'}</span>
<span>${report.blockingFailures.length} blocking failure${report.blockingFailures.length === 1 ? '' : 's'} · ${report.journals.length} scenario${report.journals.length === 1 ? '' : 's'} · ${report.readiness.length} readiness checks · exit code ${exit}</span></div>
${interrupted}
${harness}
${regressions.length ? `<div class="regression">Regressions against earlier runs: ${regressions.map((t) => `<a href="#s-${e(t.scenarioId)}">${e(t.title)}</a>`).join(', ')}</div>` : ''}
${blockers}
<nav>${report.journals.map((j) => `<a href="#s-${e(j.scenario.id)}">${e(j.scenario.id)}</a>`).join('')}</nav>
${matrix(report)}
${report.journals.map((j) => scenarioSection(j, trendBy.get(j.scenario.id))).join('\n')}
</main><script>${JS}</script></body></html>
`;
}
