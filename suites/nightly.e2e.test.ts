// e2e: the nightly suite as CI runs it, twice on one kind cluster: the first run creates the cluster and keeps it
// (cluster.keep), the second reuses it (its host ports read back from Docker, its credentials kept) and re-applies
// the stack's definition. Six drills each time, under k6 load with the data probe; every fault reverted, every
// journal with measured numbers and its drill's evidence (suites/testing/kind-drills.expectations.ts). Wall times are printed (the budget is checked by `npm run bench -- nightly`).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../tools/config/config.ts';
import { run } from '../tools/lib/exec.ts';
import { toolchainPaths } from '../tools/kube/toolchain.ts';
import { FaultLedger } from '../tools/state/ledger.ts';
import { nightlySuite, NIGHTLY_SCENARIOS } from './nightly.suite.ts';
import { runSuite, type SuiteRun } from './suite.ts';
import { expectDecisionFollowsVerdicts } from './testing/decision.ts';
import { expectKindDrills } from './testing/kind-drills.expectations.ts';
import { e2eEvents } from './testing/e2e-events.ts';

const CLUSTER = 'drillbook-nightly-e2e';
const stateDir = mkdtempSync(join(tmpdir(), 'drillbook-nightly-state-'));

async function nightly(label: string): Promise<{ result: SuiteRun; logs: string[] }> {
  const outDir = mkdtempSync(join(tmpdir(), `drillbook-nightly-${label}-`));
  process.env.DRILLBOOK_STATE = stateDir;
  const events = e2eEvents(label);
  const result = await runSuite(nightlySuite, {
    config: parseConfig({ reports: { outDir }, cluster: { provider: 'kind', name: CLUSTER, keep: true } }),
    runId: `nightly-e2e-${label}-${Date.now().toString(36)}`,
    onEvent: events.onEvent,
  });
  console.log(`[${label}] nightly wall ${result.wallMs} ms, exit ${result.exitCode}`);
  return { result, logs: events.logs };
}

function expectDrillsRan(result: SuiteRun): void {
  expect(result.journals.map((j) => j.scenario.id).sort()).toEqual(NIGHTLY_SCENARIOS.map((s) => s.id).sort());
  expectKindDrills(result.journals, result.written.dir);
  expectDecisionFollowsVerdicts(result);
}

afterAll(async () => {
  await run(toolchainPaths().kind, ['delete', 'cluster', '--name', CLUSTER]).catch(() => undefined);
});

describe('nightly suite on kind (cluster kept and reused)', () => {
  it('runs six drills on a new cluster, keeps it, and runs them again on the reused cluster', async () => {
    const first = await nightly('create');
    expectDrillsRan(first.result);
    expect(first.logs.some((l) => l.startsWith(`kind cluster ${CLUSTER} created`))).toBe(true);
    expect(new FaultLedger(join(stateDir, 'faults')).list()).toEqual([]);
    const clusters = (await run(toolchainPaths().kind, ['get', 'clusters'])).stdout.split('\n');
    expect(clusters).toContain(CLUSTER);

    const second = await nightly('reuse');
    expectDrillsRan(second.result);
    expect(second.logs.some((l) => l.startsWith(`kind cluster ${CLUSTER} reused`))).toBe(true);
    expect(new FaultLedger(join(stateDir, 'faults')).list()).toEqual([]);
  });
});
