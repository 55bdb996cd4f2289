// Synthetic k6-operator runner logs, framed exactly as clusters/images/k6-runner/k6-run.sh frames them (the
// wrapper test checks the two agree): what the collection port hands the merge in unit tests.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { FRAME, SAMPLES_HEADER, type RunnerReport } from '../k6-operator.merge.ts';

export interface SyntheticRunner {
  readonly index: number;
  /** One entry per request: its duration (ms) and whether it failed. */
  readonly requests: readonly { readonly ms: number; readonly failed?: boolean }[];
  /** Epoch ms of the first request; the rest are spread evenly over `testRunDurationMs`. */
  readonly startEpochMs: number;
  readonly testRunDurationMs: number;
  readonly exitCode?: number;
}

function section(name: string, data: Buffer): string {
  const b64 = data.toString('base64').replace(/.{1,76}/g, '$&\n');
  return `${FRAME.file} ${name} ${data.length} ${createHash('sha256').update(data).digest('hex')}\n${b64}${FRAME.end} ${name}\n`;
}

export function samplesCsv(r: SyntheticRunner): string {
  const step = r.requests.length > 1 ? r.testRunDurationMs / r.requests.length : 0;
  const rows = r.requests.flatMap((q, i) => {
    const t = Math.round(r.startEpochMs + i * step);
    return [`http_req_duration,${t},${q.ms}`, `http_req_failed,${t},${q.failed ? 1 : 0}`];
  });
  return `${[SAMPLES_HEADER, ...rows].join('\n')}\n`;
}

export function runnerLog(r: SyntheticRunner): string {
  // as k6 v1.8's --summary-export writes it: no `state`; the test-run duration is only in count / rate
  const summary = { metrics: { http_reqs: { count: r.requests.length, rate: r.requests.length / (r.testRunDurationMs / 1000) } }, root_group: {} };
  return (
    'time="..." level=info msg="k6 output before the frame is ignored"\n' +
    section('summary.json', Buffer.from(JSON.stringify(summary))) +
    section('samples.csv.gz', gzipSync(samplesCsv(r))) +
    `${FRAME.exit} ${r.exitCode ?? 0}\n`
  );
}

export function succeeded(r: SyntheticRunner): RunnerReport {
  return { index: r.index, pod: `load-${r.index}-abcde`, phase: 'Succeeded', containerExitCode: r.exitCode ?? 0, log: runnerLog(r) };
}

/** `count` requests of `ms` each, `failures` of them failed (spread through the run). */
export function uniform(count: number, ms: number, failures = 0): { ms: number; failed?: boolean }[] {
  const every = failures > 0 ? Math.floor(count / failures) : 0;
  return Array.from({ length: count }, (_, i) => ({ ms, failed: every > 0 && i % every === 0 && i / every < failures }));
}
