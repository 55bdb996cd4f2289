// Smoke: a few VUs for a few seconds against health and list-exercises. Proves the target answers at all.
//   k6 run -e TARGET=http://127.0.0.1:8080 [-e VUS=1] [-e DURATION=10] suites/load/smoke.k6.ts
import type { Options } from 'k6/options';
import { GRACEFUL_STOP, SUMMARY_TREND_STATS, durationSeconds, envNumber, getHealth, listExercises, target, thresholds } from './common.k6.ts';

const BASE = target();

export const options: Options = {
  scenarios: {
    smoke: { executor: 'constant-vus', vus: envNumber('VUS', 1), duration: durationSeconds(10), gracefulStop: GRACEFUL_STOP },
  },
  thresholds: thresholds({ minRps: 0 }),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export default function (): void {
  getHealth(BASE);
  listExercises(BASE);
}
