// One verdict across k6-operator runners. Each runner of a TestRun sees only its execution segment; its own k6
// verdict (and its own p95, error rate and requests/s) says nothing about the run. What the runners leave behind
// (clusters/images/k6-runner/k6-run.sh prints it, framed and checksummed, on the pod's stdout) is parsed here and
// merged: the quantiles over ALL requests (the raw durations of every runner, sorted together; never an average
// of per-runner p95s), the error rate over all requests, requests/s summed, one per-second series, and the
// thresholds evaluated on those merged numbers. A runner that failed, never started or left damaged data makes
// the run inconclusive: IncompleteLoadError, never a result that could pass.
//
// Pure apart from gunzip: unit tests feed recorded or synthetic runner logs through the same code as the driver.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { ToolFailedError } from '../../scenarios/errors.ts';
import type { LoadProfile, LoadResult, ThresholdResult, Thresholds } from '../../scenarios/ports.ts';
import { SeriesBuilder, isSummaryExport, percentile, thresholdSpecs, type SummaryExport } from './k6-results.ts';

// ---------------------------------------------------------------- the frame a runner prints

export const FRAME = { file: '@@drillbook-file', end: '@@drillbook-end', missing: '@@drillbook-missing', exit: '@@drillbook-exit' } as const;
/** The three columns the wrapper keeps, in this order. */
export const SAMPLES_HEADER = 'metric_name,timestamp,metric_value';

export interface RunnerFrame {
  /** k6's exit code as the wrapper saw it; null when the frame never reached its end (pod killed, log cut). */
  readonly exitCode: number | null;
  readonly files: ReadonlyMap<string, Buffer>;
  /** Why the frame cannot be trusted (checksum mismatch, truncated section...); empty when whole. */
  readonly problems: readonly string[];
}

/**
 * Reads the frames out of a runner pod's log (k6's own lines around them are ignored):
 *   @@drillbook-file <name> <bytes> <sha256>  / base64 lines /  @@drillbook-end <name>   ...   @@drillbook-exit <code>
 */
export function parseRunnerLog(log: string): RunnerFrame {
  const files = new Map<string, Buffer>();
  const problems: string[] = [];
  let exitCode: number | null = null;
  let open: { name: string; bytes: number; sha256: string; chunks: string[] } | null = null;
  for (const raw of log.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (open) {
      if (line === `${FRAME.end} ${open.name}`) {
        const data = Buffer.from(open.chunks.join(''), 'base64');
        const sum = createHash('sha256').update(data).digest('hex');
        if (data.length !== open.bytes || sum !== open.sha256) {
          problems.push(`${open.name}: ${data.length} bytes with sha256 ${sum.slice(0, 12)}…, the runner wrote ${open.bytes} bytes with ${open.sha256.slice(0, 12)}… (the pod log was cut or rotated)`);
        } else files.set(open.name, data);
        open = null;
      } else if (/^[A-Za-z0-9+/=]*$/.test(line)) open.chunks.push(line);
      else {
        problems.push(`${open.name}: unexpected line inside its section: ${JSON.stringify(line.slice(0, 80))}`);
        open = null;
      }
      continue;
    }
    if (line.startsWith(`${FRAME.file} `)) {
      const [, name = '', bytes = '', sha256 = ''] = line.split(' ');
      open = { name, bytes: Number(bytes), sha256, chunks: [] };
    } else if (line.startsWith(`${FRAME.missing} `)) problems.push(`${line.slice(FRAME.missing.length + 1)}: the runner did not produce it`);
    else if (line.startsWith(`${FRAME.exit} `)) exitCode = Number(line.slice(FRAME.exit.length + 1));
  }
  if (open) problems.push(`${open.name}: section never ended (the pod log was cut)`);
  if (exitCode === null || !Number.isInteger(exitCode)) {
    exitCode = null;
    problems.push('no exit line: the wrapper never finished (runner killed, or not drillbook\'s k6-runner image)');
  }
  return { exitCode, files, problems };
}

