// The sign-off suite for real, with a short sign-off load: the drills meet their objectives, the harness measures
// what it can (load, Prometheus targets, Loki, migrations, AlertManager receivers), and without a cluster the
// decision is NO-GO with every missing item named, exactly as the sign-off matrix marks it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectJudgedOnItsNumbers } from '../scenarios/testing/judged-on-numbers.ts';
import { parseConfig } from '../tools/config/config.ts';
import { signoffSuite } from './signoff.suite.ts';
import { runSuite } from './suite.ts';

describe('signoff suite (Docker, no cluster)', () => {
  it('measures the stack, the drills recover within their RTO/RPO (detection and load judged on their numbers), and says NO-GO for the right reasons', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'drillbook-signoff-'));
    // a cluster name nobody has: the cluster side must be judged off-cluster, never against a stray context
    const config = parseConfig({ reports: { outDir }, cluster: { name: 'drillbook-none-here' }, load: { profiles: { signoff: { vus: 10, durationSeconds: 20 } } } });
    const result = await runSuite(signoffSuite, { config, runId: 'signoff-it' });
    // RTO and RPO met; detection (< 2 s) and the load test's latency and throughput are timings on a shared 2-core
    // machine: judged on their numbers here, printed by `npm run bench -- k6` and `BENCH_SUITE=signoff npm run bench -- drills`
    expect(result.journals.length).toBeGreaterThan(0);
    for (const j of result.journals) expectJudgedOnItsNumbers(j, { mustMeet: ['rto', 'rpo'] });
    const status = Object.fromEntries(result.report.readiness.map((r) => [r.id, r.status]));
    // 10 VUs against the reference backend: measured (PASS or FAIL by p95 < 200 ms, > 100 req/s), and without errors
    const loadTest = result.report.readiness.find((r) => r.id === 'load-test')!;
    expect(['PASS', 'FAIL']).toContain(loadTest.status);
    expect(JSON.stringify(loadTest.evidence)).toMatch(/errorRate<0\.1%: 0 \(limit 0\.001\) ok/);
    expect(status).toMatchObject({
      migrations: 'PASS', // 001_init, 002_add_rpe in schema_migrations
      'prometheus-targets': 'PASS',
      'logs-loki': 'PASS', // the backend's "workout log committed" lines, shipped by promtail
      alerting: 'PENDING', // the shipped AlertManager has a template receiver only (BLOCKING_ISSUES_REMEDIATION.md #3)
      'cluster-storage': 'FAIL', // no API server answered
    });
    expect(result.report.decision).toBe('no-go');
    expect(result.exitCode).toBe(1);
    const blocking = result.report.blockingFailures.map((f) => f.id);
    expect(blocking).toEqual(expect.arrayContaining(['alerting', 'tls', 'backup', 'workloads']));
    expect(blocking.includes('load-test')).toBe(loadTest.status === 'FAIL');
    const md = readFileSync(result.written.markdown, 'utf8');
    expect(md).toMatch(/NO-GO/);
    expect(md).toMatch(/Load test passed/); // the check's title
  });
});
