// The driver's verdict-vs-harness-error rules, against a fake k6 (a shell script that writes what a k6 run
// leaves behind and exits with a chosen code): fast, no real k6 needed. The real k6 is in the integration tier.
import { access, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../scenarios/clock.ts';
import { InterruptedError, ToolFailedError } from '../../scenarios/errors.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import type { LoadProfile } from '../../scenarios/ports.ts';
import { K6LoadGenerator } from './k6.driver.ts';

const thresholds = { p95Ms: 200, p99Ms: 500, errorRate: 0.001 };
const profile: LoadProfile = { name: 'smoke', target: 'http://127.0.0.1:9', vus: 1, durationSeconds: 5, thresholds };

interface FakeRun {
  exitCode: number;
  p95: number;
  failedFlags?: Record<string, boolean>;
  writeSummary?: boolean;
  stderr?: string;
  /** seconds the fake k6 runs before writing its outputs (it exits early on SIGINT/SIGTERM like k6 does) */
  runSeconds?: number;
}

async function fakeK6(run: FakeRun): Promise<string> {
  const dir = await mkdtemp(join(root, 'fake-k6-'));
  const summary = JSON.stringify({
    metrics: {
      http_req_duration: { med: 3, 'p(95)': run.p95, 'p(99)': run.p95 + 10, thresholds: { 'p(95)<200': run.failedFlags?.p95 ?? false, 'p(99)<500': false } },
      http_req_failed: { value: 0, passes: 0, fails: 10, thresholds: { 'rate<0.001': false } },
      http_reqs: { count: 10, rate: 2 },
    },
  });
  const now = Date.now();
  const csv = ['metric_name,timestamp,metric_value,expected_response,name,status,extra_tags,metadata']
    .concat(Array.from({ length: 10 }, (_, i) => `http_req_duration,${now + i * 300},${run.p95},true,health,200,,`))
    .concat(Array.from({ length: 10 }, (_, i) => `http_req_failed,${now + i * 300},0,true,health,200,,`))
    .join('\n');
  await writeFile(join(dir, 'summary.json'), summary);
  await writeFile(join(dir, 'samples.csv.gz'), gzipSync(`${csv}\n`));
  const script = `#!/bin/bash
code=${run.exitCode}
trap 'code=105' INT TERM
touch ${dir}/started
# args: run ... --summary-export <path> ... --out csv=<path> ...
summary=""; samples=""; prev=""
for a in "$@"; do
  [ "$prev" = "--summary-export" ] && summary="$a"
  case "$a" in csv=*) samples="\${a#csv=}";; esac
  prev="$a"
done
for i in $(seq 1 $(( ${run.runSeconds ?? 0} * 10 ))); do [ "$code" = 105 ] && break; sleep 0.1; done
${run.writeSummary === false ? '' : `cp ${dir}/summary.json "$summary"`}
cp ${dir}/samples.csv.gz "$samples"
echo "${run.stderr ?? ''}" >&2
exit $code
`;
  const path = join(dir, 'k6');
  await writeFile(path, script);
  await chmod(path, 0o755);
  fakeStarted = join(dir, 'started');
  return path;
}
let fakeStarted = '';

const generator = async (run: FakeRun) => new K6LoadGenerator().withK6(await fakeK6(run), 'fake').withOutputDir(root).withReadyTimeout(0);

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'drillbook-k6-fake-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** The fake has installed its signal trap (real k6 is past init when start() returns; the fake needs a moment). */
const fakeRunning = () =>
  waitFor(
    systemClock,
    condition('fake k6 started', async () => {
      const ok = await access(fakeStarted).then(
        () => true,
        () => false,
      );
      return { ok, value: ok };
    }),
    { timeoutMs: 5_000, intervalMs: 20 },
  );

describe('K6 driver: verdicts and harness errors (fake k6)', () => {
  it('exit 0 with thresholds held: passed, with series and numbers from the files', async () => {
    await using running = await (await generator({ exitCode: 0, p95: 12 })).start(profile, { labels: {} });
    const result = await running.finished();
    expect(result).toMatchObject({ passed: true, requests: 10, p95Ms: 12, k6: { exitCode: 0, stoppedEarly: false } });
    expect(result.series.reduce((n, s) => n + s.requests, 0)).toBe(10);
  });

  it('exit 99: a verdict naming the failed threshold, not an exception', async () => {
    await using running = await (await generator({ exitCode: 99, p95: 250, failedFlags: { p95: true } })).start(profile, { labels: {} });
    const result = await running.finished();
    expect(result.passed).toBe(false);
    expect(result.thresholds.filter((t) => !t.ok).map((t) => t.name)).toEqual(['p95<200ms']);
  });

  it('exit 99 when no drillbook threshold failed is a harness error (script declares thresholds we do not know)', async () => {
    await using running = await (await generator({ exitCode: 99, p95: 12 })).start(profile, { labels: {} });
    await expect(running.finished()).rejects.toMatchObject({ name: 'ToolFailedError', exitCode: 99 });
  });

  it('a script exception (107) is a ToolFailedError carrying k6 output and a hint', async () => {
    await using running = await (await generator({ exitCode: 107, p95: 0, stderr: 'SyntaxError: Unexpected token' })).start(profile, { labels: {} });
    const error = await running.finished().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolFailedError);
    expect((error as ToolFailedError).message).toMatch(/SyntaxError: Unexpected token/);
    expect((error as ToolFailedError).hint).toMatch(/npx tsc -p suites\/load/);
  });

  it('exit 0 without a summary file is a harness error', async () => {
    await using running = await (await generator({ exitCode: 0, p95: 12, writeSummary: false })).start(profile, { labels: {} });
    await expect(running.finished()).rejects.toThrow(/no readable summary/);
  });

  it('stop() ends a run early (k6 answers SIGINT with 105) and still returns the parsed result', async () => {
    await using running = await (await generator({ exitCode: 0, p95: 12, runSeconds: 30 })).start(profile, { labels: {} });
    await fakeRunning();
    const result = await running.stop();
    expect(result.k6).toMatchObject({ exitCode: 105, stoppedEarly: true });
    // ended by the stop, not by the run's own 30 s (no tighter bound: a busy 2-core machine is slow to start k6)
    expect(result.k6.durationMs).toBeLessThan(30_000);
    expect(result.passed).toBe(true);
  }, 60_000);

  it('an aborted signal while waiting interrupts the run (InterruptedError) and kills k6', async () => {
    await using running = await (await generator({ exitCode: 0, p95: 12, runSeconds: 30 })).start(profile, { labels: {} });
    const controller = new AbortController();
    const pending = running.finished({ signal: controller.signal });
    controller.abort(new Error('Ctrl-C'));
    await expect(pending).rejects.toBeInstanceOf(InterruptedError);
    await running.exited();
    expect(running.running).toBe(false);
  });

  it('disposal kills a running k6 and is safe twice', async () => {
    const running = await (await generator({ exitCode: 0, p95: 12, runSeconds: 30 })).start(profile, { labels: {} });
    await running[Symbol.asyncDispose]();
    expect(running.running).toBe(false);
    await running[Symbol.asyncDispose]();
  });
});
