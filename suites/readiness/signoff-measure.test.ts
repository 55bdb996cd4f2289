// measureSignoff behind its ports: the order of the sign-off's measurements after the drills, the restart counts
// around the load (GO_LIVE § 6.1), the namespace judged (the environment's, not the config's), the backup run from
// the CronJob when none of its Jobs succeeded, and facts that could not be measured said with why.
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../scenarios/ports.ts';
import type { CredentialRef } from './collect.ts';
import { measureSignoff, type SignoffClusterEnv, type SignoffMeasurePorts } from './signoff-measure.ts';
import type { ContainerRestarts, HarnessFacts } from './snapshot.ts';
import { editSnapshot, readySnapshot } from './testing/snapshots.ts';

const LOAD: LoadResult = readySnapshot().facts.load!;
const STATUS = { config: { original: 'route:\n  receiver: drillbook-webhook\nreceivers:\n  - name: drillbook-webhook\n    webhook_configs:\n      - url: http://w\n' } };

function fakeCluster(over: Partial<SignoffClusterEnv> & { restarts?: ContainerRestarts[][] } = {}) {
  const calls: string[] = [];
  const restarts = over.restarts ?? [[{ pod: 'backend-a', container: 'backend', restarts: 0 }]];
  let sample = 0;
  const cluster: SignoffClusterEnv = {
    appNamespace: 'gravl',
    backupCronJob: 'postgres-backup-cronjob',
    runBackupFromCronJob: async () => (calls.push('backup'), 'kubectl create job --from=cronjob/postgres-backup-cronjob postgres-backup-cronjob-manual-a1: succeeded'),
    backupSucceeded: async () => (calls.push('backup?'), false),
    appRestarts: async () => (calls.push('restarts'), restarts[Math.min(sample++, restarts.length - 1)]!),
    appliedMigrations: async () => (calls.push('migrations'), ['001_init', '002_add_rpe']),
    prometheus: async () => ({ data: { activeTargets: [{ labels: { job: 'gravl-backend', instance: '10.244.0.7:3001' }, scrapeUrl: 'x', health: 'up' }] } }),
    alertmanager: async () => STATUS,
    loki: async () => ({ data: { result: [{ values: [[String(BigInt(Date.now()) * 1_000_000n), 'workout log committed']] }] } }),
    lokiQuery: '{job="pods"} |= "workout log committed"',
    testAlert: {
      postAlerts: async () => ({ status: 200, body: '' }),
      deliveries: async () => [{ receivedAtWall: new Date(Date.now() + 50).toISOString(), status: 'firing', receiver: 'drillbook-webhook' }],
    },
    routeAlertsToWebhook: async () => 'routed',
    ...over,
  };
  return { cluster, calls };
}

async function run(cluster: SignoffClusterEnv, over: Partial<SignoffMeasurePorts> = {}) {
  const logs: string[] = [];
  const collected: { appNamespace: string; credentialRefs: readonly CredentialRef[]; facts: HarnessFacts }[] = [];
  const result = await measureSignoff(
    {
      cluster,
      dbUser: 'gravl_user',
      configuredNamespace: 'gravl-staging',
      runId: 'signoff-unit',
      log: (l) => logs.push(l),
      runLoad: async () => LOAD,
      collect: async (o) => {
        collected.push(o);
        // the fixture cluster, judged with what the harness measured and in the namespace it was asked for
        return { snapshot: editSnapshot((s) => ((s.facts = o.facts), (s.appNamespace = o.appNamespace))), secrets: ['pw-value'] };
      },
      ...over,
    },
    new AbortController().signal,
  );
  const row = (id: string) => result.readiness.find((r) => r.id === id)!;
  return { result, logs, collected, row };
}

