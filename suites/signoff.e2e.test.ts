// e2e: `signoff` on kind, as the release manager runs it (`drillbook run signoff`; here runSuite, the CLI's own
// entry, in-process so the test can act during the run). Two runs on one kept cluster:
//   (a) the healthy reference stack: every kind drill (the eleven of kube-drills, each journal checked by its
//       drill's expectations), the 5-minute sign-off load through the TLS edge, the matrix collected from that
//       cluster: GO, exit 0, every row PASS with evidence, and the HTML report shows the matrix with it.
//   (b) the backup CronJob removed on purpose (deleted from the kept cluster while the sign-off load runs, after
//       the environment re-applied the stack): NO-GO, exit 1, the backup row not PASS and naming the CronJob. Kept
//       short for CI: one drill (--only) and a 30 s load (load.profiles.signoff); the decision is NO-GO for the
//       backup row whatever the shorter load says.
// Prerequisites (kind toolchain, images, k6) are built when missing; a missing Docker fails loudly here first.
// GO in (a) needs the secrets under the sealed-secrets operator (suites/environments/kind-signoff.ts
// secretsUnderOperator: the Sealed Secrets controller built here takes the app namespace's Secrets over).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../tools/config/config.ts';
import { toolchainPaths } from '../tools/kube/toolchain.ts';
import { cacheDir } from '../tools/lib/cache.ts';
import { run } from '../tools/lib/exec.ts';
import { FaultLedger } from '../tools/state/ledger.ts';
import { BACKUP_CRONJOB } from './environments/kind-signoff.ts';
import { KUBE_DRILLS } from './kube-drills.suite.ts';
import { signoffSuite } from './signoff.suite.ts';
import { runSuite, type SuiteRun } from './suite.ts';
import { expectDecisionFollowsVerdicts } from './testing/decision.ts';
import { expectKindDrills } from './testing/kind-drills.expectations.ts';
import { e2eEvents } from './testing/e2e-events.ts';

const CLUSTER = 'drillbook-signoff-e2e';
const NAMESPACE = 'gravl-signoff';
const stateDir = mkdtempSync(join(tmpdir(), 'drillbook-signoff-state-'));

async function signoff(label: string, o: { only?: string[]; loadSeconds?: number; onLog?: (line: string) => void } = {}): Promise<SuiteRun> {
  const outDir = mkdtempSync(join(tmpdir(), `drillbook-signoff-${label}-`));
  process.env.DRILLBOOK_STATE = stateDir;
  const result = await runSuite(signoffSuite, {
    config: parseConfig({
      reports: { outDir },
      cluster: { provider: 'kind', name: CLUSTER, keep: true },
      stack: { namespace: NAMESPACE },
      ...(o.loadSeconds ? { load: { profiles: { signoff: { vus: 10, durationSeconds: o.loadSeconds } } } } : {}),
    }),
    ...(o.only ? { only: o.only } : {}),
    runId: `signoff-e2e-${label}-${Date.now().toString(36)}`,
    onEvent: e2eEvents(label, o.onLog).onEvent,
  });
  console.log(`[${label}] signoff wall ${result.wallMs} ms, decision ${result.report.decision}, exit ${result.exitCode}`);
  for (const r of result.report.readiness) console.log(`[${label}] ${r.id}: ${r.status}${r.action ? ` -> ${r.action}` : ''}`);
  return result;
}

beforeAll(async () => {
  // fail loudly, before ten minutes of set-up, when the machine cannot run kind at all
  await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 }).catch((error: Error) => {
    throw new Error(`signoff e2e needs a running Docker daemon (kind nodes are containers): ${error.message}`);
  });
});

afterAll(async () => {
  await run(toolchainPaths().kind, ['delete', 'cluster', '--name', CLUSTER]).catch(() => undefined);
});

