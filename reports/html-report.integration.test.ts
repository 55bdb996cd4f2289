// Renders the HTML report in Debian's headless Chromium (driven by playwright-core), checks what a release
// manager looks for (decision, matrix, a timeline chart with the RTO marked, the numbers), and saves
// screenshots under reports/out/artifacts/. Needs /usr/bin/chromium: `bash tools/setup/50-chromium.sh`.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDrillJournals, sampleJournal, sampleNightlyHistory, sampleSuiteReport } from './testing/sample-journals.ts';
import { writeReports, type WrittenReports } from './write-reports.ts';
import { stagingReadiness } from './testing/sample-readiness.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('reports/out/artifacts');

describe('HTML report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let userDataDir: string;
  let out: string;
  let written: WrittenReports;
  const blockedRequests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: install it with \`bash tools/setup/50-chromium.sh\` (apt-get install chromium), or run tools/bootstrap.sh`);
    }
    out = await mkdtemp(join(tmpdir(), 'drillbook-html-'));
    userDataDir = await mkdtemp(join(tmpdir(), 'drillbook-chromium-'));
    // 14 stored nightly runs, then tonight's run (the drill journals + the staging readiness results).
    for (const r of sampleNightlyHistory(14)) await writeReports(r, { outDir: out, trendSuite: null });
    // Tonight the backend recovers in 60 s: still within its 300 s objective, but a regression to flag.
    const journals = sampleDrillJournals('tonight', '2026-03-07T02:00:00.000Z');
    journals[0] = sampleJournal({ runId: 'tonight', startedAtWall: '2026-03-07T02:00:00.000Z', suite: 'nightly', rtoMs: 60_000 });
    const report = sampleSuiteReport({ suite: 'nightly', runId: 'tonight', startedAtWall: '2026-03-07T02:00:00.000Z', journals, readiness: stagingReadiness() });
    written = await writeReports(report, { outDir: out, trendSuite: null });
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1200, height: 900 },
    });
    browser = context.browser()!;
    page = context.pages()[0] ?? (await context.newPage());
    // Self-contained means the page asks for nothing but itself.
    page.on('request', (req) => {
      if (req.url() !== pathToFileURL(written.html).href) blockedRequests.push(req.url());
    });
    await page.goto(pathToFileURL(written.html).href);
    await mkdir(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('shows the decision with its exit code and loads no external resource', async () => {
    await expect(page.locator('#decision .decision').textContent()).resolves.toBe('NO-GO');
    await expect(page.locator('#decision').getAttribute('data-exit-code')).resolves.toBe('1');
    expect(blockedRequests).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'report-top.png') });
    expect((await stat(join(ARTIFACTS, 'report-top.png'))).size).toBeGreaterThan(10_000);
  });

  it('renders the go/no-go matrix with the blocking flags and statuses of the sign-off document', async () => {
    const rows = page.locator('#matrix tbody tr');
    // a row per readiness check of the sample (the sign-off document's criteria) and per drill journal
    const readiness = stagingReadiness();
    await expect(rows.count()).resolves.toBe(readiness.length + 4);
    const creds = page.locator('#matrix tr[data-id="db-credentials"]');
    await expect(creds.locator('td').nth(1).innerText()).resolves.toBe('FAIL');
    await expect(creds.locator('td').nth(2).innerText()).resolves.toBe('YES');
    await expect(page.locator('#matrix tr[data-id="logs-loki"] td').nth(2).innerText()).resolves.toBe('no');
    await expect(page.locator('#matrix tr[data-id="postgres-restore"] td').nth(1).innerText()).resolves.toBe('not-met');
    // the inline script filters the matrix
    await page.locator('#only-blocking').check();
    // blocking readiness checks that did not pass, and the drills not met (the sample's two)
    const problems = readiness.filter((r) => r.blocking && r.status !== 'PASS').length;
    expect(problems).toBeGreaterThan(0);
    await expect(page.locator('#matrix tbody tr:visible').count()).resolves.toBe(problems + 2);
    await page.locator('#only-blocking').uncheck();
    await page.locator('#matrix').screenshot({ path: join(ARTIFACTS, 'report-matrix.png') });
  });

  it('draws the timeline chart with both series, the shaded windows and the RTO marker', async () => {
    const chart = page.locator('svg.chart.timeline[data-scenario="postgres-restore"]');
    await expect(chart.isVisible()).resolves.toBe(true);
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    expect(box!.height).toBeGreaterThan(150);
    await expect(chart.locator('polyline.line-p95').count()).resolves.toBe(1);
    await expect(chart.locator('polyline.line-err').count()).resolves.toBe(1);
    await expect(chart.locator('rect.win-fault').first().isVisible()).resolves.toBe(true);
    await expect(chart.locator('rect.win-recovery').first().isVisible()).resolves.toBe(true);
    await expect(chart.locator('text.rto-label').textContent()).resolves.toBe('RTO 19 min 00 s');
    const rtoX = Number(await chart.locator('line[data-marker="rto"]').getAttribute('x1'));
    const objectiveX = Number(await chart.locator('line[data-marker="rto-objective"]').getAttribute('x1'));
    expect(rtoX).toBeGreaterThan(objectiveX); // RTO missed: the marker sits right of the 900 s objective
    await page.locator('#s-postgres-restore').screenshot({ path: join(ARTIFACTS, 'report-scenario-postgres-restore.png') });
  });

  it('shows the numbers: RTO/RPO against objectives and the load summary', async () => {
    const section = page.locator('#s-db-failover');
    await expect(section.locator('tr[data-objective="rpo"] td').nth(2).innerText()).resolves.toBe('11.5 s');
    await expect(section.locator('tr[data-objective="rpo"] td').nth(3).innerText()).resolves.toBe('not-met');
    await expect(section.locator('tr[data-objective="rto"] td').nth(2).innerText()).resolves.toBe('1 min 35 s');
    const loadCells = await section.locator('table.load tbody td').allInnerTexts();
    const journal = written && (await import('node:fs/promises')).readFile(written.json, 'utf8').then((t) => JSON.parse(t));
    const dbFailover = (await journal).journals.find((j: { scenario: { id: string } }) => j.scenario.id === 'db-failover');
    expect(loadCells[0]).toBe(dbFailover.load.requests.toLocaleString('en-US'));
    expect(loadCells[3]).toBe(`${dbFailover.load.p95Ms} ms`);
  });

  it('shows the trend across stored runs and flags the nightly regression', async () => {
    const section = page.locator('#s-backend-pod-kill');
    await expect(section.locator('svg.chart.trend rect[class^="bar-"]').count()).resolves.toBe(15);
    await expect(page.locator('.regression').first().innerText()).resolves.toContain('Regressions against earlier runs');
    await expect(section.locator('[data-regression="yes"]').innerText()).resolves.toMatch(/^Regression: RTO 60.0 s vs median/);
    await section.screenshot({ path: join(ARTIFACTS, 'report-scenario-backend-pod-kill.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'report-full.png'), fullPage: true });
  });
});