// ---------------------------------------------------------------- what the collection port returns

/** One runner as the cluster reports it (the collection port's answer), before any parsing. */
export interface RunnerReport {
  /** 1..parallelism, as k6-operator numbers runners (`<testrun>-<i>`). */
  readonly index: number;
  readonly pod?: string;
  /** Pod phase; 'Missing' when no pod was ever created for this index. */
  readonly phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown' | 'Missing';
  /** The k6 container's exit code, when it terminated. */
  readonly containerExitCode?: number;
  /** Why it is not running (ErrImageNeverPull, Unschedulable...), from the pod's status. */
  readonly reason?: string;
  /** The pod's log (stdout+stderr of the k6 container); undefined when it could not be read. */
  readonly log?: string;
}

/** k6 exit codes a runner may end with and still count: 0, and 103 (ScriptStoppedFromRESTAPI) when the harness stopped it. */
const OK_EXIT = 0;
const STOPPED_EXIT = 103;

export interface RunnerStats {
  readonly index: number;
  readonly pod: string | undefined;
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly rps: number;
  readonly p95Ms: number | null;
  readonly testRunDurationMs: number;
}

export interface MergedLoadResult extends LoadResult {
  /** Each runner's own numbers: evidence of what the merge did, never the verdict. */
  readonly runners: readonly RunnerStats[];
  /** The window requests/s is computed over (ms): the longest runner's k6 test-run duration plus startSkewMs. */
  readonly durationMs: number;
  /** How much later the last runner's first request came than the first runner's (ms). */
  readonly startSkewMs: number;
}

