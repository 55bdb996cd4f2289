// One verdict across k6-operator runners: runners that disagree, and the verdict follows the merged numbers.
// Synthetic per-runner logs (framed as the k6-runner image frames them) go through the real parse and merge.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { RECIPES_DIR } from '../images/recipes.ts';
import { IncompleteLoadError, mergeRunners, parseRunnerLog, type MergeOptions, type RunnerReport } from './k6-operator.merge.ts';
import { runnerLog, samplesCsv, succeeded, uniform, type SyntheticRunner } from './testing/runner-log.ts';

const T0 = 1_780_000_000_000;
const seeds = { p95Ms: 200, p99Ms: 500, errorRate: 0.001 };
const opts = (over: Partial<MergeOptions> = {}): MergeOptions => ({ testRun: 'load', parallelism: 2, thresholds: seeds, offsetMs: -T0, originMs: 0, ...over });
const runner = (index: number, requests: SyntheticRunner['requests'], durationMs = 60_000): SyntheticRunner => ({ index, requests, startEpochMs: T0, testRunDurationMs: durationMs });
const threshold = (r: ReturnType<typeof mergeRunners>, prefix: string) => r.thresholds.find((t) => t.name.startsWith(prefix))!;

describe('merged verdict across runners', () => {
  it("p95: one runner over the threshold, the other under; the verdict is the p95 over all requests, not the runners' average", () => {
    const fast = runner(1, uniform(1000, 150));
    const slowTail = runner(2, [...uniform(900, 150), ...uniform(100, 400)]); // its own p95 is 400 ms
    const r = mergeRunners([succeeded(fast), succeeded(slowTail)], { name: 'signoff' }, opts());
    expect(r.runners.map((x) => x.p95Ms)).toEqual([150, 400]);
    // 100 slow of 2000 = 5 %: the merged p95 sits at the edge of the fast mass, far from (150+400)/2 = 275
    expect(r.p95Ms).toBe(162.5);
    expect(threshold(r, 'p95').ok).toBe(true);
    expect(r.passed).toBe(true);
    expect(r.requests).toBe(2000);
  });

  it('p95: the merged data can fail where one runner alone passes', () => {
    const fast = runner(1, uniform(1000, 150));
    const slow = runner(2, [...uniform(800, 150), ...uniform(200, 400)]);
    const r = mergeRunners([succeeded(fast), succeeded(slow)], { name: 'signoff' }, opts());
    expect(r.runners[0]!.p95Ms).toBe(150);
    expect(r.p95Ms).toBe(400); // 200 slow of 2000 = 10 %
    expect(threshold(r, 'p95').ok).toBe(false);
    expect(r.passed).toBe(false);
  });

  it('error rate: one runner breaks 0.1 % alone, the whole run does not', () => {
    const broken = runner(1, uniform(1000, 50, 2)); // 0.2 %
    const clean = runner(2, uniform(3000, 50));
    const r = mergeRunners([succeeded(broken), succeeded(clean)], { name: 'signoff' }, opts());
    expect(r.runners[0]!.errorRate).toBeCloseTo(0.002, 6);
    expect(r.errorRate).toBeCloseTo(2 / 4000, 9);
    expect(threshold(r, 'errorRate').ok).toBe(true);
    expect(r.passed).toBe(true);
  });

  it('requests/s floor: no runner reaches > 100 req/s alone, both together do', () => {
    const a = runner(1, uniform(3600, 20)); // 60 req/s over 60 s
    const b = runner(2, uniform(3600, 20));
    const r = mergeRunners([succeeded(a), succeeded(b)], { name: 'signoff' }, opts({ thresholds: { ...seeds, minRps: 100 } }));
    expect(r.runners.map((x) => x.rps)).toEqual([60, 60]);
    expect(r.rps).toBe(120);
    expect(threshold(r, 'rps>100')).toMatchObject({ ok: true, actual: 120, limit: 100 });
    expect(r.passed).toBe(true);
  });

  it('requests/s over the window all runners together spanned: a runner started late widens it (never overstates the rate)', () => {
    const a = runner(1, uniform(3600, 20));
    const late = { ...runner(2, uniform(3600, 20)), startEpochMs: T0 + 1000 }; // the starter reached it 1 s later
    const r = mergeRunners([succeeded(a), succeeded(late)], { name: 'signoff' }, opts({ thresholds: { ...seeds, minRps: 100 } }));
    expect(r.durationMs).toBeCloseTo(61_000, 6);
    expect(r.rps).toBeCloseTo(7200 / 61, 3);
  });

  it('merges the per-second series RTO-as-seen is computed from: each second sums every runner', () => {
    const a = runner(1, uniform(3600, 20));
    const b = runner(2, uniform(3600, 20, 60));
    const r = mergeRunners([succeeded(a), succeeded(b)], { name: 'signoff' }, opts());
    expect(r.series).toHaveLength(60);
    expect(r.series.every((s) => s.requests === 120)).toBe(true);
    expect(r.series.reduce((n, s) => n + s.errors, 0)).toBe(60);
    expect(r.series[0]!.atMs).toBe(0);
    expect(r.series[59]!.atMs).toBe(59_000);
  });

  it('the same requests split over 1 or 2 runners give the same merged numbers', () => {
    const requests = [...uniform(1800, 100), ...uniform(200, 300, 3)];
    const single = mergeRunners([succeeded(runner(1, requests))], { name: 's' }, opts({ parallelism: 1 }));
    const split = mergeRunners([succeeded(runner(1, requests.filter((_, i) => i % 2 === 0))), succeeded(runner(2, requests.filter((_, i) => i % 2 === 1)))], { name: 's' }, opts());
    for (const k of ['requests', 'errorRate', 'rps', 'p50Ms', 'p95Ms', 'p99Ms'] as const) expect(split[k], k).toBe(single[k]);
  });
});

