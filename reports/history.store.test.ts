import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../scenarios/errors.ts';
import { HistoryStore, detectRegression, type TrendPoint } from './history.store.ts';
import { sampleNightlyHistory, sampleSuiteReport } from './testing/sample-journals.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drillbook-history-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('HistoryStore', () => {
  it('keeps each run in its own folder and lists them oldest first', async () => {
    const store = new HistoryStore(dir);
    const runs = sampleNightlyHistory(5);
    for (const r of [...runs].reverse()) await store.save(r);
    expect((await readdir(dir)).sort()).toEqual(runs.map((r) => r.runId).sort());
    expect(await readdir(join(dir, runs[0]!.runId, 'journals'))).toEqual(['backend-pod-kill.json', 'frontend-rollback.json']);
    expect((await store.list()).map((s) => s.runId)).toEqual(runs.map((r) => r.runId));
    const loaded = await store.load(runs[2]!.runId);
    expect(loaded.journals[0]!.load!.series.length).toBeGreaterThan(60);
  });

  it('builds per-scenario trends and flags the nightly RTO regression', async () => {
    const store = new HistoryStore(dir);
    for (const r of sampleNightlyHistory(12)) await store.save(r);
    const trends = await store.trends({ suite: 'nightly' });
    const be = trends.find((t) => t.scenarioId === 'backend-pod-kill')!;
    expect(be.points).toHaveLength(12);
    expect(be.regression).toMatch(/^RTO .* vs median .* of the previous 7 runs/);
    expect(trends.find((t) => t.scenarioId === 'frontend-rollback')!.regression).toBeNull();
    expect(await store.trends({ suite: 'signoff' })).toEqual([]);
    expect((await store.trends({ limit: 4 }))[0]!.points).toHaveLength(4);
  });

  it('ignores half-written runs and an absent root', async () => {
    expect(await new HistoryStore(join(dir, 'nope')).list()).toEqual([]);
    const store = new HistoryStore(dir);
    await store.save(sampleSuiteReport({ runId: 'ok-run' }));
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'partial-run')));
    expect((await store.list()).map((s) => s.runId)).toEqual(['ok-run']);
  });

  it('refuses run ids that are not a plain folder name', async () => {
    const store = new HistoryStore(dir);
    await expect(store.save(sampleSuiteReport({ runId: '../escape' }))).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.load('a/b')).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('detectRegression', () => {
  const pt = (rtoMs: number, verdict: TrendPoint['verdict'] = 'met'): TrendPoint => ({
    id: 's', title: 's', status: 'completed', verdict, rtoMs, rtoObjectiveMs: 300_000, rpoMs: 0, lostWrites: 0, p95Ms: 100, errorRate: 0, durationMs: 1, runId: 'r', suite: 'nightly', startedAtWall: 'x',
  });
  it('needs three earlier runs before judging a number', () => {
    expect(detectRegression([pt(10_000), pt(10_000), pt(90_000)])).toBeNull();
    expect(detectRegression([pt(10_000), pt(10_000), pt(11_000), pt(13_000)])).toMatch(/RTO 13.0 s vs median 10.0 s .*\+30 %/);
  });
  it('flags a verdict that turned bad even with few runs', () => {
    expect(detectRegression([pt(10_000), pt(10_000, 'not-met')])).toContain('verdict went from met to not-met');
  });
});
