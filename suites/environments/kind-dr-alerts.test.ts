// The DR alert drills' faults as the kind environment builds them: each one is a spec the kube injector accepts
// (a Job the kubelet runs as written: no '$$', names within a DNS label), and each call gets Jobs of its own.
import { describe, expect, it } from 'vitest';
import { KubeClient } from '../../clusters/kube/kube-client.ts';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import { stackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { KubeFaultInjector } from '../../tools/faults/kube.fault.ts';
import { kindAlertingEnv } from './kind-alerting.ts';
import { kindDrAlertsEnv } from './kind-dr-alerts.ts';

const stack = stackOptions({ images: { postgres: 'drillbook/postgres:15-x', backend: 'b:1', prometheus: 'p:1', alertmanager: 'a:1' }, db: { user: 'u', password: 'p', name: 'gravl' }, jwtSecret: 'j' });
const labels = { 'app.kubernetes.io/managed-by': 'drillbook', 'drillbook.io/run-id': 'r1' };

describe('kind DR alert faults', () => {
  const client = new KubeClient(new FakeKubeApi());
  const env = kindDrAlertsEnv({ client, stack, runLabels: labels, backendUrl: 'http://127.0.0.1:1' }, kindAlertingEnv(client, stack, labels));
  const injector = new KubeFaultInjector(client.api, { kubeconfig: '/x', context: 'kind-x' }, [stack.namespaces.app]);

  it('builds specs the kube injector accepts, each with Jobs of its own', () => {
    const specs = [env.primaryDatabaseDown(), env.recentBackupsWithheld(), env.backupRunRecorded({ sizeFactor: 0.1 }), env.backupRunRecorded({ sizeFactor: 1, uploadSeconds: 1500 }), env.restoreTestFailedOnDamagedDump(), env.walArchiveRefused(20)];
    for (const spec of specs) expect(injector.validate(spec), JSON.stringify(spec).slice(0, 200)).toEqual([]);
    const names = specs.flatMap((s) => (s.kind === 'job-with-undo' ? [(s.job as KubeObject).metadata.name, (s.revertJob as KubeObject).metadata.name] : []));
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => n.length <= 63)).toBe(true);
    expect(env.recentBackupsWithheld()).not.toEqual(env.recentBackupsWithheld());
  });

  it('the held-back backups are put back by id, and the recorded runs are deleted by their own marker', () => {
    const script = (job: unknown) => JSON.stringify((job as { spec: { template: { spec: { containers: { command: string[] }[] } } } }).spec.template.spec.containers[0]!.command);
    const held = env.recentBackupsWithheld();
    expect(script(held.job)).toMatch(/CREATE TABLE drillbook_dr_backups_held_\w+ AS SELECT \* FROM backup_runs WHERE kind = 'full' AND ok/);
    expect(script(held.revertJob)).toMatch(/INSERT INTO backup_runs SELECT \* FROM drillbook_dr_backups_held_\w+ ON CONFLICT \(id\) DO NOTHING/);
    const recorded = env.backupRunRecorded({ sizeFactor: 0.1 });
    const marker = /drillbook-fault:dr-backup-run-[0-9a-f]+/.exec(script(recorded.job))![0];
    expect(script(recorded.revertJob)).toContain(`DELETE FROM backup_runs WHERE location = '${marker}'`);
  });

  it('the refused WAL archive: write bit cleared, a segment finished and its wait aged; the revert sets the bit again', () => {
    const script = (job: unknown) => (job as { spec: { template: { spec: { containers: { command: string[] }[] } } } }).spec.template.spec.containers[0]!.command.join(' ');
    const refused = env.walArchiveRefused(20);
    const forward = script(refused.job);
    expect(forward).toContain("COPY (SELECT 1) TO PROGRAM 'chmod u-w /var/lib/postgresql/wal-archive';");
    expect(forward.indexOf('chmod u-w')).toBeLessThan(forward.indexOf('pg_switch_wal()'));
    expect(forward).toContain('touch -d "20 minutes ago" "$f"');
    expect(forward).toMatch(/RAISE EXCEPTION 'archive_mode is off/);
    expect(script(refused.revertJob)).toContain("COPY (SELECT 1) TO PROGRAM 'chmod u+w /var/lib/postgresql/wal-archive';");
  });
});
