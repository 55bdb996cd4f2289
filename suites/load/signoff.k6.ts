// Sign-off load (PRODUCTION_SIGN_OFF.md section 5): 10 VUs for 5 minutes against health, list-exercises and a
// write path, judged on p95 < 200 ms, p99 < 500 ms, errors < 0.1 %, throughput > 100 req/s.
//   k6 run -e TARGET=http://127.0.0.1:8080 [-e RESOLVE=gravl.example.test=127.0.0.1] [-e VUS=10] [-e DURATION=300] [-e P95_MS=200 ...] suites/load/signoff.k6.ts
import { sleep } from 'k6';
import type { Options } from 'k6/options';
import {
  GRACEFUL_STOP,
  resolvedHosts,
  SUMMARY_TREND_STATS,
  durationSeconds,
  envNumber,
  getHealth,
  listExercises,
  target,
  thresholds,
  writeOne,
} from './common.k6.ts';

const BASE = target();
const THINK_MS = envNumber('THINK_MS', 0);

export const options: Options = {
  scenarios: {
    signoff: { executor: 'constant-vus', vus: envNumber('VUS', 10), duration: durationSeconds(300), gracefulStop: GRACEFUL_STOP },
  },
  thresholds: thresholds({ minRps: 100 }),
  hosts: resolvedHosts(),
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export default function (): void {
  getHealth(BASE);
  listExercises(BASE);
  writeOne(BASE);
  if (THINK_MS > 0) sleep(THINK_MS / 1000);
}
