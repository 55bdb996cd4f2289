// Shared by the load profiles: parameters come from k6 env vars (`k6 run -e NAME=value`), so nightly can run
// shorter and every suite can override thresholds. Bad parameters throw in the init context: k6 exits with a
// script error, which the driver reports as a harness error (never as a failed verdict).
import http from 'k6/http';
import { check } from 'k6';
import type { Options } from 'k6/options';

export function envString(name: string, fallback?: string): string {
  const raw = __ENV[name];
  if (raw !== undefined && raw !== '') return raw;
  if (fallback !== undefined) return fallback;
  throw new Error(`env ${name} is required (pass it with: k6 run -e ${name}=...)`);
}

export function envNumber(name: string, fallback?: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`env ${name} is required (pass it with: k6 run -e ${name}=...)`);
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`env ${name} must be a non-negative number, got "${raw}"`);
  return value;
}

/** Base URL without a trailing slash, e.g. http://127.0.0.1:8080 */
export function target(): string {
  const url = envString('TARGET');
  if (!/^https?:\/\//.test(url)) throw new Error(`env TARGET must be an http(s) URL, got "${url}"`);
  return url.replace(/\/+$/, '');
}

/**
 * Thresholds from env, defaults from PRODUCTION_SIGN_OFF.md: p95 < 200 ms, p99 < 500 ms, errors < 0.1 %,
 * throughput > 100 req/s (MIN_RPS=0 disables the throughput threshold, e.g. for the background load).
 */
export function thresholds(defaults: { minRps: number } = { minRps: 100 }): NonNullable<Options['thresholds']> {
  const p95 = envNumber('P95_MS', 200);
  const p99 = envNumber('P99_MS', 500);
  const errorRate = envNumber('ERROR_RATE', 0.001);
  const minRps = envNumber('MIN_RPS', defaults.minRps);
  const result: NonNullable<Options['thresholds']> = {
    http_req_duration: [`p(95)<${p95}`, `p(99)<${p99}`],
    http_req_failed: [`rate<${errorRate}`],
  };
  if (minRps > 0) result['http_reqs'] = [`rate>${minRps}`];
  return result;
}

/**
 * k6's `hosts` from RESOLVE=name=127.0.0.1[,name2=...] (the driver's withResolve): the target's host name resolved
 * to a loopback address, so TLS sees the real name (SNI, certificate) while the port is published on 127.0.0.1.
 */
export function resolvedHosts(): Record<string, string> {
  const raw = __ENV.RESOLVE ?? '';
  const hosts: Record<string, string> = {};
  for (const pair of raw.split(',').filter(Boolean)) {
    const [name, address] = pair.split('=');
    if (!name || !address || !/^127\./.test(address)) throw new Error(`env RESOLVE must be name=127.x.y.z[,...], got "${raw}"`);
    hosts[name] = address;
  }
  return hosts;
}

/** The run is bounded: DURATION in seconds, plus a short graceful stop for in-flight iterations. */
export function durationSeconds(fallback: number): string {
  const seconds = envNumber('DURATION', fallback);
  if (seconds <= 0 || seconds > 3600) throw new Error(`env DURATION must be in (0, 3600] seconds, got ${seconds}`);
  return `${seconds}s`;
}

export const GRACEFUL_STOP = '3s';
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'];

export function requestParams(name: string): { timeout: string; tags: { name: string } } {
  return { timeout: `${envNumber('REQUEST_TIMEOUT_MS', 5000)}ms`, tags: { name } };
}

export function getHealth(base: string): void {
  const res = http.get(`${base}/api/health`, requestParams('health'));
  check(res, { 'health is 200': (r) => r.status === 200 });
}

export function listExercises(base: string): void {
  const res = http.get(`${base}/api/exercises`, requestParams('list-exercises'));
  check(res, { 'list-exercises is 200': (r) => r.status === 200 });
}

// One nonce per VU's init context: write keys never collide with an earlier run's rows.
const RUN_NONCE = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/**
 * The write path of the reference backend: POST /api/logs {clientId, seq, exerciseId, reps, weightKg}, answered
 * 201 after PostgreSQL committed it. WRITE_PATH overrides the path; WRITE_PATH=none skips writes.
 */
export function writeOne(base: string): void {
  const path = envString('WRITE_PATH', '/api/logs');
  if (path === 'none') return;
  const body = JSON.stringify({
    clientId: `k6-${RUN_NONCE}-${__VU}`,
    seq: __ITER,
    exerciseId: envNumber('EXERCISE_ID', 1),
    reps: 5,
    weightKg: 20,
  });
  const res = http.post(`${base}${path}`, body, {
    ...requestParams('write'),
    headers: { 'Content-Type': 'application/json' },
  });
  check(res, { 'write is 2xx': (r) => r.status >= 200 && r.status < 300 });
}
