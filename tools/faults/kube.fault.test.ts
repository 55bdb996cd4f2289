import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { FaultLedger } from '../state/ledger.ts';
import { setKubeApiFactory } from '../state/undo.ts';
import { FAULT_FIELD_MANAGER, FAULT_ID_LABEL, KubeFaultInjector, REVERT_FIELD_MANAGER, restorableJob } from './kube.fault.ts';

const ours = { [LABELS.managedBy]: MANAGED_BY };
const runLabels = { ...ours, [LABELS.runId]: 'run-1', [LABELS.scenario]: 'bad-release-rollback' };
const cluster = { kubeconfig: '/nonexistent/kubeconfig', context: 'kind-drillbook-test' };

function deployment(image = 'drillbook/gravl-backend:v2-aaaa', labels: Record<string, string> = ours): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'backend', namespace: 'gravl', labels },
    spec: {
      replicas: 3,
      selector: { matchLabels: { component: 'backend' } },
      template: { metadata: { labels: { component: 'backend' } }, spec: { containers: [{ name: 'backend', image, args: ['serve'] }, { name: 'sidecar', image: 'x:1' }] } },
    },
  };
}
const pod = (name: string, labels: Record<string, string> = { ...ours, component: 'backend' }): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'gravl', labels } });
const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace: 'gravl', labels: ours, uid: 'u1', resourceVersion: '7' }, data: { JWT_SECRET: 'c2VjcmV0' } };

let api: FakeKubeApi;
let ledger: FaultLedger;
let injector: KubeFaultInjector;
let restore: () => void;

beforeEach(() => {
  api = new FakeKubeApi();
  ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'drillbook-ledger-')), 'faults'));
  injector = new KubeFaultInjector(api, cluster, ['gravl'], ledger);
  restore = setKubeApiFactory(() => api);
});
afterEach(() => restore());

describe('KubeFaultInjector.validate', () => {
  it('names every problem before anything is touched', () => {
    expect(injector.validate({ kind: 'node-melt' })[0]).toMatch(/unknown fault kind 'node-melt'.*pod-kill, container-kill, set-image, secret-delete, object-delete, job-replace, statefulset-storage-class/);
    expect(injector.validate({ kind: 'job-replace', namespace: 'gravl', job: 'db-migration', container: 'migrate' })).toEqual(['image: required (the bad release)']);
    expect(injector.validate({ kind: 'object-delete', namespace: 'gravl', objectKind: 'Namespace', name: 'gravl' })).toEqual([
      "objectKind: 'Namespace' must be one of Secret, ConfigMap, CronJob, NetworkPolicy",
    ]);
    expect(injector.validate({ kind: 'pod-kill', namespace: 'kube-system', selector: 'a=b' })).toEqual([
      "namespace: 'kube-system' is not one this run deployed; allowed: gravl",
    ]);
    expect(injector.validate({ kind: 'pod-kill', namespace: 'gravl', selector: '' })[0]).toMatch(/empty selector would kill every pod/);
    expect(injector.validate({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'gravl:latest' })[0]).toMatch(/explicit tag, not latest/);
    expect(injector.validate({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'drillbook/x:v1' })).toEqual([]);
    expect(injector.validate({ kind: 'secret-delete', namespace: 'gravl' })).toEqual(['name: must name the Secret (DNS label)']);
  });
});

