// The sign-off's harness facts on a real stack (Docker, with its observability tier): what `signoff` measures on
// kind through the service proxy is the same code reading loopback URLs here (suites/readiness/facts.ts via urlGet):
// Prometheus targets, AlertManager's receivers, the backend's commit lines in Loki, the applied migrations. Judged
// off-cluster, the decision is NO-GO with every cluster row saying what is missing (signoff itself is kind-only:
// the Docker tier is `quick`, and `signoff` refuses any other provider before starting anything).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../tools/config/config.ts';
import { startGravlDocker } from './environments/gravl-docker.env.ts';
import { alertingFact, lokiFact, migrationsFact, offClusterSnapshot, prometheusTargets, urlGet } from './readiness/facts.ts';
import { evaluateReadiness } from './readiness/readiness.ts';
import { RELEASE_SCHEMA } from './readiness/signoff-measure.ts';
import { signoffSuite } from './signoff.suite.ts';

describe('sign-off facts on the Docker stack', () => {
  it('measures Prometheus, AlertManager, Loki and the migrations of a running stack; off-cluster the matrix is NO-GO for the right reasons', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'drillbook-signoff-facts-'));
    const signal = AbortSignal.timeout(600_000);
    await using gravl = await startGravlDocker({ runId: 'signoff-facts-it', suite: 'signoff-facts', outDir, signal, log: () => undefined, observability: true });
    const { stack } = gravl;
    // a few committed writes for Loki to hold
    for (let seq = 1; seq <= 5; seq++) {
      const res = await fetch(`${stack.backendUrl}/api/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'signoff-it', seq, exerciseId: 1, reps: 5, weightKg: 50 }) });
      expect(res.status).toBe(201);
    }
    const targets = await prometheusTargets(urlGet(stack.prometheusUrl!), signal);
    expect(targets.length).toBeGreaterThan(0);
    const alerting = await alertingFact(urlGet(stack.alertmanagerUrl!), signal);
    expect(alerting.receivers.length).toBeGreaterThan(0);
    expect(alerting.testAlert).toBeUndefined(); // no test alert asked for: the alerting row cannot PASS on receivers alone
    let loki = await lokiFact(stack.lokiUrl!, '{job="docker", service="gravl-backend"} |= "workout log committed"', signal);
    for (let i = 0; i < 60 && loki.lines === 0; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      loki = await lokiFact(stack.lokiUrl!, '{job="docker", service="gravl-backend"} |= "workout log committed"', signal);
    }
    expect(loki.lines).toBeGreaterThan(0);
    const migrations = await migrationsFact({ host: stack.db.host, port: stack.db.port, user: stack.db.user, password: stack.db.password, database: stack.db.database }, RELEASE_SCHEMA);
    expect(migrations.expected).toEqual(['001_init', '002_add_rpe']);
    expect(migrations.applied).toEqual(expect.arrayContaining([...migrations.expected]));

    const results = evaluateReadiness(offClusterSnapshot('gravl-staging', { prometheusTargets: targets, alerting, loki, migrations }));
    const status = Object.fromEntries(results.map((r) => [r.id, r.status]));
    expect(status).toMatchObject({ migrations: 'PASS', 'logs-loki': 'PASS', 'cluster-storage': 'FAIL', 'load-test': 'PENDING', 'no-restarts-under-load': 'PENDING', backup: 'PENDING', tls: 'PENDING' });
    expect(status.alerting).not.toBe('PASS');
    expect(['PASS', 'FAIL']).toContain(status['prometheus-targets']);
  });

  it('signoff refuses a cluster provider other than kind before starting anything', () => {
    const problems = signoffSuite.check!(parseConfig({ cluster: { provider: 'existing', context: 'prod' } }));
    expect(problems.join()).toMatch(/cluster.provider 'existing': signoff deploys the stack on a kind cluster it owns/);
  });
});
