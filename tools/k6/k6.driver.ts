// The k6 driver behind the LoadGenerator port. It starts the real k6 binary (built by k6.installer.ts) on one
// of the TypeScript load profiles in suites/load/, with a summary export and a CSV time series, and parses both
// into a LoadResult: overall p50/p95/p99, error rate, throughput, thresholds and a per-second series on the
// run's monotonic clock.
//
//   const load = new K6LoadGenerator().withAllowedHosts([containerIp]);
//   await using running = await load.start({ name: 'background', target, vus: 5, durationSeconds: 60, thresholds }, { labels });
//   ... inject a fault ...
//   const result = await running.stop();       // ends it early; running.finished() waits for its bounded end
//
// Verdicts vs harness errors: k6 exit 99 (thresholds crossed) is a verdict (passed=false, failing thresholds
// named); a script that does not load, throws, or a k6 that dies is a ToolFailedError.
import { createReadStream } from 'node:fs';
import { access, appendFile, constants, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { systemClock } from '../../scenarios/clock.ts';
import { InterruptedError, InvalidInputError, ToolFailedError, throwIfAborted } from '../../scenarios/errors.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import type { CallOptions, Clock, Labels, LoadGenerator, LoadProfile, LoadResult, RunningLoad } from '../../scenarios/ports.ts';
import { SeriesBuilder, isSummaryExport, parseSummary, thresholdEnv } from './k6-results.ts';
import { K6_VERSION, k6BinaryPath } from './k6.installer.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LOAD_SCRIPTS_DIR = join(REPO_ROOT, 'suites', 'load');

/** The profiles shipped in suites/load/; more can be registered with withScript(). */
export const BUILTIN_SCRIPTS: Readonly<Record<string, string>> = {
  smoke: join(LOAD_SCRIPTS_DIR, 'smoke.k6.ts'),
  signoff: join(LOAD_SCRIPTS_DIR, 'signoff.k6.ts'),
  background: join(LOAD_SCRIPTS_DIR, 'background.k6.ts'),
};

/** k6 exit codes that matter here (go.k6.io/k6/errext/exitcodes). */
export const K6_EXIT = { ok: 0, thresholdsFailed: 99, externalAbort: 105, scriptException: 107, scriptAborted: 108 } as const;

/** k6 waits this long for in-flight iterations at the end (suites/load/common.k6.ts GRACEFUL_STOP). */
const GRACEFUL_STOP_MS = 3_000;
/** How long start() waits for k6's first completed request. */
const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** Init (compiling the TS script, starting VUs) and writing outputs, on a busy 2-core machine. */
const START_AND_TEARDOWN_MARGIN_MS = 60_000;

export interface K6Limits {
  readonly maxVus: number;
  readonly maxDurationSeconds: number;
}

export interface K6Artifacts {
  readonly dir: string;
  readonly script: string;
  readonly summaryPath: string;
  /** Raw per-sample CSV, gzipped by k6 (~40 bytes a request); removed after parsing unless withRawSamples('keep'). */
  readonly samplesPath: string;
  readonly logPath: string;
}

/** How the k6 process went. No monotonic instants here: the runner rebases only `series` into the journal. */
export interface K6RunInfo {
  readonly version: string;
  readonly exitCode: number;
  /** Stopped by stop() before its bounded end. */
  readonly stoppedEarly: boolean;
  /** k6 start -> k6 exit, ms. */
  readonly durationMs: number;
  readonly artifacts: K6Artifacts;
}

export interface K6LoadResult extends LoadResult {
  readonly k6: K6RunInfo;
}

/** True for 127.0.0.0/8, ::1 and localhost (the only targets allowed without an explicit allow-list). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

export class K6LoadGenerator implements LoadGenerator {
  #k6Path: string = k6BinaryPath();
  #k6Version: string = K6_VERSION;
  #clock: Clock = systemClock;
  #allowedHosts = new Set<string>();
  #outputDir: string | undefined;
  #scripts = new Map<string, string>(Object.entries(BUILTIN_SCRIPTS));
  #limits: K6Limits = { maxVus: 200, maxDurationSeconds: 3600 };
  #env: Record<string, string> = {};
  #keepRawSamples = false;
  #readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS;
  #resolve = new Map<string, string>();
  #trustedCa: string | undefined;

  /** A k6 binary other than the cached pinned build (e.g. from ensureK6()). */
  withK6(path: string, version: string = 'custom'): this {
    this.#k6Path = path;
    this.#k6Version = version;
    return this;
  }

  withClock(clock: Clock): this {
    this.#clock = clock;
    return this;
  }

  /** Hosts (IPs or names) of containers this run created; the only non-loopback targets ever accepted. */
  withAllowedHosts(hosts: Iterable<string>): this {
    for (const h of hosts) this.#allowedHosts.add(h.replace(/^\[|\]$/g, '').toLowerCase());
    return this;
  }

  /**
   * A host name the target uses, resolved to a loopback address (k6's `hosts` option, like curl --resolve): the
   * TLS edge's public name served on a 127.0.0.1 NodePort, so SNI and the certificate's name are the real ones.
   * Only loopback addresses: that is what keeps the target this machine's.
   */
  withResolve(host: string, loopbackAddress: string): this {
    const h = host.toLowerCase();
    if (!/^[a-z0-9.-]+$/.test(h)) throw new InvalidInputError('k6 resolve', [`host '${host}' must be a DNS name`], { hint: 'pass the public host name the certificate is for' });
    if (isIP(loopbackAddress) === 0 || !isLoopbackHost(loopbackAddress)) {
      throw new InvalidInputError('k6 resolve', [`address '${loopbackAddress}' for ${host} is not a loopback IP address`], { hint: 'publish the port on 127.0.0.1 and resolve the name to it' });
    }
    this.#resolve.set(h, loopbackAddress);
    return this;
  }

  /** A PEM CA bundle k6 trusts instead of the system's (SSL_CERT_FILE for k6's Go TLS): e.g. the drill's CA. */
  withTrustedCa(pemPath: string): this {
    this.#trustedCa = pemPath;
    return this;
  }

  /** Where each run's folder (summary, log, samples) goes; default: a temp folder. */
  withOutputDir(dir: string): this {
    this.#outputDir = dir;
    return this;
  }

  withScript(name: string, path: string): this {
    this.#scripts.set(name, path);
    return this;
  }

  withLimits(limits: Partial<K6Limits>): this {
    this.#limits = { ...this.#limits, ...limits };
    return this;
  }

  /** Extra k6 env for the scripts (RATE, WRITE_PATH, THINK_MS, REQUEST_TIMEOUT_MS...). */
  withEnv(env: Record<string, string>): this {
    this.#env = { ...this.#env, ...env };
    return this;
  }

  /** How long start() waits for the first completed request; 0 returns right after spawning k6. */
  withReadyTimeout(ms: number): this {
    this.#readyTimeoutMs = ms;
    return this;
  }

  withRawSamples(mode: 'keep' | 'discard'): this {
    this.#keepRawSamples = mode === 'keep';
    return this;
  }

  validate(profile: LoadProfile): string[] {
    const problems: string[] = [];
    if (!this.#scripts.has(profile.name)) {
      problems.push(`unknown load profile "${profile.name}" (known: ${[...this.#scripts.keys()].join(', ')}); register a script with withScript()`);
    }
    let url: URL | undefined;
    try {
      url = new URL(profile.target);
    } catch {
      problems.push(`target "${profile.target}" is not a URL (expected e.g. http://127.0.0.1:8080)`);
    }
    if (url) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`target "${profile.target}" must be http(s)`);
      const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
      if (!isLoopbackHost(host) && !this.#allowedHosts.has(host) && !this.#resolve.has(host)) {
        problems.push(
          `target host "${host}" is neither loopback (127.0.0.0/8, ::1, localhost) nor a container this run created; ` +
            'publish the port on 127.0.0.1, or pass the container address with withAllowedHosts()',
        );
      }
    }
    const { maxVus, maxDurationSeconds } = this.#limits;
    if (!Number.isInteger(profile.vus) || profile.vus < 1 || profile.vus > maxVus) {
      problems.push(`vus must be an integer in 1..${maxVus}, got ${profile.vus}`);
    }
    if (!Number.isFinite(profile.durationSeconds) || profile.durationSeconds <= 0 || profile.durationSeconds > maxDurationSeconds) {
      problems.push(`durationSeconds must be in (0, ${maxDurationSeconds}], got ${profile.durationSeconds}`);
    }
    const t = profile.thresholds;
    if (!(t.p95Ms > 0)) problems.push(`thresholds.p95Ms must be > 0, got ${t.p95Ms}`);
    if (!(t.p99Ms > 0)) problems.push(`thresholds.p99Ms must be > 0, got ${t.p99Ms}`);
    if (!(t.errorRate >= 0 && t.errorRate <= 1)) problems.push(`thresholds.errorRate must be in 0..1, got ${t.errorRate}`);
    if (t.minRps !== undefined && !(t.minRps >= 0)) problems.push(`thresholds.minRps must be >= 0, got ${t.minRps}`);
    return problems;
  }

  async start(profile: LoadProfile, options: CallOptions & { labels: Labels }): Promise<K6RunningLoad> {
    const problems = this.validate(profile);
    if (problems.length > 0) {
      throw new InvalidInputError(`load profile "${profile.name}"`, problems, { hint: 'fix the profile; nothing was started' });
    }
    throwIfAborted(options.signal, `starting load "${profile.name}"`);
    try {
      await access(this.#k6Path, constants.X_OK);
    } catch (cause) {
      throw new ToolFailedError('k6', `no k6 binary at ${this.#k6Path}`, {
        cause,
        hint: 'build it with `bash tools/setup/30-k6.sh` (go install into the cache), or call ensureK6() first',
      });
    }
    const script = this.#scripts.get(profile.name)!;
    const base = this.#outputDir ?? join(tmpdir(), 'drillbook-k6');
    await mkdir(base, { recursive: true });
    const dir = await mkdtemp(join(base, `${profile.name}-`));
    const artifacts: K6Artifacts = {
      dir,
      script,
      summaryPath: join(dir, 'summary.json'),
      samplesPath: join(dir, 'samples.csv.gz'),
      logPath: join(dir, 'k6.log'),
    };
    const env: Record<string, string> = {
      ...this.#env,
      TARGET: profile.target,
      VUS: String(profile.vus),
      DURATION: String(profile.durationSeconds),
      ...thresholdEnv(profile.thresholds),
      ...(this.#resolve.size > 0 ? { RESOLVE: [...this.#resolve].map(([h, a]) => `${h}=${a}`).join(',') } : {}),
    };
    const args = [
      'run',
      '--no-usage-report',
      '--quiet',
      '--no-color',
      '--summary-export',
      artifacts.summaryPath,
      '--summary-trend-stats',
      'avg,min,med,max,p(90),p(95),p(99)',
      '--out',
      `csv=${artifacts.samplesPath}`,
      // k6 writes ~13 rows per request: keep the tags on each row few (the run's labels go to labels.json,
      // not on every row) and let k6 gzip the file
      '--system-tags',
      'status,name,expected_response,error_code',
      ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      script,
    ];
    await writeFile(join(dir, 'labels.json'), `${JSON.stringify({ ...options.labels, 'drillbook.io/load-profile': profile.name }, null, 2)}\n`);
    // k6's REST API on a free loopback port: how start() knows the load reaches the target (and never clashes
    // with another k6 on the default 6565)
    const apiPort = await freeLoopbackPort();
    args.splice(1, 0, '--address', `127.0.0.1:${apiPort}`);
    const hardLimitMs = profile.durationSeconds * 1000 + GRACEFUL_STOP_MS + START_AND_TEARDOWN_MARGIN_MS;
    // k6 logs errors only, straight into the log file: an outage would otherwise log a warning per failed
    // request (100 MB in 2.5 minutes at ~850 req/s, which once filled execa's buffer and killed k6 with
    // SIGPIPE); the per-second series already records every failure. What k6 still prints (the end-of-test
    // summary, errors before its logger starts) is appended to the same file, never buffered here.
    args.splice(1, 0, '--log-output', `file=${artifacts.logPath},level=error`);
    const commandLine = [this.#k6Path, ...args].join(' ');
    await writeFile(artifacts.logPath, `$ ${commandLine}\n`);
    const offsetMs = this.#clock.now() - this.#clock.wallNow();
    const startedAtMs = this.#clock.now();
    const child = execa(this.#k6Path, args, {
      reject: false,
      cancelSignal: options.signal,
      timeout: hardLimitMs,
      // k6 treats SIGTERM/SIGINT as "stop gracefully and write the summary"; SIGKILL 5 s later if it hangs.
      killSignal: 'SIGTERM',
      forceKillAfterDelay: 5_000,
      env: { K6_CSV_TIME_FORMAT: 'unix_milli', K6_NO_USAGE_REPORT: 'true', K6_NO_COLOR: 'true', ...(this.#trustedCa ? { SSL_CERT_FILE: this.#trustedCa } : {}) },
      cwd: dir,
      stdin: 'ignore',
      stdout: { file: artifacts.logPath, append: true },
      stderr: { file: artifacts.logPath, append: true },
      buffer: false,
    });
    const running = new K6RunningLoad({
      profile,
      child,
      clock: this.#clock,
      artifacts,
      offsetMs,
      startedAtMs,
      hardLimitMs,
      k6Version: this.#k6Version,
      keepRawSamples: this.#keepRawSamples,
      apiUrl: `http://127.0.0.1:${apiPort}`,
    });
    if (this.#readyTimeoutMs > 0) {
      try {
        await running.ready({ timeoutMs: this.#readyTimeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
      } catch (error) {
        await running[Symbol.asyncDispose]();
        throw error;
      }
    }
    return running;
  }
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, released immediately). */
async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('no port assigned'))));
    });
  });
}