describe('KubeFaultInjector.inject', () => {
  // issue 13: it used to leave nothing in the ledger at all; every fault is in it while in place, with nothing to undo
  it('pod-kill deletes every matching pod with grace period 0; the ledger holds it, with nothing to undo, until the revert', async () => {
    api.set(pod('backend-1'));
    api.set(pod('backend-2'));
    api.set(pod('postgres-0', { ...ours, component: 'database' }));
    const fault = await injector.inject({ kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' }, { labels: runLabels });
    expect(api.deleted.map((d) => [d.name, d.gracePeriodSeconds])).toEqual([['backend-1', 0], ['backend-2', 0]]);
    expect(ledger.list().map((e) => e.undo)).toEqual([[{ kind: 'self-healing', why: 'their controller recreates killed pods' }]]);
    expect((await fault.revert())[0]!.value).toMatch(/nothing to undo/);
    expect(ledger.list()).toEqual([]);
  });

  it('container-kill SIGKILLs the running containers of the matching pods on their nodes, only with node access', async () => {
    const running = (name: string, id: string): KubeObject => ({
      ...pod(name),
      spec: { nodeName: 'drillbook-x-control-plane' },
      status: { containerStatuses: [{ name: 'backend', containerID: `containerd://${id}`, state: { running: {} } }] },
    });
    api.set(running('backend-1', 'aaa111'));
    api.set(running('backend-2', 'bbb222'));
    const spec = { kind: 'container-kill', namespace: 'gravl', selector: 'component=backend' };
    expect(injector.validate(spec)[0]).toMatch(/needs access to the nodes/);
    const calls: string[] = [];
    injector.withNodeExec(async (node, args) => void calls.push(`${node}: ${args.join(' ')}`));
    expect(injector.validate(spec)).toEqual([]);
    await injector.inject(spec, { labels: runLabels });
    expect(calls.sort()).toEqual([
      'drillbook-x-control-plane: ctr -n k8s.io task kill -s SIGKILL aaa111',
      'drillbook-x-control-plane: ctr -n k8s.io task kill -s SIGKILL bbb222',
    ]);
    expect(api.deleted).toEqual([]); // the pods stay; the kubelet restarts their containers
  });

  it('refuses objects without the managed-by label', async () => {
    api.set(pod('foreign', { component: 'backend' }));
    await expect(injector.inject({ kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' }, { labels: runLabels })).rejects.toThrow(/refusing to touch Pod gravl\/foreign/);
    api.set(deployment('img:v1', {}));
    await expect(injector.inject({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'img:v2' }, { labels: runLabels })).rejects.toThrow(/refusing to touch Deployment/);
    expect(api.deleted).toEqual([]);
  });

  it('set-image patches one container with its own field manager; the ledger holds the undo; revert restores image and replicas', async () => {
    api.set(deployment());
    const fault = await injector.inject({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'drillbook/gravl-backend:broken-bbbb' }, { labels: runLabels });
    const stored = () => api.objects.get('apps/v1/Deployment/gravl/backend') as KubeObject & { spec: { replicas: number; template: { spec: { containers: { name: string; image: string; args?: string[] }[] } } } };
    expect(stored().spec.template.spec.containers.map((c) => c.image)).toEqual(['drillbook/gravl-backend:broken-bbbb', 'x:1']);
    expect(stored().spec.template.spec.containers[0]!.args).toEqual(['serve']); // a patch, not a replacement
    expect(api.managers).toEqual([FAULT_FIELD_MANAGER]);
    const [entry] = ledger.list();
    expect(entry).toMatchObject({ runId: 'run-1', scenario: 'bad-release-rollback', faultKind: 'set-image' });
    expect(entry!.undo[0]).toMatchObject({ kind: 'kube-apply', cluster, fieldManager: REVERT_FIELD_MANAGER });

    // the runbook scaled to 0 and was interrupted: the revert brings back replicas and image
    await api.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'backend', namespace: 'gravl' }, spec: { replicas: 0 } }, 'drillbook-runbook');
    const evidence = await fault.revert();
    expect(evidence[0]!.value).toMatch(/re-applied Deployment gravl\/backend in kind-drillbook-test/);
    expect(stored().spec.replicas).toBe(3);
    expect(stored().spec.template.spec.containers[0]!.image).toBe('drillbook/gravl-backend:v2-aaaa');
    expect(ledger.list()).toEqual([]);
    await fault.revert(); // idempotent
    expect(stored().spec.replicas).toBe(3);
  });

  it('secret-delete keeps the copy out of the evidence and re-creates the secret without server fields on revert', async () => {
    api.set(secret);
    const fault = await injector.inject({ kind: 'secret-delete', namespace: 'gravl', name: 'app-secret' }, { labels: runLabels });
    expect(await api.read({ apiVersion: 'v1', kind: 'Secret', namespace: 'gravl', name: 'app-secret' })).toBeUndefined();
    expect(JSON.stringify(fault.evidence)).not.toContain('c2VjcmV0');
    expect(fault.evidence[0]!.value).toMatch(/keys: JWT_SECRET/);
    await fault.revert();
    const back = api.applied.at(-1)!;
    expect(back.metadata).toEqual({ name: 'app-secret', namespace: 'gravl', labels: ours });
    expect((back as { data?: unknown }).data).toEqual({ JWT_SECRET: 'c2VjcmV0' });
  });

  it('object-delete removes a CronJob and re-creates it on revert', async () => {
    const cron: KubeObject = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'postgres-backup-cronjob', namespace: 'gravl', labels: ours }, spec: { schedule: '0 2 * * *' } };
    api.set(cron);
    const fault = await injector.inject({ kind: 'object-delete', namespace: 'gravl', objectKind: 'CronJob', name: 'postgres-backup-cronjob' }, { labels: runLabels });
    expect(api.deleted.map((d) => `${d.kind}/${d.name}`)).toEqual(['CronJob/postgres-backup-cronjob']);
    expect(ledger.list()).toHaveLength(1);
    await fault.revert();
    expect(api.objects.get('batch/v1/CronJob/gravl/postgres-backup-cronjob')).toMatchObject({ spec: { schedule: '0 2 * * *' } });
    expect(ledger.list()).toEqual([]);
  });

  it('job-replace re-runs a Job with another image, and the revert deletes only that Job and brings the original back', async () => {
    const generated = { 'controller-uid': 'c1', 'batch.kubernetes.io/controller-uid': 'c1', 'job-name': 'db-migration', 'batch.kubernetes.io/job-name': 'db-migration' };
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'db-migration', namespace: 'gravl', labels: { ...ours, ...generated }, uid: 'c1' },
      spec: {
        backoffLimit: 4,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'c1' } },
        template: { metadata: { labels: { component: 'migration', ...generated } }, spec: { containers: [{ name: 'migrate', image: 'drillbook/gravl-backend:v2-aaaa', args: ['migrate'] }] } },
      },
      status: { succeeded: 1 },
    };
    const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace: 'gravl', name: 'db-migration' };
    api.set(job);
    const fault = await injector.inject({ kind: 'job-replace', namespace: 'gravl', job: 'db-migration', container: 'migrate', image: 'drillbook/gravl-backend:v3-cccc' }, { labels: runLabels });
    const replaced = (await api.read(ref)) as KubeObject & { spec: { selector?: unknown; template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string; args: string[] }[] } } } };
    expect(replaced.spec.template.spec.containers[0]).toMatchObject({ image: 'drillbook/gravl-backend:v3-cccc', args: ['migrate'] });
    // the controller's generated selector and labels are gone (the API refuses a Job created with them)
    expect(replaced.spec.selector).toBeUndefined();
    expect(replaced.spec.template.metadata.labels).toEqual({ component: 'migration' });
    expect(replaced.metadata.labels?.[FAULT_ID_LABEL]).toBe(fault.id);
    expect(replaced.metadata.labels?.[LABELS.runId]).toBe('run-1');
    expect(ledger.list()[0]!.undo.map((u) => u.kind)).toEqual(['kube-delete', 'kube-apply']);

    // revert while the bad Job is still there: it goes, the original definition comes back
    await fault.revert();
    const back = (await api.read(ref)) as KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(back.spec.template.spec.containers[0]!.image).toBe('drillbook/gravl-backend:v2-aaaa');
    expect(back.metadata.labels?.[FAULT_ID_LABEL]).toBeUndefined();
    expect(back).toEqual({ ...restorableJob(job), metadata: back.metadata });
    expect(ledger.list()).toEqual([]);
  });

  it('job-replace revert leaves a Job the runbook re-created alone', async () => {
    api.set({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'db-migration', namespace: 'gravl', labels: ours }, spec: { template: { spec: { containers: [{ name: 'migrate', image: 'v2:1' }] } } } });
    const fault = await injector.inject({ kind: 'job-replace', namespace: 'gravl', job: 'db-migration', container: 'migrate', image: 'v3:1' }, { labels: runLabels });
    // the runbook: kubectl delete job db-migration; kubectl apply -f db-migration-job.yaml (previous version)
    await api.delete({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'gravl', name: 'db-migration' });
    await api.apply({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'db-migration', namespace: 'gravl', labels: { ...ours, step: 'runbook' } }, spec: { template: { spec: { containers: [{ name: 'migrate', image: 'v2:1' }] } } } }, 'drillbook');
    const deletes = api.deleted.length;
    const evidence = await fault.revert();
    expect(api.deleted.length).toBe(deletes);
    expect(evidence.map((e) => e.value)).toEqual([expect.stringMatching(/nothing to delete/), expect.stringMatching(/nothing to re-apply/)]);
    expect((await api.read({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'gravl', name: 'db-migration' }))?.metadata.labels?.step).toBe('runbook');
  });

  it('statefulset-storage-class re-creates the StatefulSet asking for the missing class, deletes its PVCs, and reverts only its own copy', async () => {
    const sts: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'loki', namespace: 'gravl', labels: ours, uid: 's1' },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'loki', image: 'loki:1' }] } }, volumeClaimTemplates: [{ metadata: { name: 'loki-storage' }, spec: { storageClassName: 'local-path' } }] },
    };
    const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'gravl', name: 'loki' };
    const pvcRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'gravl', name: 'loki-storage-loki-0' };
    api.set(sts);
    api.set({ ...pvcRef, metadata: { name: pvcRef.name, namespace: 'gravl', labels: ours } } as unknown as KubeObject);
    const fault = await injector.inject({ kind: 'statefulset-storage-class', namespace: 'gravl', statefulset: 'loki', storageClass: 'standard' }, { labels: runLabels });
    type Sts = KubeObject & { spec: { volumeClaimTemplates: { metadata: { labels: Record<string, string> }; spec: { storageClassName: string } }[] } };
    const now = (await api.read(ref)) as Sts;
    expect(now.spec.volumeClaimTemplates[0]!.spec.storageClassName).toBe('standard');
    expect(now.spec.volumeClaimTemplates[0]!.metadata.labels[FAULT_ID_LABEL]).toBe(fault.id);
    expect(await api.read(pvcRef)).toBeUndefined();
    expect(fault.evidence[0]!.value).toMatch(/asking for StorageClass 'standard' \(was local-path\); its PVCs loki-storage-loki-0 deleted/);
    await fault.revert();
    expect(((await api.read(ref)) as Sts).spec.volumeClaimTemplates[0]!.spec.storageClassName).toBe('local-path');
    expect(ledger.list()).toEqual([]);

    // the runbook replaced it (emptyDir, no fault label): a second fault's revert leaves that alone
    const again = await injector.inject({ kind: 'statefulset-storage-class', namespace: 'gravl', statefulset: 'loki', storageClass: 'standard' }, { labels: runLabels });
    await api.delete(ref);
    api.set({ ...sts, spec: { replicas: 1, template: { spec: { volumes: [{ name: 'loki-storage', emptyDir: {} }] } } } } as KubeObject);
    await again.revert();
    expect(((await api.read(ref)) as KubeObject & { spec: { volumeClaimTemplates?: unknown } }).spec.volumeClaimTemplates).toBeUndefined();
  });

  it('statefulset-scale scales to 0 with its own field manager and the revert scales back to the saved count', async () => {
    api.set({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'postgres', namespace: 'gravl', labels: ours }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'postgres', image: 'pg:15' }] } } } });
    const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'gravl', name: 'postgres' };
    const fault = await injector.inject({ kind: 'statefulset-scale', namespace: 'gravl', statefulset: 'postgres', replicas: 0 }, { labels: runLabels });
    expect((await api.read(ref))?.spec).toMatchObject({ replicas: 0, template: { spec: { containers: [{ image: 'pg:15' }] } } });
    expect(api.managers.at(-1)).toBe(FAULT_FIELD_MANAGER);
    expect(ledger.list()[0]!.undo).toEqual([expect.objectContaining({ kind: 'kube-apply', manifests: [expect.objectContaining({ spec: { replicas: 1 } })] })]);
    expect(fault.evidence.map((e) => e.value).join(' ')).toMatch(/scaled from 1 to 0/);
    await fault.revert();
    expect((await api.read(ref))?.spec).toMatchObject({ replicas: 1 });
    expect(api.managers.at(-1)).toBe(REVERT_FIELD_MANAGER);
    expect(ledger.list()).toEqual([]);
    expect(injector.validate({ kind: 'statefulset-scale', namespace: 'gravl', statefulset: 'postgres', replicas: -1 })).toEqual(["replicas: '-1' must be a whole number >= 0"]);
  });

  describe('job-with-undo', () => {
    const psqlJob = (name: string, sql: string, namespace = 'gravl'): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'psql', image: 'pg:15', command: ['/bin/sh', '-c', sql] }] } } },
    });
    const jobRef = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'gravl', name });
    /** The fake cluster runs each Job applied: Complete, and its pod terminated with `said`. */
    const runJobs = (said: (job: KubeObject) => string) => {
      api.onApply = (o) => {
        if (o.kind !== 'Job' || (o as { status?: unknown }).status) return;
        queueMicrotask(() => {
          api.set({ ...pod(`${o.metadata.name}-x`, { 'job-name': o.metadata.name }), status: { containerStatuses: [{ state: { terminated: { exitCode: 0, message: said(o) } } }] } } as KubeObject);
          api.set({ ...o, status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } } as KubeObject);
        });
      };
    };

    it('runs the statement Job, keeps the revert Job in the ledger, and the revert runs it, then removes both', async () => {
      runJobs((job) => `ran ${job.metadata.name}`);
      const fault = await injector.inject(
        { kind: 'job-with-undo', namespace: 'gravl', job: psqlJob('age-backups-r1', "UPDATE backup_runs SET finished_at = finished_at - interval '25 hours'"), revertJob: psqlJob('age-backups-r1-undo', "UPDATE backup_runs SET finished_at = finished_at + interval '25 hours'") },
        { labels: runLabels },
      );
      const forward = await api.read(jobRef('age-backups-r1'));
      expect(forward?.metadata.labels).toMatchObject({ ...runLabels, [FAULT_ID_LABEL]: fault.id });
      expect(fault.evidence.map((e) => e.value).join('\n')).toMatch(/UPDATE backup_runs SET finished_at = finished_at - interval '25 hours'[\s\S]*ran age-backups-r1/);
      const undo = ledger.list()[0]!.undo;
      expect(undo).toEqual([expect.objectContaining({ kind: 'kube-apply', onlyIfAbsent: true, manifests: [expect.objectContaining({ metadata: expect.objectContaining({ name: 'age-backups-r1-undo' }) })] })]);
      expect(await api.read(jobRef('age-backups-r1-undo'))).toBeUndefined();

      const evidence = await fault.revert();
      expect(evidence.map((e) => e.value).join(' ')).toMatch(/ran age-backups-r1-undo/);
      expect(api.deleted.map((d) => d.name)).toEqual(['age-backups-r1', 'age-backups-r1-undo']);
      expect(ledger.list()).toEqual([]);
    });

    it('a statement Job that fails is an error with what its pod said', async () => {
      api.onApply = (o) => {
        if (o.kind !== 'Job' || (o as { status?: unknown }).status) return;
        queueMicrotask(() => {
          api.set({ ...pod(`${o.metadata.name}-x`, { 'job-name': o.metadata.name }), status: { containerStatuses: [{ state: { terminated: { exitCode: 3, message: 'ERROR:  relation "backup_runs" does not exist' } } }] } } as KubeObject);
          api.set({ ...o, status: { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } } as KubeObject);
        });
      };
      await expect(
        injector.inject({ kind: 'job-with-undo', namespace: 'gravl', job: psqlJob('bad-r1', 'UPDATE backup_runs SET ok = false'), revertJob: psqlJob('bad-r1-undo', 'SELECT 1') }, { labels: runLabels }),
      ).rejects.toThrow(/relation "backup_runs" does not exist/);
    });

    it('refuses manifests that are not Jobs of its namespace, and Jobs that already exist', async () => {
      expect(injector.validate({ kind: 'job-with-undo', namespace: 'gravl', job: { kind: 'Pod' }, revertJob: psqlJob('x', 'SELECT 1', 'other') })).toEqual([
        'job: must be a batch/v1 Job manifest with a DNS-label name (its pod writes a termination message)',
        "revertJob: its namespace 'other' must be the fault's namespace 'gravl'",
      ]);
      expect(injector.validate({ kind: 'job-with-undo', namespace: 'gravl', job: psqlJob('same', 'SELECT 1'), revertJob: psqlJob('same', 'SELECT 1') })).toEqual(['revertJob: must have a name of its own (both Jobs exist at once)']);
      expect(injector.validate({ kind: 'job-with-undo', namespace: 'gravl', job: psqlJob('a', 'DO $$ BEGIN NULL; END $$;'), revertJob: psqlJob('b', 'DO $body$ BEGIN NULL; END $body$;') })).toEqual([
        "job: its command has '$$', which the kubelet turns into '$' (write a named dollar quote, e.g. $body$ ... $body$)",
      ]);
      api.set({ ...psqlJob('left-r1', 'SELECT 1'), metadata: { name: 'left-r1', namespace: 'gravl', labels: ours } });
      await expect(injector.inject({ kind: 'job-with-undo', namespace: 'gravl', job: psqlJob('left-r1', 'SELECT 1'), revertJob: psqlJob('left-r1-undo', 'SELECT 1') }, { labels: runLabels })).rejects.toThrow(/already exists/);
      expect(ledger.list()).toEqual([]);
    });
  });

  it('a missing target is an error that says so, and nothing is recorded', async () => {
    await expect(injector.inject({ kind: 'secret-delete', namespace: 'gravl', name: 'app-secret' }, { labels: runLabels })).rejects.toThrow(/Secret gravl\/app-secret does not exist/);
    await expect(injector.inject({ kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' }, { labels: runLabels })).rejects.toThrow(/no pod in gravl matches/);
    expect(ledger.list()).toEqual([]);
  });
});
