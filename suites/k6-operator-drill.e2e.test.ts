// e2e: a drill under distributed load. The Gravl stack on a kind cluster, k6-operator installed from what is built
// here, and the backend-crash drill (every backend container SIGKILLed, recovered by the Deployment) run with its
// background load as a TestRun of 2 runners. The journal's load result must be the merged one: requests of both
// runners, thresholds evaluated on the merged numbers, the per-second series the RTO-as-seen comes from; and no
// TestRun is left in the load namespace afterwards.
// Prerequisites (kind toolchain, images incl. k6-operator and k6-runner, k6) are built when missing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendCrash } from '../scenarios/catalog/gravl-crash.scenario.ts';
import { runScenario } from '../scenarios/runner.ts';
import type { MergedLoadResult } from '../tools/k6/k6-operator.merge.ts';
import { TESTRUN } from '../tools/k6/k6-operator.driver.ts';
import { startGravlKind } from './environments/gravl-kind.env.ts';
import { LOAD_NAMESPACE } from './environments/k6-operator.env.ts';

describe('a drill under k6-operator load', () => {
  it('runs backend-crash with 2 runners and judges the load on their merged data', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'drillbook-k6op-e2e-'));
    process.env.DRILLBOOK_STATE = mkdtempSync(join(tmpdir(), 'drillbook-k6op-state-'));
    const runId = `k6op-e2e-${Date.now().toString(36)}`;
    const controller = new AbortController();
    await using kube = await startGravlKind({
      runId,
      suite: 'k6-operator-e2e',
      outDir,
      signal: controller.signal,
      log: (l) => console.log(l),
      clusterName: 'drillbook-k6op',
      load: { engine: 'k6-operator', parallelism: 2 },
    });
    const journal = await runScenario(backendCrash, { ports: kube.ports, env: kube.env, runId, suite: 'k6-operator-e2e', secrets: kube.secrets });
    const load = journal.load as MergedLoadResult | undefined;
    console.log(`backend-crash: ${journal.status}/${journal.verdict}, RTO ${journal.measurements.rto?.valueMs} ms (${journal.measurements.rto?.source})`);
    console.log(`merged load: ${load?.requests} requests, ${load?.rps} req/s, p95 ${load?.p95Ms} ms, errors ${load?.errorRate}; runners ${JSON.stringify(load?.runners)}`);
    expect(journal.status, JSON.stringify(journal.error)).toBe('completed');
    expect(load).toBeDefined();
    expect(load!.runners).toHaveLength(2);
    for (const r of load!.runners) expect(r.requests, `runner ${r.index}`).toBeGreaterThan(0);
    expect(load!.requests).toBe(load!.runners.reduce((n, r) => n + r.requests, 0));
    expect(load!.thresholds.map((t) => t.name)).toEqual(['p95<200ms', 'p99<500ms', 'errorRate<0.1%']);
    expect(load!.series.length).toBeGreaterThan(10);
    expect(load!.series.reduce((n, s) => n + s.requests, 0)).toBe(load!.requests);
    const left = await kube.client.api.list({ ...TESTRUN, namespace: LOAD_NAMESPACE });
    expect(left.items).toEqual([]);
  });
});
