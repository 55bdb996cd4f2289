import { describe, expect, it } from 'vitest';
import { K6LoadGenerator } from '../../tools/k6/k6.driver.ts';
import { backgroundProfile, signoffProfile, smokeProfile } from './profiles.ts';

describe('load profiles', () => {
  it('default to the sign-off numbers of PRODUCTION_SIGN_OFF.md', () => {
    expect(signoffProfile('http://127.0.0.1:3000')).toEqual({
      name: 'signoff',
      target: 'http://127.0.0.1:3000',
      vus: 10,
      durationSeconds: 300,
      thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001, minRps: 100 },
    });
  });

  it('are overridable per suite (nightly runs shorter, a suite can loosen one threshold)', () => {
    const nightly = signoffProfile('http://127.0.0.1:3000', { durationSeconds: 60, thresholds: { p99Ms: 800 } });
    expect(nightly).toMatchObject({ durationSeconds: 60, vus: 10, thresholds: { p95Ms: 200, p99Ms: 800, errorRate: 0.001, minRps: 100 } });
    expect(smokeProfile('http://localhost:1').thresholds.minRps).toBeUndefined();
    expect(backgroundProfile('http://localhost:1').thresholds.minRps).toBeUndefined();
  });

  it('every default profile passes the k6 driver guardrails and names a shipped script', () => {
    const load = new K6LoadGenerator();
    for (const p of [smokeProfile('http://127.0.0.1:3000'), signoffProfile('http://127.0.0.1:3000'), backgroundProfile('http://[::1]:3000')]) {
      expect(load.validate(p), p.name).toEqual([]);
    }
  });
});
