// The k6-runner wrapper with the real k6, run the way k6-operator runs it: two runners with the operator's
// execution-segment arguments, started paused and resumed through k6's REST API (the starter's PATCH), against a
// real loopback server. What they print is parsed and merged by the real code: both runners' requests in one
// result. And a runner stopped through the REST API (the driver's stop()) exits 103 and still delivers its data.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../scenarios/clock.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { RECIPES_DIR } from '../images/recipes.ts';
import { freePort } from '../lib/free-port.ts';
import { IncompleteLoadError, mergeRunners, parseRunnerLog } from './k6-operator.merge.ts';
import { BUILTIN_SCRIPTS } from './k6.driver.ts';
import { ensureK6 } from './k6.installer.ts';
import { startStubBackend, type StartedStubBackend } from './testing/stub-backend.ts';

const WRAPPER = join(RECIPES_DIR, 'k6-runner', 'k6-run.sh');
const thresholds = { p95Ms: 200, p99Ms: 500, errorRate: 0.001, minRps: 1 };
let stub: StartedStubBackend;
let k6Path: string;
let dir: string;

beforeAll(async () => {
  k6Path = (await ensureK6({ log: (line) => console.log(`[k6] ${line}`) })).path;
  stub = await startStubBackend();
  dir = await mkdtemp(join(tmpdir(), 'drillbook-k6op-runner-it-'));
});
afterAll(async () => {
  await stub?.[Symbol.asyncDispose]();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One runner as k6-operator starts it: `k6 run --quiet <segment> <args> <script> --address=... --paused --tag ...`. */
async function runner(index: number, total: number, env: Record<string, string>) {
  const port = await freePort();
  const segment = total > 1 ? [`--execution-segment=${index - 1 === 0 ? '0' : `${index - 1}/${total}`}:${index === total ? '1' : `${index}/${total}`}`, `--execution-segment-sequence=${['0', ...Array.from({ length: total - 1 }, (_, i) => `${i + 1}/${total}`), '1'].join(',')}`] : [];
  const args = ['run', '--quiet', ...segment, ...Object.entries({ TARGET: stub.url, ...env }).flatMap(([k, v]) => ['--env', `${k}=${v}`]), BUILTIN_SCRIPTS.smoke!, `--address=127.0.0.1:${port}`, '--paused', '--tag', `instance_id=${index}`, '--tag', 'testrun_name=it'];
  const child = execa('sh', [WRAPPER, ...args], {
    env: { DRILLBOOK_K6_BIN: k6Path, DRILLBOOK_SAMPLES: '1', DRILLBOOK_OUT: join(dir, `runner-${index}-${port}`), K6_NO_USAGE_REPORT: 'true' },
    reject: false,
    all: true,
    timeout: 120_000,
  });
  const api = `http://127.0.0.1:${port}/v1/status`;
  await waitFor(systemClock, condition(`runner ${index} REST API up`, async (signal) => ({ ok: (await fetch(api, { signal })).ok, value: 'up' })), { timeoutMs: 60_000, intervalMs: 200 });
  const patch = (attributes: object) =>
    fetch(api, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { type: 'status', id: 'default', attributes } }) });
  return { child, patch };
}

describe('k6-runner wrapper with the real k6, as k6-operator runs it', () => {
  it('two segments, resumed like the starter does, merge into one result holding both runners\' requests', async () => {
    const env = { VUS: '2', DURATION: '4' };
    const runners = [await runner(1, 2, env), await runner(2, 2, env)];
    for (const r of runners) expect((await r.patch({ paused: false })).ok).toBe(true);
    const outs = await Promise.all(runners.map((r) => r.child));
    const reports = outs.map((o, i) => {
      const frame = parseRunnerLog(o.all ?? '');
      expect(frame.problems, `runner ${i + 1}: ${o.all?.slice(-2000)}`).toEqual([]);
      expect(frame.exitCode).toBe(0);
      expect(o.exitCode).toBe(0);
      return { index: i + 1, phase: 'Succeeded' as const, containerExitCode: o.exitCode, log: o.all ?? '' };
    });
    const merged = mergeRunners(reports, { name: 'smoke' }, { testRun: 'it', parallelism: 2, thresholds, offsetMs: 0, originMs: 0 });
    console.log(`merged: ${merged.requests} requests, ${merged.rps} req/s, p95 ${merged.p95Ms} ms; runners ${JSON.stringify(merged.runners)}`);
    expect(merged.runners.map((r) => r.index)).toEqual([1, 2]);
    for (const r of merged.runners) expect(r.requests).toBeGreaterThan(10);
    expect(merged.requests).toBe(merged.runners[0]!.requests + merged.runners[1]!.requests);
    expect(merged.errorRate).toBe(0);
    expect(merged.series.reduce((n, s) => n + s.requests, 0)).toBe(merged.requests);
    expect(merged.durationMs).toBeGreaterThanOrEqual(4_000);
  });

  it('a runner stopped through the REST API exits 103 and still prints its data; it counts only when the harness stopped it', async () => {
    const r = await runner(1, 1, { VUS: '1', DURATION: '60' });
    const before = await stub.served();
    expect((await r.patch({ paused: false })).ok).toBe(true);
    await waitFor(systemClock, condition('the runner sent 20 requests', async (signal) => {
      const n = (await stub.served({ signal })) - before;
      return { ok: n >= 20, value: n };
    }), { timeoutMs: 30_000, intervalMs: 200 });
    expect((await r.patch({ stopped: true })).ok).toBe(true);
    const out = await r.child;
    expect(out.exitCode).toBe(103);
    const report = { index: 1, phase: 'Failed' as const, containerExitCode: 103, log: out.all ?? '' };
    expect(parseRunnerLog(report.log).exitCode).toBe(103);
    expect(mergeRunners([report], { name: 'smoke' }, { testRun: 'it', parallelism: 1, thresholds, offsetMs: 0, originMs: 0, stoppedEarly: true }).requests).toBeGreaterThan(0);
    expect(() => mergeRunners([report], { name: 'smoke' }, { testRun: 'it', parallelism: 1, thresholds, offsetMs: 0, originMs: 0 })).toThrow(IncompleteLoadError);
  });
});
