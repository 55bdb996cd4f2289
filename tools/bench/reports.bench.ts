// Report generation time with 1, 10 and 100 stored runs in the history.
//   node tools/bench/reports.bench.ts
// Each case: a fresh output folder holding N-1 stored nightly runs (written untimed), then the timed part:
// writeReports() of run N (redact, store in history, read every stored summary for the trends, render HTML,
// Markdown, JSON, JUnit and Allure, write them). Median of 5 repetitions (each into its own folder).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../../reports/history.store.ts';
import { sampleNightlyHistory } from '../../reports/testing/sample-journals.ts';
import { writeReports } from '../../reports/write-reports.ts';

const SIZES = [1, 10, 100];
const REPEATS = 9;
const SECRETS = ['bench-secret-value-0123456789abcdef', 'another-secret-value-for-the-bench'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`reports bench: report generation time vs stored runs (median of ${REPEATS})`);
console.log('stored runs | generate ms | html KiB | scenarios/run | heap MiB');
for (const n of SIZES) {
  const runs = sampleNightlyHistory(n);
  const times: number[] = [];
  let htmlBytes = 0;
  for (let rep = 0; rep < REPEATS; rep++) {
    const out = await mkdtemp(join(tmpdir(), 'drillbook-bench-'));
    try {
      const store = new HistoryStore(join(out, 'history'));
      for (const r of runs.slice(0, -1)) await store.save(r);
      const t0 = performance.now();
      const written = await writeReports(runs.at(-1)!, { outDir: out, secrets: SECRETS, trendLimit: 100 });
      times.push(performance.now() - t0);
      htmlBytes = (await stat(written.html)).size;
      if (written.trends[0]?.points.length !== n) throw new Error(`expected ${n} trend points, got ${written.trends[0]?.points.length}`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(`${String(n).padStart(11)} | ${median(times).toFixed(1).padStart(11)} | ${(htmlBytes / 1024).toFixed(0).padStart(8)} | ${String(runs.at(-1)!.journals.length).padStart(13)} | ${heap.toFixed(0).padStart(8)}`);
}

// A heavier final run: the sign-off suite (4 scenarios, one with a 19-minute 1 Hz series) + 13 readiness checks.
{
  const { sampleSuiteReport } = await import('../../reports/testing/sample-journals.ts');
  const { evaluateReadiness } = await import('../../suites/readiness/readiness.ts');
  const { stagingAsSignedOff } = await import('../../suites/readiness/testing/snapshots.ts');
  const stored = sampleNightlyHistory(99);
  const times: number[] = [];
  for (let rep = 0; rep < REPEATS; rep++) {
    const out = await mkdtemp(join(tmpdir(), 'drillbook-bench-'));
    try {
      const store = new HistoryStore(join(out, 'history'));
      for (const r of stored) await store.save(r);
      const report = sampleSuiteReport({ suite: 'nightly', runId: 'signoff-final', startedAtWall: '2026-06-01T02:00:00.000Z', readiness: evaluateReadiness(stagingAsSignedOff()) });
      const t0 = performance.now();
      await writeReports(report, { outDir: out, secrets: SECRETS, trendLimit: 100 });
      times.push(performance.now() - t0);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }
  console.log(`signoff run (4 scenarios, 3.3k samples, 13 checks) over 99 stored runs: ${median(times).toFixed(1)} ms`);
}