describe('a runner that did not deliver makes the run inconclusive, never a pass', () => {
  const good = succeeded(runner(1, uniform(1000, 10)));
  const expectIncomplete = (reports: RunnerReport[], message: RegExp, over: Partial<MergeOptions> = {}) => {
    let error: unknown;
    try {
      mergeRunners(reports, { name: 'signoff' }, opts(over));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IncompleteLoadError);
    expect((error as Error).message).toMatch(message);
  };

  it('a runner that never started (no pod)', () => expectIncomplete([good], /runner 2: never started/));
  it('a runner stuck pending on an image the node does not have', () =>
    expectIncomplete([good, { index: 2, pod: 'load-2-x', phase: 'Pending', reason: 'ErrImageNeverPull' }], /runner 2 \(pod load-2-x\): never finished \(pod Pending, ErrImageNeverPull\)/));
  it('a runner whose k6 failed (script exception)', () => expectIncomplete([good, { ...succeeded({ ...runner(2, uniform(10, 10)), exitCode: 107 }), phase: 'Failed' }], /runner 2 .*k6 failed \(exit code 107/));
  it('an early exit 103 (stopped through the k6 REST API) counts only when the harness asked the runners to stop', () => {
    const stopped = succeeded({ ...runner(2, uniform(10, 10)), exitCode: 103 });
    expectIncomplete([good, stopped], /exit code 103/);
    expect(mergeRunners([good, stopped], { name: 's' }, opts({ stoppedEarly: true })).requests).toBe(1010);
  });
  it('a runner log cut short (rotated by the kubelet)', () => {
    const cut = succeeded(runner(2, uniform(5000, 10)));
    const lines = cut.log!.split('\n');
    lines.splice(6, 3);
    expectIncomplete([good, { ...cut, log: lines.join('\n') }], /samples.csv.gz: .*the pod log was cut/);
  });
  it('a runner image that is not drillbook\'s (no frame)', () => expectIncomplete([good, { ...succeeded(runner(2, [])), log: 'plain k6 output\n' }], /no exit line/));
  it('lists every runner\'s problem at once', () => {
    let error: unknown;
    try {
      mergeRunners([], { name: 's' }, opts({ parallelism: 3 }));
    } catch (e) {
      error = e;
    }
    expect((error as IncompleteLoadError).problems).toHaveLength(3);
  });
});

describe('the k6-runner wrapper (clusters/images/k6-runner/k6-run.sh) and the parser agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-k6-run-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('frames what a k6 run leaves (extra metrics and columns dropped) so the merge reads it back intact', () => {
    const raw = [
      'metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata',
      `http_reqs,${T0},1,,,,true,,GET,health,HTTP/1.1,default,,200,,,http://x/health,,`,
      `http_req_duration,${T0},12.5,,,,true,,GET,health,HTTP/1.1,default,,200,,,http://x/health,,`,
      `http_req_failed,${T0},0,,,,true,,GET,health,HTTP/1.1,default,,200,,,http://x/health,,`,
      `http_req_duration,${T0 + 400},30,,,,false,,GET,health,HTTP/1.1,default,,503,,,http://x/health,,`,
      `http_req_failed,${T0 + 400},1,,,,false,,GET,health,HTTP/1.1,default,,503,,,http://x/health,,`,
    ].join('\n');
    writeFileSync(join(dir, 'raw.csv.gz'), gzipSync(`${raw}\n`));
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ metrics: {}, state: { testRunDurationMs: 1000 } }));
    const fake = join(dir, 'fake-k6');
    writeFileSync(
      fake,
      `#!/bin/sh\nprev=""\nfor a in "$@"; do case "$a" in csv=*) cp ${dir}/raw.csv.gz "\${a#csv=}";; esac; [ "$prev" = "--summary-export" ] && cp ${dir}/summary.json "$a"; prev="$a"; done\necho 'the end-of-test summary'\nexit 0\n`,
    );
    chmodSync(fake, 0o755);
    const out = execFileSync('sh', [join(RECIPES_DIR, 'k6-runner', 'k6-run.sh'), 'run', '--quiet', '/test/signoff.k6.ts', '--paused'], {
      env: { PATH: process.env.PATH, DRILLBOOK_K6_BIN: fake, DRILLBOOK_SAMPLES: '1', DRILLBOOK_OUT: join(dir, 'out') },
      encoding: 'utf8',
    });
    const frame = parseRunnerLog(out);
    expect(frame.problems).toEqual([]);
    expect(frame.exitCode).toBe(0);
    const r = mergeRunners([{ index: 1, phase: 'Succeeded', log: out }], { name: 's' }, opts({ parallelism: 1 }));
    expect(r).toMatchObject({ requests: 2, errorRate: 0.5, rps: 2 });
    expect(r.p99Ms).toBeCloseTo(29.83, 2);
  });

  it('passes anything but `k6 run` straight to k6 (the initializer\'s archive and inspect)', () => {
    const fake = join(dir, 'echo-k6');
    writeFileSync(fake, '#!/bin/sh\necho "real k6 $*"\n');
    chmodSync(fake, 0o755);
    const out = execFileSync('sh', [join(RECIPES_DIR, 'k6-runner', 'k6-run.sh'), 'archive', '/test/a.ts', '-O', '/tmp/a.tar'], { env: { PATH: process.env.PATH, DRILLBOOK_K6_BIN: fake, DRILLBOOK_SAMPLES: '1' }, encoding: 'utf8' });
    expect(out).toBe('real k6 archive /test/a.ts -O /tmp/a.tar\n');
  });

  it('synthetic logs frame samples as the wrapper does', () => {
    expect(samplesCsv(runner(1, uniform(1, 5))).split('\n')[0]).toBe('metric_name,timestamp,metric_value');
    expect(parseRunnerLog(runnerLog(runner(1, uniform(3, 5)))).problems).toEqual([]);
  });
});
