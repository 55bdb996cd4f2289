// e2e: the DR alert drills of the monthly drill (scenarios/catalog/dr-alerts.scenario.ts) on a kind cluster of
// their own: the Gravl stack with Prometheus (holds capped at 15 s, scrapes every 5 s), AlertManager routed to the
// in-cluster webhook receiver. Each drill creates its alert's condition for real, and must see the alert active in
// AlertManager, the firing notification at the receiver, the fix, the alert resolved and the resolved notification.
// The database archives WAL (the stack's walArchive), so WALArchiveLagging has an archive to refuse.
// `npm run bench -- rollback-drill` runs them with the rest of the monthly drill; this runs only them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DR_ALERT_DRILLS } from '../scenarios/catalog/dr-alerts.scenario.ts';
import { parseConfig } from '../tools/config/config.ts';
import { run } from '../tools/lib/exec.ts';
import { toolchainPaths } from '../tools/kube/toolchain.ts';
import { FaultLedger } from '../tools/state/ledger.ts';
import { rollbackDrillSuite } from './rollback-drill.suite.ts';
import { runSuite } from './suite.ts';
import { e2eEvents } from './testing/e2e-events.ts';

const CLUSTER = 'drillbook-dr-alerts-e2e';
const DRILLS = DR_ALERT_DRILLS.map((d) => d.id);
const stateDir = mkdtempSync(join(tmpdir(), 'drillbook-dr-alerts-state-'));

afterAll(async () => {
  await run(toolchainPaths().kind, ['delete', 'cluster', '--name', CLUSTER]).catch(() => undefined);
});

describe('the DR alerts, fired and resolved on kind', () => {
  it('makes each of the six drilled DR alerts fire in AlertManager, reach the receiver, and resolve after the fix', async () => {
    process.env.DRILLBOOK_STATE = stateDir;
    const outDir = mkdtempSync(join(tmpdir(), 'drillbook-dr-alerts-'));
    const result = await runSuite(rollbackDrillSuite, {
      config: parseConfig({ cluster: { provider: 'kind', name: CLUSTER, keep: false }, reports: { outDir } }),
      only: DRILLS,
      runId: `dr-alerts-e2e-${Date.now().toString(36)}`,
      onEvent: e2eEvents('dr-alerts').onEvent,
    });
    console.log(`dr alerts wall ${result.wallMs} ms, exit ${result.exitCode}`);

    expect(result.journals.map((j) => j.scenario.id)).toEqual(DRILLS);
    expect(DRILLS).toContain('dr-alert-wal-archive-lagging');
    for (const j of result.journals) {
      const failed = j.phases.flatMap((p) => p.steps).filter((s) => s.status !== 'passed' && s.status !== 'skipped');
      expect({ id: j.scenario.id, status: j.status, verdict: j.verdict, failed: failed.map((s) => `${s.name}: ${s.error?.message ?? s.status}`) }).toEqual({
        id: j.scenario.id,
        status: 'completed',
        verdict: 'met',
        failed: [],
      });
      const text = JSON.stringify(j);
      // the alert was active in AlertManager, then the firing notification arrived at the receiver
      expect(j.measurements.detectionMs, j.scenario.id).not.toBeNull();
      const recover = j.phases.find((p) => p.name === 'recover')!;
      const firing = recover.steps[0]!.evidence.find((e) => e.label === 'firing notification')?.value as { status: string; receiver: string; alertnames: string[] } | undefined;
      expect(firing, j.scenario.id).toMatchObject({ status: 'firing', receiver: 'drillbook-webhook' });
      // verification measured the resolved notification and the alert gone from AlertManager
      const verify = j.phases.find((p) => p.name === 'verify')!;
      expect(JSON.stringify(verify), j.scenario.id).toMatch(/resolved notifications for Gravl\w+ at the receiver since the condition/);
      // the evidence says which holds ran capped, as written and as run
      expect(text, j.scenario.id).toContain('{"alert":"GravlNoRecentBackup","written":"30m","drill":"15s"}');
    }
    expect(new FaultLedger(join(stateDir, 'faults')).list()).toEqual([]);
    expect(result.exitCode).toBe(0);
  });
});
