// The load profiles as LoadProfile values (the scripts beside this file read them as k6 env). Defaults come from
// PRODUCTION_SIGN_OFF.md § 5; every field is overridable per suite, e.g. nightly runs the sign-off shorter:
//   signoffProfile(target, { durationSeconds: 60 })
import type { LoadProfile, Thresholds } from '../../scenarios/ports.ts';

/** PRODUCTION_SIGN_OFF.md § 5: p95 < 200 ms, p99 < 500 ms, error rate < 0.1 %, throughput > 100 req/s. */
export const SIGN_OFF_THRESHOLDS: Readonly<Thresholds> = Object.freeze({ p95Ms: 200, p99Ms: 500, errorRate: 0.001, minRps: 100 });

/** During faults only latency and errors matter per second; a throughput floor would just restate the rate. */
export const BACKGROUND_THRESHOLDS: Readonly<Thresholds> = Object.freeze({ p95Ms: 200, p99Ms: 500, errorRate: 0.001 });

export type ProfileOverrides = Partial<Omit<LoadProfile, 'name' | 'target' | 'thresholds'>> & { thresholds?: Partial<Thresholds> };

function make(name: string, target: string, defaults: Omit<LoadProfile, 'name' | 'target'>, over: ProfileOverrides): LoadProfile {
  const { thresholds, ...rest } = over;
  return { name, target, ...defaults, ...rest, thresholds: { ...defaults.thresholds, ...thresholds } };
}

/** A few seconds, one VU: does the target answer at all (health + list-exercises). */
export function smokeProfile(target: string, over: ProfileOverrides = {}): LoadProfile {
  return make('smoke', target, { vus: 1, durationSeconds: 10, thresholds: { ...SIGN_OFF_THRESHOLDS, minRps: undefined } }, over);
}

/** The sign-off load: 10 VUs for 5 minutes against health, list-exercises and the write path. */
export function signoffProfile(target: string, over: ProfileOverrides = {}): LoadProfile {
  return make('signoff', target, { vus: 10, durationSeconds: 300, thresholds: { ...SIGN_OFF_THRESHOLDS } }, over);
}

/**
 * Steady background load while faults are injected (constant arrival rate: set RATE with
 * K6LoadGenerator.withEnv({ RATE: '20' })). Bounded like every run; the runner stops it early when done.
 */
export function backgroundProfile(target: string, over: ProfileOverrides = {}): LoadProfile {
  return make('background', target, { vus: 10, durationSeconds: 900, thresholds: { ...BACKGROUND_THRESHOLDS } }, over);
}
