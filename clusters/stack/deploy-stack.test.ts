import { describe, expect, it } from 'vitest';
import { WaitTimeoutError } from '../../scenarios/errors.ts';
import type { KubeObject } from '../kube/kube-api.ts';
import { KubeClient } from '../kube/kube-client.ts';
import { FakeKubeApi } from '../kube/testing/fake-kube-api.ts';
import { applyReplacingImmutable, deployStack, immutableRefusal } from './deploy-stack.ts';
import { allObjects, referenceStack } from './manifests/stack.manifest.ts';
import { stackOptions } from './manifests/stack-options.ts';

const options = stackOptions({
  images: { postgres: 'drillbook/postgres:15-aaaaaaaa', backend: 'drillbook/gravl-backend:v1-bbbbbbbb', loki: 'drillbook/loki:v3-cccccccc' },
  db: { user: 'gravl_user', password: 'pw', name: 'gravl' },
  jwtSecret: 'jwt',
});

/** Plays the controllers: whatever is applied becomes ready at once. */
function readyController(api: FakeKubeApi, except: string[] = []) {
  api.onApply = (o: KubeObject) => {
    if (except.includes(o.metadata.name)) return;
    const spec = (o.spec ?? {}) as { replicas?: number };
    const n = spec.replicas ?? 1;
    if (o.kind === 'Deployment') api.set({ ...o, status: { observedGeneration: 0, replicas: n, updatedReplicas: n, availableReplicas: n } });
    if (o.kind === 'StatefulSet') {
      api.set({ ...o, status: { readyReplicas: n, updatedReplicas: n } });
      for (const t of (o.spec as { volumeClaimTemplates?: KubeObject[] }).volumeClaimTemplates ?? []) {
        api.set({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `${t.metadata.name}-${o.metadata.name}-0`, namespace: o.metadata.namespace }, status: { phase: 'Bound' } });
      }
    }
    if (o.kind === 'Job') api.set({ ...o, status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } });
  };
}

describe('reference stack', () => {
  it('deploys stage by stage: foundation, database, migration, app, observability, backup', async () => {
    const api = new FakeKubeApi();
    readyController(api);
    const timings = await deployStack(new KubeClient(api), options, { conditionTimeoutMs: 1000 });
    expect(timings.map((t) => t.stage)).toEqual(['foundation', 'database', 'migration', 'app', 'observability', 'backup']);
    const kinds = api.applied.map((o) => o.kind);
    expect(kinds.indexOf('Namespace')).toBeLessThan(kinds.indexOf('StatefulSet'));
    expect(api.applied.findIndex((o) => o.kind === 'Job')).toBeLessThan(api.applied.findIndex((o) => o.kind === 'Deployment'));
  });

  it('stops at the first stage whose condition does not hold, naming it', async () => {
    const api = new FakeKubeApi();
    readyController(api, ['db-migration']);
    const error = await deployStack(new KubeClient(api), options, { conditionTimeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).condition).toBe('Job gravl-production/db-migration succeeded');
    expect(api.applied.some((o) => o.kind === 'Deployment')).toBe(false);
  });

  it('takes every image from the options (no hardcoded tags) and pins IfNotPresent', () => {
    const containers = allObjects(referenceStack(options)).flatMap((o) => JSON.stringify(o).match(/"image":"[^"]+"/g) ?? []);
    expect(containers.length).toBeGreaterThan(3);
    for (const c of containers) expect(Object.values(options.images).some((tag) => c === `"image":"${tag}"`)).toBe(true);
    expect(JSON.stringify(allObjects(referenceStack(options)))).not.toContain('"imagePullPolicy":"Always"');
  });

  it('default-denies every stack namespace and allows DNS egress', () => {
    const policies = allObjects(referenceStack(options)).filter((o) => o.kind === 'NetworkPolicy');
    for (const ns of Object.values(options.namespaces)) {
      expect(policies.some((p) => p.metadata.namespace === ns && p.metadata.name === 'default-deny-all')).toBe(true);
      expect(policies.some((p) => p.metadata.namespace === ns && p.metadata.name === 'allow-dns-egress')).toBe(true);
    }
  });

  it('puts Loki on its own StorageClass when asked (standard reproduces the seeds\' failure)', () => {
    const stages = referenceStack({ ...options, lokiStorageClass: 'standard' });
    const lokiSet = allObjects(stages).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'loki');
    expect(JSON.stringify(lokiSet)).toContain('"storageClassName":"standard"');
    const pg = allObjects(stages).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres');
    expect(JSON.stringify(pg)).toContain('"storageClassName":"local-path"');
  });

  it('archives WAL into a volume of the database pod only when asked, with the archive_timeout given', () => {
    const pgOf = (o: typeof options) => allObjects(referenceStack(o)).find((x) => x.kind === 'StatefulSet' && x.metadata.name === 'postgres')!;
    const container = (pg: KubeObject) => (pg.spec as { template: { spec: { containers: { env: { name: string; value?: string }[]; volumeMounts: { name: string; mountPath: string }[] }[] } } }).template.spec.containers[0]!;
    const off = pgOf(options);
    expect(container(off).env.map((e) => e.name)).not.toContain('POSTGRES_ARCHIVE_COMMAND');
    expect(JSON.stringify(off)).not.toContain('wal-archive');
    const on = pgOf({ ...options, walArchive: { timeoutSeconds: 300 } });
    expect(container(on).env).toEqual(expect.arrayContaining([{ name: 'POSTGRES_ARCHIVE_COMMAND', value: 'default' }, { name: 'POSTGRES_ARCHIVE_TIMEOUT', value: '300' }]));
    expect(container(on).volumeMounts).toContainEqual({ name: 'wal-archive', mountPath: '/var/lib/postgresql/wal-archive' });
    expect((on.spec as { template: { spec: { volumes: unknown[] } } }).template.spec.volumes).toEqual([{ name: 'wal-archive', emptyDir: {} }]);
  });
});

