// The ledger example's own k6 script (plain JavaScript, as a team would keep it beside its manifests): each
// iteration writes one entry under the VU's own writer and reads it back, and every tenth lists that writer's
// last entries. drillbook runs it with the thresholds of its config, passed as env vars like its built-in profiles:
//   k6 run -e TARGET=http://127.0.0.1:30990 -e VUS=5 -e DURATION=30 \
//          -e P95_MS=200 -e P99_MS=500 -e ERROR_RATE=0.001 -e MIN_RPS=0 load.js
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

function env(name, fallback) {
  const raw = __ENV[name];
  if (raw !== undefined && raw !== '') return raw;
  if (fallback !== undefined) return fallback;
  throw new Error(`env ${name} is required (k6 run -e ${name}=...)`);
}

function envNumber(name, fallback) {
  const value = Number(env(name, fallback === undefined ? undefined : String(fallback)));
  if (!Number.isFinite(value) || value < 0) throw new Error(`env ${name} must be a non-negative number, got "${__ENV[name]}"`);
  return value;
}

const BASE = env('TARGET').replace(/\/+$/, '');
if (!/^https?:\/\//.test(BASE)) throw new Error(`env TARGET must be an http(s) URL, got "${BASE}"`);
const DURATION = envNumber('DURATION', 30);
if (DURATION <= 0 || DURATION > 3600) throw new Error(`env DURATION must be in (0, 3600] seconds, got ${DURATION}`);
const MIN_RPS = envNumber('MIN_RPS', 0);
// one writer per test run, so a second run never collides with the first one's seqs
const RUN = env('RUN_ID', `k6-${Date.now().toString(36)}`);

const thresholds = {
  http_req_duration: [`p(95)<${envNumber('P95_MS', 200)}`, `p(99)<${envNumber('P99_MS', 500)}`],
  http_req_failed: [`rate<${envNumber('ERROR_RATE', 0.001)}`],
};
if (MIN_RPS > 0) thresholds.http_reqs = [`rate>${MIN_RPS}`];

export const options = {
  scenarios: {
    ledger: { executor: 'constant-vus', vus: envNumber('VUS', 2), duration: `${DURATION}s`, gracefulStop: '3s' },
  },
  thresholds,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

const params = (name) => ({ timeout: `${envNumber('REQUEST_TIMEOUT_MS', 5000)}ms`, tags: { name }, headers: { 'Content-Type': 'application/json' } });

export default function () {
  const writer = `${RUN}-vu${exec.vu.idInTest}`;
  const seq = exec.vu.iterationInScenario + 1;
  const write = http.post(`${BASE}/v1/entries`, JSON.stringify({ writer, seq, note: `load ${seq}` }), params('write-entry'));
  check(write, { 'write acknowledged (201)': (r) => r.status === 201 && r.json('seq') === seq });
  const read = http.get(`${BASE}/v1/entries/${seq}?writer=${encodeURIComponent(writer)}`, params('read-entry'));
  check(read, { 'read back (200)': (r) => r.status === 200 && r.json('seq') === seq });
  if (seq % 10 === 0) {
    const list = http.get(`${BASE}/v1/entries?writer=${encodeURIComponent(writer)}&afterSeq=${seq - 10}`, params('list-entries'));
    check(list, { 'list holds the last 10': (r) => r.status === 200 && r.json().length === 10 });
  }
}
