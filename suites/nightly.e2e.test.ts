// e2e: the nightly suite as CI runs it, twice on one kind cluster: the first run creates the cluster and keeps it
// (cluster.keep), the second reuses it (its host ports read back from Docker, its credentials kept) and re-applies
// the stack's definition. Six drills each time, under k6 load with the data probe; every fault reverted, every
// journal with measured numbers. Wall times are printed (the budget is checked by `npm run bench -- nightly`).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Journal } from '../scenarios/journal.ts';
import { parseConfig } from '../tools/config/config.ts';
import { run } from '../tools/lib/exec.ts';
import { toolchainPaths } from '../tools/kube/toolchain.ts';
import { FaultLedger } from '../tools/state/ledger.ts';
import { nightlySuite, NIGHTLY_SCENARIOS } from './nightly.suite.ts';
import { runSuite, type SuiteRun } from './suite.ts';

const CLUSTER = 'drillbook-nightly-e2e';
const stateDir = mkdtempSync(join(tmpdir(), 'drillbook-nightly-state-'));

async function nightly(label: string): Promise<{ result: SuiteRun; logs: string[] }> {
  const outDir = mkdtempSync(join(tmpdir(), `drillbook-nightly-${label}-`));
  process.env.DRILLBOOK_STATE = stateDir;
  const logs: string[] = [];
  const result = await runSuite(nightlySuite, {
    config: parseConfig({ reports: { outDir }, cluster: { provider: 'kind', name: CLUSTER, keep: true } }),
    runId: `nightly-e2e-${label}-${Date.now().toString(36)}`,
    onEvent: (e) => {
      if (e.type === 'log') {
        logs.push(e.line);
        console.log(e.line);
      }
      if (e.type === 'scenario-end') {
        const m = e.journal.measurements;
        console.log(`[${label}] ${e.journal.scenario.id}: ${e.journal.status}/${e.journal.verdict} detection ${m.detectionMs} ms, RTO ${m.rto?.valueMs} ms (${m.rto?.source}), RPO ${m.rpo?.valueMs} ms (${m.rpo?.lostWrites}/${m.rpo?.acknowledgedWrites} lost), wall ${e.journal.durationMs} ms`);
      }
    },
  });
  console.log(`[${label}] nightly wall ${result.wallMs} ms, exit ${result.exitCode}`);
  return { result, logs };
}

function expectDrillsRan(journals: readonly Journal[]): void {
  expect(journals.map((j) => j.scenario.id).sort()).toEqual(NIGHTLY_SCENARIOS.map((s) => s.id).sort());
  for (const j of journals) {
    const id = j.scenario.id;
    expect(j.status, `${id}: ${JSON.stringify(j.error)}`).toBe('completed');
    expect(j.target?.provider, id).toBe('kind');
    expect(j.measurements.detectionMs, id).not.toBeNull();
    expect(j.measurements.rto, id).not.toBeNull();
    expect(j.faults.length, id).toBeGreaterThan(0);
    expect(j.faults.every((f) => f.revertedAtMs !== undefined), id).toBe(true);
    expect(j.verdict, `${id}: ${JSON.stringify(j.objectives)}`).not.toBe('inconclusive');
  }
  // the data probe wrote through the backend during the drills; a kill, a rollback and a restart lose no commit
  for (const id of ['backend-crash', 'database-crash', 'bad-release-rollback', 'secret-missing']) {
    const j = journals.find((x) => x.scenario.id === id)!;
    expect(j.measurements.rpo?.acknowledgedWrites, id).toBeGreaterThan(20);
    expect(j.measurements.rpo?.lostWrites, id).toBe(0);
    expect(j.load?.series.length, id).toBeGreaterThan(5);
  }
}

afterAll(async () => {
  await run(toolchainPaths().kind, ['delete', 'cluster', '--name', CLUSTER]).catch(() => undefined);
});

describe('nightly suite on kind (cluster kept and reused)', () => {
  it('runs six drills on a new cluster, keeps it, and runs them again on the reused cluster', async () => {
    const first = await nightly('create');
    expectDrillsRan(first.result.journals);
    expect(first.logs.some((l) => l.startsWith(`kind cluster ${CLUSTER} created`))).toBe(true);
    expect(new FaultLedger(join(stateDir, 'faults')).list()).toEqual([]);
    const clusters = (await run(toolchainPaths().kind, ['get', 'clusters'])).stdout.split('\n');
    expect(clusters).toContain(CLUSTER);

    const second = await nightly('reuse');
    expectDrillsRan(second.result.journals);
    expect(second.logs.some((l) => l.startsWith(`kind cluster ${CLUSTER} reused`))).toBe(true);
    expect(new FaultLedger(join(stateDir, 'faults')).list()).toEqual([]);
    // the exit code is the decision over the verdicts: 0 only when every drill met its objectives
    for (const run of [first, second]) expect(run.result.exitCode).toBe(run.result.journals.every((j) => j.verdict === 'met') ? 0 : 1);
  });
});
