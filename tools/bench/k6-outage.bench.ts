// k6-outage bench: how close the load series puts an outage's edges to the fault that caused it, on this machine.
// The integration tests (tools/k6/*.integration.test.ts) assert the order of events and causal bounds only; the
// distances below are timings (k6 start-up, scheduling on a shared 2-core machine, one-second buckets), printed here.
//   node tools/bench/k6-outage.bench.ts                          loopback stub: errors switched on and off mid-run
//   BENCH_BACKEND=reference node tools/bench/k6-outage.bench.ts  reference backend in Docker: errors, then PostgreSQL stopped and started
import '../lib/testcontainers-env.ts';

import { systemClock } from '../../scenarios/clock.ts';
import { findOutages, findRecoveredAt } from '../../scenarios/load-recovery.ts';
import { LABELS, MANAGED_BY, type LoadResult, type Thresholds } from '../../scenarios/ports.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { K6LoadGenerator } from '../k6/k6.driver.ts';
import { ensureK6 } from '../k6/k6.installer.ts';

const backendKind = process.env.BENCH_BACKEND ?? 'stub';
const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'bench', [LABELS.scenario]: 'k6-outage-bench' };
const thresholds: Thresholds = { p95Ms: 200, p99Ms: 500, errorRate: 0.001 };
const errorsOnly = { ...thresholds, p95Ms: Number.POSITIVE_INFINITY };

interface Target extends AsyncDisposable {
  url: string;
  setFault(fault: { errorRate?: number }): Promise<unknown>;
  stopDatabase?(): Promise<unknown>;
  startDatabase?(): Promise<unknown>;
}

const k6 = await ensureK6({ log: (l) => console.error(`[k6] ${l}`) });
let target: Target;
if (backendKind === 'stub') {
  const { startStubBackend } = await import('../k6/testing/stub-backend.ts');
  const stub = await startStubBackend();
  target = { url: stub.url, setFault: (f) => stub.setFault(f), [Symbol.asyncDispose]: () => stub[Symbol.asyncDispose]() };
} else {
  const { startGravlBackend } = await import('../k6/testing/gravl-backend.testkit.ts');
  const stack = await startGravlBackend({ variant: 'v2', labels, log: (l) => console.error(`[images] ${l}`) });
  target = {
    url: stack.url,
    setFault: (f) => stack.setFault(f),
    stopDatabase: () => stack.stopDatabase(),
    startDatabase: () => stack.startDatabase(), // returns once the backend is ready again
    [Symbol.asyncDispose]: () => stack[Symbol.asyncDispose](),
  };
}

const pause = (ms: number) => {
  const until = systemClock.now() + ms;
  return waitFor(systemClock, condition(`${ms} ms passed`, async () => ({ ok: systemClock.now() >= until, value: null })), { timeoutMs: ms + 5_000, intervalMs: 50 });
};

/** Background load; `during` breaks and repairs the target; prints where the series puts the outage. */
async function measure(name: string, breakIt: () => Promise<unknown>, repairIt: () => Promise<unknown>): Promise<void> {
  const load = new K6LoadGenerator().withK6(k6.path, k6.version).withEnv({ RATE: '40', REQUEST_TIMEOUT_MS: '1000' });
  await using running = await load.start({ name: 'background', target: target.url, vus: 4, durationSeconds: 60, thresholds }, { labels });
  await pause(3_000);
  const faultAt = systemClock.now();
  await breakIt();
  const faultSetAt = systemClock.now();
  await pause(3_000);
  const repairAt = systemClock.now();
  await repairIt();
  const repairedAt = systemClock.now();
  await pause(5_000);
  const result: LoadResult = await running.stop();
  const outages = findOutages(result.series, errorsOnly);
  const recoveredAt = findRecoveredAt(result.series, { afterMs: faultAt, windowSeconds: 3, thresholds: errorsOnly });
  const ms = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(0)} ms`;
  console.log(`${name} (${backendKind}): break took ${(faultSetAt - faultAt).toFixed(0)} ms, repair took ${(repairedAt - repairAt).toFixed(0)} ms, ${result.requests} requests, ${outages.length} outage(s)`);
  for (const o of outages) {
    console.log(`  outage ${o.seconds} s, ${o.errors}/${o.requests} failed: starts ${ms(o.fromMs - faultAt)} from the break, ends ${ms(o.toMs - repairedAt)} from the repair's end`);
  }
  console.log(`  recovered (3 healthy seconds) ${recoveredAt === null ? 'never' : `${ms(recoveredAt - repairedAt)} from the repair's end; load RTO ${(recoveredAt - faultAt).toFixed(0)} ms for a ${(repairedAt - faultAt).toFixed(0)} ms outage`}`);
}

try {
  await measure('errors switched on for 3 s', () => target.setFault({ errorRate: 1 }), () => target.setFault({}));
  if (target.stopDatabase && target.startDatabase) await measure('PostgreSQL stopped for 3 s', target.stopDatabase, target.startDatabase);
} finally {
  await target[Symbol.asyncDispose]();
}