describe('signoff on kind', () => {
  it('(a) the healthy reference stack: every drill, the sign-off load through the TLS edge, every matrix row PASS with evidence: GO, exit 0', async () => {
    const result = await signoff('go');
    expect(result.journals.map((j) => j.scenario.id).sort()).toEqual(KUBE_DRILLS.map((s) => s.id).sort());
    expectKindDrills(result.journals, result.written.dir);
    expectDecisionFollowsVerdicts(result);
    const notPass = result.report.readiness.filter((r) => r.status !== 'PASS').map((r) => `${r.id}: ${r.status} ${r.action ?? ''} ${JSON.stringify(r.evidence)}`);
    expect(notPass).toEqual([]);
    for (const r of result.report.readiness) expect(r.evidence.length, `${r.id} has no evidence`).toBeGreaterThan(0);
    // the load went through the front door, and the matrix is that cluster's, in the namespace deployed
    const load = result.report.readiness.find((r) => r.id === 'load-test')!;
    expect(JSON.stringify(load.evidence)).toMatch(/signoff: \d+ requests/);
    expect(JSON.stringify(result.report.readiness[0]!.evidence)).toMatch(new RegExp(`namespace judged.*${NAMESPACE}`));
    expect(JSON.stringify(result.report.readiness.find((r) => r.id === 'alerting')!.evidence)).toMatch(/delivered to drillbook-webhook in \d+ ms/);
    expect(result.report.decision).toBe('go');
    expect(result.exitCode).toBe(0);
    const html = readFileSync(result.written.html, 'utf8');
    const rows = html.match(/<tr data-kind="readiness"[\s\S]*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(result.report.readiness.length);
    for (const r of result.report.readiness) {
      const row = rows.find((x) => x.includes(`data-id="${r.id}"`));
      expect(row, `HTML matrix row ${r.id}`).toBeDefined();
      expect(row).toContain('data-status="PASS"');
      expect(row!.replace(/<[^>]+>/g, ''), `HTML evidence of ${r.id}`).toContain(r.evidence[0]!.label);
    }
    expect(new FaultLedger(join(stateDir, 'faults')).list()).toEqual([]);
    expect((await run(toolchainPaths().kind, ['get', 'clusters'])).stdout.split('\n')).toContain(CLUSTER);
  });

  it('(b) the backup CronJob removed on purpose: NO-GO, exit 1, the backup row names the CronJob', async () => {
    const kubeconfigPath = cacheDir('kind-clusters', CLUSTER, 'kubeconfig');
    let removal: Promise<unknown> | undefined;
    const result = await signoff('no-backup', {
      only: ['backend-crash'],
      loadSeconds: 30,
      onLog: (line) => {
        // after the drills and the environment's re-apply of the stack: the CronJob deleted while the load runs
        if (removal || !line.startsWith('sign-off load:')) return;
        const kc = new KubeConfig();
        kc.loadFromFile(kubeconfigPath);
        kc.setCurrentContext(`kind-${CLUSTER}`);
        removal = kc.makeApiClient(BatchV1Api).deleteNamespacedCronJob({ name: BACKUP_CRONJOB, namespace: NAMESPACE, propagationPolicy: 'Background' });
      },
    });
    expect(removal, 'the sign-off load never started: the CronJob could not be removed during it').toBeDefined();
    await removal;
    expect(result.journals.map((j) => j.scenario.id)).toEqual(['backend-crash']);
    const backup = result.report.readiness.find((r) => r.id === 'backup')!;
    expect(['FAIL', 'PENDING']).toContain(backup.status);
    expect(`${backup.action} ${JSON.stringify(backup.evidence)}`).toMatch(new RegExp(BACKUP_CRONJOB));
    expect(result.report.blockingFailures.map((f) => f.id)).toContain('backup');
    expect(result.report.decision).toBe('no-go');
    expect(result.exitCode).toBe(1);
    const html = readFileSync(result.written.html, 'utf8');
    expect(html).toMatch(/<tr data-kind="readiness" data-id="backup" data-status="(FAIL|PENDING)"/);
  });
});
