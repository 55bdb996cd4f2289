// Writes every report format for one suite run, and stores the run in the history.
//   <outDir>/runs/<runId>/report.html | summary.md | report.json | junit.xml | allure-results/
//   <outDir>/history/<runId>/                (kept across runs; the HTML trends read it)
//   <outDir>/latest.html, latest.md          (copies of the newest run, for CI artifact links)
// Secrets: the report is passed through the run's Redactor (scenarios/redaction.ts) BEFORE anything is stored or
// rendered; every rendered text is scrubbed once more (the redactor also knows the HTML/XML-escaped forms) as a
// second line of defence.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redactor } from '../scenarios/journal.ts';
import { renderAllure } from './allure.renderer.ts';
import { assertRunId, HistoryStore, type ScenarioTrend } from './history.store.ts';
import { renderHtml } from './html.renderer.ts';
import { renderJunit } from './junit.renderer.ts';
import { renderMarkdown } from './markdown.renderer.ts';
import type { SuiteReport } from './suite-report.ts';

export const DEFAULT_OUT_DIR = 'reports/out';

export interface WriteReportsOptions {
  /** Default reports/out (git-ignored). */
  outDir?: string;
  /** Every secret value the run registered (passwords, tokens...). */
  secrets?: Iterable<string>;
  /** Keep the run in <outDir>/history (default true). */
  keepHistory?: boolean;
  /** Trends use this suite's runs only (default: the report's suite). */
  trendSuite?: string | null;
  /** Points per trend (default 30). */
  trendLimit?: number;
  /** Wall clock for "generated at" (tests pin it). */
  now?: () => Date;
}

export interface WrittenReports {
  readonly dir: string;
  readonly html: string;
  readonly markdown: string;
  readonly json: string;
  readonly junit: string;
  readonly allureDir: string;
  readonly historyDir: string | null;
  readonly exitCode: 0 | 1 | 2 | 130;
  readonly trends: readonly ScenarioTrend[];
}

export async function writeReports(report: SuiteReport, options: WriteReportsOptions = {}): Promise<WrittenReports> {
  assertRunId(report.runId);
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const redactor = new Redactor(options.secrets ?? []);
  const safe = redactor.value(report);
  const history = new HistoryStore(join(outDir, 'history'));
  const historyDir = options.keepHistory === false ? null : await history.save(safe);
  const trendSuite = options.trendSuite === undefined ? safe.suite : options.trendSuite;
  const trends = historyDir ? await history.trends({ ...(trendSuite ? { suite: trendSuite } : {}), limit: options.trendLimit ?? 30 }) : [];
  const generatedAtWall = (options.now?.() ?? new Date()).toISOString();

  const dir = join(outDir, 'runs', safe.runId);
  const allureDir = join(dir, 'allure-results');
  await rm(allureDir, { recursive: true, force: true });
  await mkdir(allureDir, { recursive: true });
  const clean = (text: string) => redactor.text(text);
  const paths = { html: join(dir, 'report.html'), markdown: join(dir, 'summary.md'), json: join(dir, 'report.json'), junit: join(dir, 'junit.xml') };
  const html = clean(renderHtml({ report: safe, trends, generatedAtWall }));
  const markdown = clean(renderMarkdown({ report: safe, trends, htmlLink: 'report.html' }));
  await Promise.all([
    writeFile(paths.html, html),
    writeFile(paths.markdown, markdown),
    writeFile(paths.json, clean(JSON.stringify({ ...safe, trends }, null, 2))),
    writeFile(paths.junit, clean(renderJunit(safe))),
    ...renderAllure(safe).map((f) => writeFile(join(allureDir, f.name), clean(f.content))),
    writeFile(join(outDir, 'latest.html'), html),
    writeFile(join(outDir, 'latest.md'), markdown),
  ]);
  return { dir, ...paths, allureDir, historyDir, exitCode: safe.exitCode, trends };
}
