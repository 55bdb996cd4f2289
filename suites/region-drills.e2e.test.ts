// e2e: the region-drills suite for real. A two-region kind cluster (one control plane, two workers per region)
// from the locally built node image, PostgreSQL primary in region A with a streaming replica in region B, the
// backend in region B behind a NodePort on 127.0.0.1; k6 background load and the data probe; every node of
// region A stopped at once, and the failover of DISASTER_RECOVERY_COMPLETION.md executed. The journal must hold
// measured detection, RTO and RPO within the document's targets; afterwards no fault is left in the ledger and
// the cluster is gone. Then the fail-back on the same cluster: region A re-seeded from region B, writes fenced on
// region B until region A replayed them, region A promoted and the name repointed: no acknowledged write lost.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Journal } from '../scenarios/journal.ts';
import { parseConfig } from '../tools/config/config.ts';
import { toolchainPaths } from '../tools/kube/toolchain.ts';
import { run } from '../tools/lib/exec.ts';
import { FaultLedger } from '../tools/state/ledger.ts';
import { regionDrillsSuite } from './region-drills.suite.ts';
import { runSuite } from './suite.ts';

describe('region-drills suite on a two-region kind cluster', () => {
  it('loses region A, fails over to region B and back as the DR runbook says, and measures detection, RTO and RPO', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'drillbook-region-drills-'));
    const stateDir = mkdtempSync(join(tmpdir(), 'drillbook-region-state-'));
    process.env.DRILLBOOK_STATE = stateDir;
    const started = performance.now();
    const result = await runSuite(regionDrillsSuite, {
      config: parseConfig({ reports: { outDir } }),
      runId: `region-e2e-${Date.now().toString(36)}`,
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
    console.log(`suite wall time incl. cluster create and delete: ${Math.round(performance.now() - started)} ms`);
    expect(result.journals.map((j) => j.scenario.id)).toEqual(['region-loss', 'region-failback']);
    for (const j of result.journals) {
      const id = j.scenario.id;
      expect(j.status, `${id}: ${JSON.stringify(j.error)}`).toBe('completed');
      expect(j.target?.provider, id).toBe('kind');
      expect(j.measurements.detectionMs, id).not.toBeNull();
      expect(j.measurements.detectionMs!, id).toBeLessThan(300_000);
      expect(j.measurements.rto?.source, id).toBe('data-probe');
      expect(j.measurements.rto!.valueMs, id).toBeGreaterThan(0);
      expect(j.measurements.rto!.valueMs, id).toBeLessThan(4 * 3600_000);
      expect(j.measurements.rpo?.acknowledgedWrites, id).toBeGreaterThan(50);
      expect(j.measurements.rpo!.valueMs, id).toBeLessThan(3600_000);
      // the data path broke (region lost / writes fenced) and came back
      expect(j.data!.outages.length, id).toBeGreaterThan(0);
      expect(j.faults.every((f) => f.revertedAtMs !== undefined), id).toBe(true);
      expect(j.verdict, `${id}: ${JSON.stringify(j.objectives)}`).toBe('met');
    }
    const [loss, failback] = result.journals as [Journal, Journal];
    expect(loss.phases.find((p) => p.name === 'recover')!.steps.map((s) => [s.name, s.status])).toEqual([
      ['health check secondary region', 'passed'],
      ['promote secondary replica to primary', 'passed'],
      ['update DNS to the promoted instance', 'passed'],
      ['restart applications', 'passed'],
    ]);
    expect(loss.findings.map((f) => f.title)).toContain('The failover never fences the old primary');

    // the fail-back: the runbook's steps plus the fence and the re-seed it leaves out; lossless because of the fence
    expect(failback.phases.find((p) => p.name === 'recover')!.steps.map((s) => [s.name, s.status])).toEqual([
      ['update DNS back to the primary region (after it replayed up to the fence)', 'passed'],
      ['restart applications', 'passed'],
      ['re-seed the secondary region as a standby (not in the runbook)', 'passed'],
    ]);
    expect(failback.measurements.rpo!.lostWrites).toBe(0);
    expect(failback.findings.map((f) => f.title)).toEqual(
      expect.arrayContaining(['The failback moves DNS without stopping writes on the secondary', 'The failback ends without a standby']),
    );
    // region A's nodes came back at their own addresses (the node-stop revert pins them)
    const revert = loss.phases.find((p) => p.name === 'revert')!.steps[0]!;
    expect(JSON.stringify(revert.evidence)).toMatch(/drillbook-regions-worker at kind \d+\.\d+\.\d+\.\d+/);
    expect(JSON.stringify(revert.evidence)).not.toMatch(/with a new address/);

    expect(readdirSync(result.written.dir)).toEqual(expect.arrayContaining(['report.html', 'summary.md', 'region-loss.journal.json', 'region-failback.journal.json']));
    expect(result.exitCode).toBe(0);
    expect(new FaultLedger(join(stateDir, 'faults')).list()).toEqual([]);
    const { stdout } = await run(toolchainPaths().kind, ['get', 'clusters']);
    expect(stdout.split('\n')).not.toContain('drillbook-regions');
  });
});
