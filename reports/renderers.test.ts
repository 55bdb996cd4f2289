import { describe, expect, it } from 'vitest';
import { renderAllure } from './allure.renderer.ts';
import { trendsFrom, summarize } from './history.store.ts';
import { renderHtml } from './html.renderer.ts';
import { renderJunit } from './junit.renderer.ts';
import { renderMarkdown } from './markdown.renderer.ts';
import { sampleNightlyHistory, sampleSuiteReport } from './testing/sample-journals.ts';
import { timelineChart } from './timeline.chart.ts';
import { stagingReadiness } from './testing/sample-readiness.ts';

const report = sampleSuiteReport({ readiness: stagingReadiness() });

describe('HTML report', () => {
  const html = renderHtml({ report, trends: trendsFrom(sampleNightlyHistory(8).map(summarize)), generatedAtWall: '2026-03-07T03:00:00.000Z' });

  it('is self-contained: no external script, stylesheet, image or font', () => {
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/url\(|@import|https?:\/\//i);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('has the decision, a matrix row per check and per scenario, and a timeline per scenario', () => {
    expect(html).toContain('data-decision="no-go"');
    expect(html).toContain('data-exit-code="1"');
    expect(html.match(/<tr data-kind="readiness"/g)).toHaveLength(14);
    expect(html.match(/<tr data-kind="scenario"/g)).toHaveLength(4);
    expect(html.match(/<svg class="chart timeline"/g)).toHaveLength(4);
    expect(html).toContain('RTO 19 min 00 s');
  });

  it('draws trends only for scenarios with stored runs', () => {
    expect(html.match(/<svg class="chart trend"/g)).toHaveLength(2); // backend-pod-kill and frontend-rollback are in the nightly history
    expect(html).toContain('data-regression="yes"');
  });

  it('escapes text from journals', () => {
    const evil = sampleSuiteReport({ journals: [{ ...report.journals[0]!, scenario: { ...report.journals[0]!.scenario, title: '<script>alert(1)</script>' } }] });
    const out = renderHtml({ report: evil, trends: [], generatedAtWall: 'x' });
    expect(out).not.toContain('<script>alert(1)</script>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('timeline chart', () => {
  it('shades the fault and recovery windows and marks the RTO at injection + RTO', () => {
    const j = report.journals[0]!;
    const svg = timelineChart(j);
    expect(svg).toContain('class="win-fault"');
    expect(svg).toContain('class="win-recovery"');
    expect(svg).toMatch(/<line class="rto" data-marker="rto"[^>]*><title>RTO 18.1 s \(data-probe\)<\/title>/);
    const rtoX = Number(/<line class="rto" data-marker="rto" x1="([\d.]+)"/.exec(svg)![1]);
    const endMs = Math.max(j.durationMs, j.load!.series.at(-1)!.atMs + 1000);
    const expected = 52 + ((j.faults[0]!.injectedAtMs + j.measurements.rto!.valueMs) / endMs) * (760 - 104);
    expect(Math.abs(rtoX - expected)).toBeLessThan(2);
  });

  it('keeps at most one point per pixel on long runs, and keeps the spikes', () => {
    const long = report.journals[1]!; // 19 min restore, 1200+ samples
    const svg = timelineChart(long);
    const points = /<polyline class="line-p95" fill="none" points="([^"]+)"/.exec(svg)![1]!.split(' ');
    expect(points.length).toBeLessThanOrEqual(656);
    const maxP95 = Math.max(...long.load!.series.map((s) => s.p95Ms ?? 0));
    const ys = points.map((p) => Number(p.split(',')[1]));
    const scale = Number(/text-anchor="end">(\d+)<\/text>/.exec(svg)![1]); // top label of the p95 axis
    expect(Math.abs(Math.min(...ys) - (26 + 180 - (maxP95 / scale) * 180))).toBeLessThan(0.2); // the top spike is drawn
  });
});

describe('Markdown summary', () => {
  it('has the decision, blockers, readiness and scenario tables, findings', () => {
    const md = renderMarkdown({ report, trends: [] });
    expect(md).toContain('## drillbook signoff: 🔴 NO-GO');
    expect(md).toContain('| Database credentials rotated (not default, long enough, written within the rotation period) | ❌ FAIL | YES |');
    expect(md).toMatch(/\| PostgreSQL restored from the nightly backup \| ❌ not-met \| 19 min 00 s ❌ \(RTO < 900 s\)/);
    expect(md).toContain('pg_restore step needs --clean');
    expect(md.length).toBeLessThan(65_536);
  });
  it('escapes table pipes', () => {
    const j = report.journals[0]!;
    const md = renderMarkdown({ report: sampleSuiteReport({ journals: [{ ...j, scenario: { ...j.scenario, title: 'a | b' } }] }), trends: [] });
    expect(md).toContain('a \\| b');
  });
});

describe('JUnit XML', () => {
  const xml = renderJunit(report);
  it('counts failures per suite and marks blocking PENDING as failures, non-blocking as skipped', () => {
    expect(xml).toMatch(/<testsuite name="signoff scenarios" tests="4" failures="2" errors="0"/);
    // staging: 8 blocking failures (no-restarts-under-load unmeasured) + logs-loki FAIL (non-blocking) = 9 failures; nothing skipped
    expect(xml).toMatch(/<testsuite name="signoff readiness" tests="14" failures="9" errors="0" skipped="0"/);
    expect(xml).toContain('<failure type="pending"');
    expect(xml).toContain('<property name="rto_ms" value="1140000"/>');
  });
  it('a drill skipped for what the stack lacks (or not run) is a skipped testcase with the reason, counted as skipped, not as a pass', () => {
    const [first, ...rest] = report.journals;
    const skipped = { ...first!, status: 'skipped' as const, verdict: 'inconclusive' as const, phases: [], faults: [], error: { name: 'Skipped', message: 'stack has no backup component: add stack.components.backup' } };
    const out = renderJunit({ ...report, journals: [skipped, ...rest] });
    expect(out).toMatch(/<testsuite name="signoff scenarios" tests="4" failures="\d+" errors="0" skipped="1"/);
    expect(out).toContain('<skipped message="stack has no backup component: add stack.components.backup"/>');
    const allure = renderAllure({ ...report, journals: [skipped] }).find((f) => f.name.endsWith('-result.json') && f.content.includes(skipped.scenario.title));
    expect(JSON.parse(allure!.content)).toMatchObject({ status: 'skipped', statusDetails: { message: 'stack has no backup component: add stack.components.backup' } });
  });

  it('is well-formed enough: every testcase closes, and no raw & or <', () => {
    expect(xml.match(/<testcase /g)!.length).toBe(xml.match(/<\/testcase>/g)!.length);
    expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
  });
});

describe('Allure results', () => {
  it('writes one result per scenario and check, phases as steps, stable ids', () => {
    const files = renderAllure(report);
    const results = files.filter((f) => f.name.endsWith('-result.json')).map((f) => JSON.parse(f.content));
    expect(results).toHaveLength(18);
    const restore = results.find((r) => r.fullName === 'drillbook.signoff.postgres-restore');
    expect(restore.status).toBe('failed');
    expect(restore.steps.map((s: { name: string }) => s.name)).toEqual(['steady-state-before', 'inject', 'detect', 'recover', 'verify', 'revert']);
    expect(renderAllure(report).map((f) => f.name)).toEqual(files.map((f) => f.name));
    const creds = results.find((r) => r.fullName === 'drillbook.readiness.db-credentials');
    expect(creds.labels).toContainEqual({ name: 'severity', value: 'blocker' });
  });
});

describe('markdown summary escaping', () => {
  it('journal strings land as text, not HTML: <script> from a journal is escaped, tables stay tables', async () => {
    const { renderMarkdown } = await import('./markdown.renderer.ts');
    const { buildSuiteReport } = await import('./suite-report.ts');
    const { sampleJournal } = await import('./testing/sample-journals.ts');
    const j = sampleJournal({ scenarioId: 'xss', title: '<script>alert(1)</script> | `code`', findings: [{ severity: 'warning', title: '<img src=x onerror=alert(1)>', detail: 'a & b\nnext <b>line</b>' }] });
    const md = renderMarkdown({ report: buildSuiteReport({ suite: 'nightly', runId: 'r1', startedAtWall: '2026-03-07T02:00:00.000Z', journals: [j] }), trends: [] });
    expect(md).not.toMatch(/<script|<img|<b>/);
    expect(md).toContain('&lt;script>alert(1)&lt;/script> \\| &#96;code&#96;');
    expect(md).toContain('a & b next &lt;b>line&lt;/b>');
  });
});
