// Background load while faults are injected: a constant ARRIVAL rate (RATE requests/s), so a slow or failing
// backend shows up as errors and latency in the per-second series instead of silently lowering the load.
// Short request timeout so a hung backend turns into errors within the second it happens.
//   k6 run -e TARGET=http://127.0.0.1:8080 [-e RATE=20] [-e VUS=10] [-e DURATION=120] suites/load/background.k6.ts
import type { Options } from 'k6/options';
import { GRACEFUL_STOP, SUMMARY_TREND_STATS, durationSeconds, envNumber, listExercises, target, thresholds } from './common.k6.ts';

const BASE = target();
const VUS = envNumber('VUS', 10);

export const options: Options = {
  scenarios: {
    background: {
      executor: 'constant-arrival-rate',
      rate: envNumber('RATE', 20),
      timeUnit: '1s',
      duration: durationSeconds(120),
      preAllocatedVUs: VUS,
      maxVUs: Math.max(VUS, envNumber('MAX_VUS', VUS * 4)),
      gracefulStop: GRACEFUL_STOP,
    },
  },
  thresholds: thresholds({ minRps: 0 }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export default function (): void {
  listExercises(BASE);
}