describe('measureSignoff', () => {
  it('healthy: every row PASS from measured facts; the namespace judged is the environment’s, said in the report', async () => {
    const { cluster, calls } = fakeCluster();
    const { result, collected, row, logs } = await run(cluster);
    expect(result.readiness.filter((r) => r.status !== 'PASS').map((r) => `${r.id}: ${r.action}`)).toEqual([]);
    expect(collected[0]!.appNamespace).toBe('gravl');
    expect(collected[0]!.credentialRefs).toEqual([{ namespace: 'gravl', secret: 'postgres-secret', key: 'POSTGRES_PASSWORD', user: 'gravl_user' }]);
    expect(result.readiness[0]!.evidence[0]).toEqual({ kind: 'text', label: 'namespace judged', value: expect.stringMatching(/^gravl .*config\.stack\.namespace: gravl-staging/) });
    expect(logs.some((l) => /snapshot of namespace gravl .*config\.stack\.namespace is gravl-staging/.test(l))).toBe(true);
    // the backup is run from the CronJob before the load when none of its Jobs succeeded; restarts sampled around the load
    expect(calls.slice(0, 4)).toEqual(['backup?', 'backup', 'restarts', 'restarts']);
    expect(JSON.stringify(row('alerting').evidence)).toMatch(/delivered to drillbook-webhook in \d+ ms/);
    expect(JSON.stringify(row('migrations').evidence)).toMatch(/2\/2/);
    expect(result.secrets).toEqual(['pw-value']);
  });

  it('a container restarted during the load: no-restarts-under-load FAILs naming the pod, and the decision is blocked', async () => {
    const { cluster } = fakeCluster({
      restarts: [
        [{ pod: 'backend-a', container: 'backend', restarts: 0 }, { pod: 'postgres-0', container: 'postgres', restarts: 0 }],
        [{ pod: 'backend-a', container: 'backend', restarts: 2 }, { pod: 'postgres-0', container: 'postgres', restarts: 0 }],
      ],
    });
    const { row, logs } = await run(cluster);
    const r = row('no-restarts-under-load');
    expect(r.status).toBe('FAIL');
    expect(r.blocking).toBe(true);
    expect(r.action).toMatch(/backend-a/);
    expect(r.action).not.toMatch(/postgres-0/);
    expect(logs).toContain('restarts during the sign-off load: backend-a/backend 0 -> 2');
  });

  it('a backup Job of the CronJob already succeeded: none is run again', async () => {
    const { cluster, calls } = fakeCluster({ backupSucceeded: async () => true });
    await run(cluster);
    expect(calls).not.toContain('backup');
  });

  it('the CronJob gone: no backup run, the sign-off goes on and the backup row says what is missing', async () => {
    const { cluster } = fakeCluster({
      runBackupFromCronJob: async () => {
        throw new Error('CronJob gravl/postgres-backup-cronjob is not deployed: nothing to run a backup from');
      },
    });
    const { logs } = await run(cluster);
    expect(logs.some((l) => /no run of CronJob gravl\/postgres-backup-cronjob \(CronJob gravl\/postgres-backup-cronjob is not deployed/.test(l))).toBe(true);
  });

  it('facts that cannot be measured are PENDING with why, and a test alert not delivered is a FAIL, never a PASS', async () => {
    const { cluster } = fakeCluster({
      prometheus: async () => {
        throw new Error('GET gravl-monitoring/prometheus:9090/api/v1/targets: HTTP 503 no endpoints available');
      },
      appliedMigrations: async () => {
        throw new Error('Job gravl/db-migrations-x failed');
      },
      testAlert: { postAlerts: async () => ({ status: 200, body: '' }), deliveries: async (_m, waitMs) => (await new Promise((r) => setTimeout(r, Math.min(waitMs, 5))), []), now: (() => { let t = 0; return () => (t += 30_000); })() },
    });
    const { row } = await run(cluster, { runLoad: async () => { throw new Error('k6: no handshake with gravl.example.test'); } });
    expect(row('prometheus-targets')).toMatchObject({ status: 'PENDING', action: expect.stringMatching(/HTTP 503 no endpoints/) });
    expect(row('migrations')).toMatchObject({ status: 'PENDING', action: expect.stringMatching(/db-migrations-x failed/) });
    expect(row('load-test')).toMatchObject({ status: 'PENDING', action: expect.stringMatching(/no handshake/) });
    expect(row('alerting').status).toBe('FAIL');
    expect(JSON.stringify(row('alerting').evidence)).toMatch(/NOT delivered to drillbook-webhook/);
  });
});
