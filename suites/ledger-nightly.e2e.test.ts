// e2e: nightly on the ledger example stack from its description alone (clusters/examples/ledger/drillbook.yaml,
// nothing of the ledger in drillbook's code): a kind cluster of its own, the ledger's images loaded, its plain YAML
// applied, every name checked on the live cluster, then four drills by the description's names under the ledger's
// own k6 script, RPO measured through the ledger's write API (POST /v1/entries, read back by writer). The
// images must exist (npm run images -- ledger-v1 ledger-v2 ledger-broken postgres): a missing one fails the test
// with the error naming it, there is no skip. Wall times and RPO are printed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../tools/config/config.ts';
import { run } from '../tools/lib/exec.ts';
import { toolchainPaths } from '../tools/kube/toolchain.ts';
import { FaultLedger } from '../tools/state/ledger.ts';
import { nightlySuite } from './nightly.suite.ts';
import { runSuite } from './suite.ts';
import { e2eEvents } from './testing/e2e-events.ts';

const CLUSTER = 'drillbook-ledger-e2e';
const LEDGER = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'clusters', 'examples', 'ledger');
const DRILLS = ['backend-crash', 'database-crash', 'bad-release-rollback', 'secret-missing'];
const stateDir = mkdtempSync(join(tmpdir(), 'drillbook-ledger-state-'));

afterAll(async () => {
  await run(toolchainPaths().kind, ['delete', 'cluster', '--name', CLUSTER]).catch(() => undefined);
});

describe('nightly on the ledger, from its description', () => {
  it('deploys the ledger on kind and meets backend-crash, database-crash, bad-release-rollback and secret-missing through its own API', async () => {
    process.env.DRILLBOOK_STATE = stateDir;
    const outDir = mkdtempSync(join(tmpdir(), 'drillbook-ledger-nightly-'));
    const raw = parse(readFileSync(join(LEDGER, 'drillbook.yaml'), 'utf8')) as Record<string, unknown>;
    const config = parseConfig({ ...raw, cluster: { provider: 'kind', name: CLUSTER, keep: false }, reports: { outDir } }, 'ledger e2e', { baseDir: LEDGER });
    const { logs, onEvent } = e2eEvents('');
    const result = await runSuite(nightlySuite, {
      config,
      only: DRILLS,
      runId: `ledger-e2e-${Date.now().toString(36)}`,
      onEvent,
    });
    console.log(`ledger nightly wall ${result.wallMs} ms, exit ${result.exitCode}`);

    // the ledger's names were applied and checked, and the backend is the ledger's Deployment behind the relay
    expect(logs.some((l) => l.startsWith(`kind cluster ${CLUSTER} created`))).toBe(true);
    expect(logs.some((l) => /backend ledger \(drillbook\/ledger:v1 x2\) reached on http:\/\/127\.0\.0\.1:\d+ through Service ledger:9090/.test(l))).toBe(true);
    expect(result.journals.map((j) => j.scenario.id).sort()).toEqual([...DRILLS].sort());
    for (const j of result.journals) {
      expect({ id: j.scenario.id, status: j.status, verdict: j.verdict }).toEqual({ id: j.scenario.id, status: 'completed', verdict: 'met' });
      // RPO through the ledger's write API: writes acknowledged by POST /v1/entries (201/200) and read back by writer
      expect(j.measurements.rpo, j.scenario.id).not.toBeNull();
      expect(j.measurements.rpo!.acknowledgedWrites, j.scenario.id).toBeGreaterThan(0);
      expect(j.measurements.rpo!.lostWrites, j.scenario.id).toBe(0);
      // the steady state was the ledger's readiness and business read (Gravl's paths answer 404 on the ledger)
      const steady = JSON.stringify(j.phases.find((p) => p.name === 'steady-state-before')?.steps.filter((s) => s.name.endsWith('answers')));
      expect(steady, j.scenario.id).toContain('"value":200');
    }
    const secret = result.journals.find((j) => j.scenario.id === 'secret-missing')!;
    expect(JSON.stringify(secret)).toContain('re-applied Secret ledger/ledger-db');
    const bad = result.journals.find((j) => j.scenario.id === 'bad-release-rollback')!;
    expect(JSON.stringify(bad)).toContain('kubectl set image deployment/ledger ledger=drillbook/ledger:v1');
    expect(new FaultLedger(join(stateDir, 'faults')).list()).toEqual([]);
    expect(result.exitCode).toBe(0);
  });
});