describe('a kept cluster where a drill left the remediation', () => {
  /** The API server's 422 as client-node throws it: the Status in `body`, naming the object in `details`. */
  const refusal = (kind: string, group: string, name: string, message: string, field: string) =>
    Object.assign(new Error('HTTP-Code: 422\nMessage: Unsuccessful HTTP Request'), {
      code: 422,
      body: JSON.stringify({ kind: 'Status', status: 'Failure', message, reason: 'Invalid', details: { name, group, kind, causes: [{ reason: 'FieldValueInvalid', message, field }] }, code: 422 }),
    });
  /** The API server's rules: a StatefulSet's volumeClaimTemplates and a Job's pod template cannot change once they exist. */
  class ImmutableStatefulSets extends FakeKubeApi {
    override async apply(object: KubeObject, fieldManager: string): Promise<KubeObject> {
      const stored = await this.read({ apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace!, name: object.metadata.name });
      const claims = (o: KubeObject | undefined) => JSON.stringify((o?.spec as { volumeClaimTemplates?: unknown } | undefined)?.volumeClaimTemplates ?? []);
      const template = (o: KubeObject | undefined) => JSON.stringify((o?.spec as { template?: unknown } | undefined)?.template ?? {});
      if (object.kind === 'StatefulSet' && stored && claims(stored) !== claims(object)) {
        throw refusal('StatefulSet', 'apps', object.metadata.name, `StatefulSet.apps "${object.metadata.name}" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden`, 'spec');
      }
      if (object.kind === 'Job' && stored && template(stored) !== template(object)) {
        throw refusal('Job', 'batch', object.metadata.name, `Job.batch "${object.metadata.name}" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable`, 'spec.template');
      }
      return super.apply(object, fieldManager);
    }
  }

  it('replaces a Job whose pod template changed (the next release\'s migration Job on a kept cluster)', async () => {
    const api = new ImmutableStatefulSets();
    readyController(api);
    const migration = allObjects(referenceStack(options)).find((o) => o.kind === 'Job')!;
    const older = structuredClone(migration) as KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
    older.spec.template.spec.containers[0]!.image = 'drillbook/gravl-backend:v2-older';
    api.set(older);
    const replaced: string[] = [];
    await deployStack(new KubeClient(api), options, { conditionTimeoutMs: 1000, onReplace: (l) => replaced.push(l) });
    expect(replaced).toEqual([expect.stringMatching(new RegExp(`^Job ${migration.metadata.namespace}/${migration.metadata.name}: its immutable spec differs`))]);
    expect(api.deleted).toEqual([expect.objectContaining({ kind: 'Job', name: migration.metadata.name })]);
  });

  it('a refusal for an object outside the definition, or one that repeats after the replacement, still fails', async () => {
    expect(immutableRefusal(new Error('wrapped', { cause: refusal('Job', 'batch', 'x', 'spec.template: field is immutable', 'spec.template') }))).toEqual({ kind: 'Job', name: 'x' });
    expect(immutableRefusal(refusal('Deployment', 'apps', 'x', 'spec.selector: field is immutable', 'spec.selector'))).toBeUndefined();
    expect(immutableRefusal(refusal('Job', 'batch', 'x', 'spec.completions: Invalid value: 0', 'spec.completions'))).toBeUndefined();
    const stubborn = new FakeKubeApi();
    stubborn.apply = async (o) => {
      throw refusal(o.kind, 'x', o.metadata.name, 'field is immutable', 'spec');
    };
    stubborn.set({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
    await expect(applyReplacingImmutable(new KubeClient(stubborn), [{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'n' } }], {})).rejects.toThrow(/422/);
  });

  it("replaces a StatefulSet whose immutable spec differs (Loki left on an emptyDir), and says so; any other apply error still fails", async () => {
    const api = new ImmutableStatefulSets();
    readyController(api);
    // what the loki-storage-emptydir drill leaves: Loki without a claim template
    const loki = allObjects(referenceStack(options)).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'loki')!;
    api.set({ ...loki, spec: { ...(loki.spec as object), volumeClaimTemplates: [] } });
    const replaced: string[] = [];
    const timings = await deployStack(new KubeClient(api), options, { conditionTimeoutMs: 1000, onReplace: (l) => replaced.push(l) });
    expect(timings.map((t) => t.stage)).toContain('observability');
    expect(replaced).toEqual([expect.stringMatching(/^StatefulSet gravl-logging\/loki: its immutable spec differs/)]);
    expect(api.deleted).toEqual([expect.objectContaining({ kind: 'StatefulSet', name: 'loki' })]);
    const now = await api.read({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'gravl-logging', name: 'loki' });
    expect((now!.spec as { volumeClaimTemplates: unknown[] }).volumeClaimTemplates).toHaveLength(1);

    const broken = new FakeKubeApi();
    broken.apply = async () => {
      throw new Error('HTTP-Code: 403 forbidden');
    };
    await expect(deployStack(new KubeClient(broken), options, { conditionTimeoutMs: 1000 })).rejects.toThrow(/403/);
  });
});
