// e2e: the kube-drills suite for real, on the drills the nightly e2e does not run (it runs the other six on a kept
// cluster): a kind cluster from the locally built node image, the stack deployed, k6 background load and the data
// probe through 127.0.0.1; Loki's storage fixed both ways, a failed migration and a full rollback restored from the
// pre-deploy backup, an alert receiver configured and a test alert delivered. Each journal must hold measured
// numbers and its drill's evidence (suites/testing/kind-drills.expectations.ts); afterwards no fault is left in the
// ledger and the cluster is gone. Prerequisites (kind toolchain, images, k6) are built when missing.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../tools/config/config.ts';
import { run } from '../tools/lib/exec.ts';
import { toolchainPaths } from '../tools/kube/toolchain.ts';
import { FaultLedger } from '../tools/state/ledger.ts';
import { kubeDrillsSuite } from './kube-drills.suite.ts';
import { NIGHTLY_SCENARIOS } from './nightly.suite.ts';
import { expectDecisionFollowsVerdicts } from './testing/decision.ts';
import { expectKindDrills } from './testing/kind-drills.expectations.ts';
import { runSuite } from './suite.ts';

const NOT_IN_NIGHTLY = kubeDrillsSuite.scenarios.filter((id) => !NIGHTLY_SCENARIOS.some((s) => s.id === id));

describe('kube-drills suite on a kind cluster', () => {
  it('runs the Kubernetes drills nightly does not (Loki, migration, full rollback, alerts) under load and measures them', async () => {
    expect(NOT_IN_NIGHTLY.sort()).toEqual(['alert-receivers', 'full-rollback', 'loki-storage-emptydir', 'loki-storage-local-path', 'migration-failed']);
    const outDir = mkdtempSync(join(tmpdir(), 'drillbook-kube-drills-'));
    const stateDir = mkdtempSync(join(tmpdir(), 'drillbook-kube-state-'));
    process.env.DRILLBOOK_STATE = stateDir;
    const result = await runSuite(kubeDrillsSuite, {
      config: parseConfig({ reports: { outDir } }),
      only: NOT_IN_NIGHTLY,
      runId: `kube-e2e-${Date.now().toString(36)}`,
      onEvent: (e) => {
        if (e.type === 'log') console.log(e.line);
        if (e.type === 'scenario-end') {
          const m = e.journal.measurements;
          console.log(
            `${e.journal.scenario.id}: ${e.journal.status}/${e.journal.verdict} detection ${m.detectionMs} ms, RTO ${m.rto?.valueMs} ms (${m.rto?.source}), ` +
              `RPO ${m.rpo?.valueMs} ms (${m.rpo?.lostWrites}/${m.rpo?.acknowledgedWrites} lost), wall ${e.journal.durationMs} ms`,
          );
        }
      },
    });
    expect(result.journals.map((j) => j.scenario.id).sort()).toEqual([...NOT_IN_NIGHTLY].sort());
    expectKindDrills(result.journals, result.written.dir);
    expect(readdirSync(result.written.dir)).toEqual(expect.arrayContaining(['report.html', 'summary.md', 'junit.xml', 'migration-failed.journal.json']));
    expectDecisionFollowsVerdicts(result);
    expect(new FaultLedger(join(stateDir, 'faults')).list()).toEqual([]);
    const { stdout } = await run(toolchainPaths().kind, ['get', 'clusters']);
    expect(stdout.split('\n')).not.toContain('drillbook-drills');
  });
});