export class IncompleteLoadError extends ToolFailedError {
  override name = 'IncompleteLoadError';
  readonly problems: readonly string[];
  constructor(testRun: string, problems: readonly string[], options: { hint?: string } = {}) {
    super('k6-operator', `TestRun ${testRun} is inconclusive: not every runner delivered its data\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      hint: options.hint ?? 'the merged verdict needs every runner; see the runner pods\' logs and events (kubectl -n <ns> describe pod -l k6_cr=<testrun>)',
    });
    this.problems = problems;
  }
}

export interface MergeOptions {
  readonly testRun: string;
  readonly parallelism: number;
  readonly thresholds: Thresholds;
  /** clock.now() - clock.wallNow() at the start: runner timestamps (epoch ms) onto the run's monotonic clock. */
  readonly offsetMs: number;
  /** Monotonic ms the series' seconds are counted from. */
  readonly originMs: number;
  /** The harness stopped the runners early (their exit code 103, stopped from the REST API, is then expected). */
  readonly stoppedEarly?: boolean;
}

interface RunnerData {
  readonly report: RunnerReport;
  readonly samples: Buffer;
  readonly summary: SummaryExport;
}

/** Checks every runner 1..parallelism delivered a whole frame with samples and a summary; lists every problem at once. */
export function runnerData(reports: readonly RunnerReport[], options: Pick<MergeOptions, 'testRun' | 'parallelism' | 'stoppedEarly'>): RunnerData[] {
  const problems: string[] = [];
  const data: RunnerData[] = [];
  for (let index = 1; index <= options.parallelism; index++) {
    const matching = reports.filter((r) => r.index === index);
    const report = matching[0];
    const who = `runner ${index}${report?.pod ? ` (pod ${report.pod})` : ''}`;
    if (matching.length > 1) problems.push(`runner ${index}: ${matching.length} pods (${matching.map((r) => r.pod).join(', ')}); a retried runner ran its segment twice`);
    if (!report || report.phase === 'Missing') {
      problems.push(`runner ${index}: never started (no pod)${report?.reason ? `: ${report.reason}` : ''}`);
      continue;
    }
    if (report.phase !== 'Succeeded' && report.phase !== 'Failed') {
      problems.push(`${who}: never finished (pod ${report.phase}${report.reason ? `, ${report.reason}` : ''})`);
      continue;
    }
    if (report.log === undefined) {
      problems.push(`${who}: its log could not be read`);
      continue;
    }
    const frame = parseRunnerLog(report.log);
    const allowed = options.stoppedEarly ? [OK_EXIT, STOPPED_EXIT] : [OK_EXIT];
    const exit = frame.exitCode ?? report.containerExitCode;
    if (exit === undefined || exit === null || !allowed.includes(exit)) {
      problems.push(`${who}: k6 failed (exit code ${exit ?? 'unknown'}${report.reason ? `, ${report.reason}` : ''})${k6ErrorTail(frame)}`);
    }
    for (const p of frame.problems) problems.push(`${who}: ${p}`);
    const samples = frame.files.get('samples.csv.gz');
    const rawSummary = frame.files.get('summary.json');
    let summary: unknown;
    try {
      summary = rawSummary ? JSON.parse(rawSummary.toString('utf8')) : undefined;
    } catch {
      problems.push(`${who}: summary.json is not JSON`);
    }
    if (!samples) problems.push(`${who}: no samples`);
    if (rawSummary && !isSummaryExport(summary)) problems.push(`${who}: summary.json has no "metrics" object`);
    if (samples && isSummaryExport(summary)) data.push({ report, samples, summary });
  }
  for (const r of reports) if (r.index < 1 || r.index > options.parallelism) problems.push(`runner ${r.index} (pod ${r.pod ?? '?'}): not one of 1..${options.parallelism}`);
  if (problems.length > 0) throw new IncompleteLoadError(options.testRun, problems);
  return data;
}

function k6ErrorTail(frame: RunnerFrame): string {
  const log = frame.files.get('k6.log')?.toString('utf8').trim();
  if (!log) return '';
  return `; k6 log: ${log.split('\n').slice(-3).join(' | ').slice(0, 400)}`;
}

/** A growable Float64Array: a million durations cost 8 MB, not a million boxed numbers. */
class Durations {
  #data = new Float64Array(4096);
  length = 0;
  push(v: number): void {
    if (this.length === this.#data.length) {
      const next = new Float64Array(this.#data.length * 2);
      next.set(this.#data);
      this.#data = next;
    }
    this.#data[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.#data.slice(0, this.length).sort();
  }
}

const round2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

/**
 * The merge: every runner's samples into one set of durations, one error count and one per-second series;
 * the thresholds judged on them. Throws IncompleteLoadError unless all `parallelism` runners delivered.
 */
export function mergeRunners(reports: readonly RunnerReport[], profile: Pick<LoadProfile, 'name'>, options: MergeOptions): MergedLoadResult {
  const data = runnerData(reports, options);
  const series = new SeriesBuilder({ offsetMs: options.offsetMs, originMs: options.originMs });
  const all = new Durations();
  let failedRows = 0;
  let errors = 0;
  let durationMs = 0;
  /** Each runner's first completed request (epoch ms): how far apart the starter set them going. */
  const firstRequests: number[] = [];
  const problems: string[] = [];
  const runners: RunnerStats[] = [];
  for (const { report, samples, summary } of data) {
    let text: string;
    try {
      text = gunzipSync(samples).toString('utf8');
    } catch (cause) {
      problems.push(`runner ${report.index}: samples are not gzip (${(cause as Error).message})`);
      continue;
    }
    const lines = text.split('\n');
    if (lines[0] !== SAMPLES_HEADER) {
      problems.push(`runner ${report.index}: samples start with ${JSON.stringify(lines[0]?.slice(0, 80))}, expected ${SAMPLES_HEADER}`);
      continue;
    }
    const own = new Durations();
    let ownFailedRows = 0;
    let ownErrors = 0;
    let ownFirstMs = Number.POSITIVE_INFINITY;
    series.addLine(SAMPLES_HEADER); // the header once per runner: later ones are ignored as non-metric rows
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      const first = line.indexOf(',');
      const second = line.indexOf(',', first + 1);
      const metric = line.slice(0, first);
      const value = Number(line.slice(second + 1));
      if (!Number.isFinite(value)) continue;
      if (metric === 'http_req_duration') {
        own.push(value);
        all.push(value);
        const at = Number(line.slice(first + 1, second));
        if (at < ownFirstMs) ownFirstMs = at;
      } else if (metric === 'http_req_failed') {
        ownFailedRows++;
        if (value > 0) ownErrors++;
      } else continue;
      series.addLine(line);
    }
    failedRows += ownFailedRows;
    errors += ownErrors;
    const runnerMs = testRunDurationMs(summary);
    durationMs = Math.max(durationMs, runnerMs);
    if (Number.isFinite(ownFirstMs)) firstRequests.push(ownFirstMs);
    runners.push({
      index: report.index,
      pod: report.pod,
      requests: own.length,
      errors: ownErrors,
      errorRate: ownFailedRows > 0 ? ownErrors / ownFailedRows : 0,
      rps: runnerMs > 0 ? own.length / (runnerMs / 1000) : 0,
      p95Ms: round2(percentile(own.sorted(), 95)),
      testRunDurationMs: runnerMs,
    });
  }
  // The starter resumes the runners one curl after another: together they spanned the longest run plus how much
  // later the last one started. Without that, a late runner's requests would count over a window too short.
  const startSkewMs = firstRequests.length > 1 ? Math.min(durationMs, Math.max(...firstRequests) - Math.min(...firstRequests)) : 0;
  durationMs += startSkewMs;
  if (durationMs <= 0 && all.length > 0) problems.push('no runner reported its test-run duration (summary.json http_reqs count/rate): requests/s cannot be computed');
  if (problems.length > 0) throw new IncompleteLoadError(options.testRun, problems);

  const sorted = all.sorted();
  const requests = sorted.length;
  const errorRate = failedRows > 0 ? errors / failedRows : 0;
  const rps = requests === 0 ? 0 : requests / (durationMs / 1000);
  const p50Ms = round2(percentile(sorted, 50));
  const p95Ms = round2(percentile(sorted, 95));
  const p99Ms = round2(percentile(sorted, 99));
  const thresholds = judge(options.thresholds, { p95Ms, p99Ms, errorRate: failedRows > 0 ? errorRate : null, rps });
  return {
    profile: profile.name,
    requests,
    errorRate,
    rps: Math.round(rps * 1000) / 1000,
    p50Ms,
    p95Ms,
    p99Ms,
    thresholds,
    passed: thresholds.every((t) => t.ok),
    series: series.build(),
    runners: runners.sort((a, b) => a.index - b.index),
    durationMs,
    startSkewMs,
  };
}

/**
 * k6's own test-run duration of one runner, ms (paused time excluded: runners wait paused for the starter).
 * k6 v1.8's --summary-export has no `state`; its http_reqs rate is count / test-run duration, so the duration is
 * count / rate. 0 when the runner completed no request (its duration does not matter then).
 */
export function testRunDurationMs(summary: SummaryExport): number {
  const stated = Number(summary.state?.testRunDurationMs);
  if (Number.isFinite(stated) && stated > 0) return stated;
  const reqs = summary.metrics['http_reqs'] ?? {};
  const count = Number(reqs['count']);
  const rate = Number(reqs['rate']);
  return Number.isFinite(count) && Number.isFinite(rate) && count > 0 && rate > 0 ? (count / rate) * 1000 : 0;
}

/** The thresholds on merged numbers (names and limits as the local k6 driver reports them). No value is no pass. */
export function judge(t: Thresholds, merged: { p95Ms: number | null; p99Ms: number | null; errorRate: number | null; rps: number }): ThresholdResult[] {
  return thresholdSpecs(t).map((spec): ThresholdResult => {
    const actual = spec.stat === 'p(95)' ? merged.p95Ms : spec.stat === 'p(99)' ? merged.p99Ms : spec.stat === 'value' ? merged.errorRate : merged.rps;
    const ok = actual !== null && (spec.direction === 'below' ? actual < spec.limit : actual > spec.limit);
    return { name: spec.name, limit: spec.limit, actual, ok };
  });
}