async function tail(path: string, bytes = 64 * 1024): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.length > bytes ? text.slice(-bytes) : text;
  } catch {
    return '';
  }
}

type K6Child = ResultPromise<{ stdin: 'ignore'; stdout: { file: string; append: true }; stderr: { file: string; append: true }; buffer: false; reject: false }>;

interface RunningInit {
  profile: LoadProfile;
  child: K6Child;
  clock: Clock;
  artifacts: K6Artifacts;
  offsetMs: number;
  startedAtMs: number;
  hardLimitMs: number;
  k6Version: string;
  keepRawSamples: boolean;
  /** k6's REST API (GET /v1/metrics/http_reqs) */
  apiUrl: string;
}

export class K6RunningLoad implements RunningLoad, AsyncDisposable {
  readonly profile: LoadProfile;
  readonly artifacts: K6Artifacts;
  readonly startedAtMs: number;
  readonly #init: RunningInit;
  #stopRequested = false;
  #disposed = false;
  #result: Promise<K6LoadResult> | undefined;
  #exited = false;
  #endedAtMs: number | undefined;

  constructor(init: RunningInit) {
    this.#init = init;
    this.profile = init.profile;
    this.artifacts = init.artifacts;
    this.startedAtMs = init.startedAtMs;
    // keep an exit marker without consuming errors (execa with reject:false never rejects on exit codes)
    void init.child.then(
      () => (this.#exited = true),
      () => (this.#exited = true),
    );
  }

  /** When k6 exited (monotonic ms on the driver's clock), once the result was collected. */
  get endedAtMs(): number | undefined {
    return this.#endedAtMs;
  }

  /** k6 still running? */
  get running(): boolean {
    return !this.#exited;
  }

  /**
   * Waits until k6 has completed its first request against the target (k6 needs ~1 s to compile the script
   * and start VUs). start() calls it, so a fault injected after start() always has load before it.
   * A k6 that exits meanwhile (broken script) surfaces here as its ToolFailedError.
   */
  async ready(options: CallOptions & { timeoutMs?: number } = {}): Promise<void> {
    const apiUrl = this.#init.apiUrl;
    const state = await waitFor(
      this.#init.clock,
      condition(`k6 load "${this.profile.name}" sending requests to ${this.profile.target}`, async (signal) => {
        if (this.#exited) return { ok: true, value: 'exited' as const };
        const res = await fetch(`${apiUrl}/v1/metrics/http_reqs`, { signal });
        if (!res.ok) return { ok: false, value: `k6 API answered ${res.status} (no request completed yet)` };
        const body = (await res.json()) as { data?: { attributes?: { sample?: { count?: number } } } };
        const count = body.data?.attributes?.sample?.count ?? 0;
        return { ok: count > 0, value: count > 0 ? ('flowing' as const) : `${count} requests` };
      }),
      {
        timeoutMs: options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
        intervalMs: 100,
        ...(options.signal ? { signal: options.signal } : {}),
        hint: `k6 did not complete a request in time; see ${this.artifacts.logPath}`,
      },
    );
    if (state === 'exited') await this.finished(options);
  }

  /** Resolves when the k6 process has exited (before its output is parsed). */
  exited(): Promise<void> {
    return this.#init.child.then(
      () => undefined,
      () => undefined,
    );
  }

  /** The k6 process id (for the bench's CPU accounting). */
  get pid(): number | undefined {
    return this.#init.child.pid;
  }

  /** Ends the load now (graceful: k6 finishes in-flight requests and writes its summary) and parses the result. */
  async stop(options: CallOptions = {}): Promise<K6LoadResult> {
    if (!this.#exited && !this.#stopRequested) {
      this.#stopRequested = true;
      this.#init.child.kill('SIGINT');
    }
    return this.finished(options);
  }

  /** Waits for the bounded end of the load and parses the result. Safe to call repeatedly. */
  finished(options: CallOptions = {}): Promise<K6LoadResult> {
    this.#result ??= this.#collect();
    const signal = options.signal;
    if (!signal) return this.#result;
    if (signal.aborted) {
      this.#init.child.kill('SIGKILL');
      return Promise.reject(new InterruptedError(`load "${this.profile.name}" interrupted`, { cause: signal.reason }));
    }
    return new Promise<K6LoadResult>((resolvePromise, reject) => {
      const onAbort = () => {
        this.#init.child.kill('SIGKILL');
        reject(new InterruptedError(`load "${this.profile.name}" interrupted`, { cause: signal.reason }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#result!.then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolvePromise(r);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  async #collect(): Promise<K6LoadResult> {
    const { child, clock, artifacts, profile } = this.#init;
    const outcome = await child;
    const endedAtMs = clock.now();
    this.#endedAtMs = endedAtMs;
    const exitCode = outcome.exitCode ?? -1;
    const exitLine = `[drillbook] k6 exit code ${exitCode}${outcome.signal ? `, signal ${outcome.signal}` : ''}${this.#stopRequested ? ', stop requested' : ''}`;
    await appendFile(artifacts.logPath, `${exitLine}\n`).catch(() => undefined);
    const output = await tail(artifacts.logPath);
    const stoppedEarly = this.#stopRequested;
    const verdictExit = exitCode === K6_EXIT.ok || exitCode === K6_EXIT.thresholdsFailed;
    // An early stop we asked for ends with k6's "external abort" code; the summary is still written.
    const stoppedByUs = stoppedEarly && (exitCode === K6_EXIT.externalAbort || outcome.signal === 'SIGINT');
    if (outcome.isCanceled) {
      throw new InterruptedError(`load "${profile.name}" interrupted; k6 log: ${artifacts.logPath}`, { cause: outcome });
    }
    if (outcome.timedOut) {
      throw new ToolFailedError('k6', `run of "${profile.name}" exceeded its hard limit of ${this.#init.hardLimitMs} ms and was killed`, {
        exitCode,
        stderr: output,
        hint: `k6 should stop by itself after DURATION + ${GRACEFUL_STOP_MS} ms; see ${artifacts.logPath}`,
      });
    }
    if (!verdictExit && !stoppedByUs) {
      throw new ToolFailedError('k6', `run of "${profile.name}" failed with exit code ${exitCode}${outcome.signal ? ` (${outcome.signal})` : ''}`, {
        exitCode,
        stderr: output,
        hint:
          exitCode === K6_EXIT.scriptException || exitCode === K6_EXIT.scriptAborted
            ? `the load script ${artifacts.script} is broken or aborted; check it with \`npx tsc -p suites/load\` and the log ${artifacts.logPath}`
            : `see the k6 log ${artifacts.logPath}`,
      });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(artifacts.summaryPath, 'utf8'));
    } catch (cause) {
      throw new ToolFailedError('k6', `exited ${exitCode} but left no readable summary at ${artifacts.summaryPath}`, { cause, stderr: output });
    }
    if (!isSummaryExport(raw)) throw new ToolFailedError('k6', `summary ${artifacts.summaryPath} has no "metrics" object`, { stderr: output });
    const summary = parseSummary(raw, profile.thresholds);
    const builder = new SeriesBuilder({ offsetMs: this.#init.offsetMs, originMs: this.#init.startedAtMs });
    try {
      const lines = createInterface({ input: createReadStream(artifacts.samplesPath).pipe(createGunzip()), crlfDelay: Infinity });
      for await (const line of lines) builder.addLine(line);
    } catch (cause) {
      throw new ToolFailedError('k6', `could not read the time series ${artifacts.samplesPath}`, { cause, stderr: output });
    }
    if (!this.#init.keepRawSamples) await rm(artifacts.samplesPath, { force: true });
    const series = builder.build();
    const thresholdsOk = summary.thresholds.every((t) => t.ok);
    if (exitCode === K6_EXIT.thresholdsFailed && thresholdsOk) {
      throw new ToolFailedError('k6', 'exited 99 (thresholds failed) but its summary shows every drillbook threshold held', {
        exitCode,
        stderr: output,
        hint: `the script ${artifacts.script} declares thresholds the driver does not know; keep them in suites/load/common.k6.ts`,
      });
    }
    return {
      profile: profile.name,
      requests: summary.requests,
      errorRate: summary.errorRate,
      rps: summary.rps,
      p50Ms: summary.p50Ms,
      p95Ms: summary.p95Ms,
      p99Ms: summary.p99Ms,
      thresholds: summary.thresholds,
      passed: thresholdsOk && exitCode !== K6_EXIT.thresholdsFailed,
      series,
      k6: { version: this.#init.k6Version, exitCode, stoppedEarly, durationMs: Math.round(endedAtMs - this.#init.startedAtMs), artifacts },
    };
  }

  /** Kills k6 if it still runs (no result); safe twice. Artifacts stay on disk as evidence. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    if (!this.#exited) {
      this.#stopRequested = true;
      this.#init.child.kill('SIGINT');
    }
    await this.#init.child.catch(() => undefined);
    // settle a pending collection so it cannot surface as an unhandled rejection later
    await this.#result?.catch(() => undefined);
  }
}
