// The ledger example's description (drillbook.yaml) and its plain YAML manifests (k8s/) agree: every name, port,
// path, Secret key, CronJob and volume the description gives exists in the manifests, every image they run is one
// the image catalogue builds, and every container has probes and limits. Drift here would make a drill fail
// against a stack that is fine (or pass against the wrong object).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RECIPES } from '../../../tools/images/recipes.ts';

const here = import.meta.dirname;

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  stringData?: Record<string, string>;
}

const manifests: Obj[] = readdirSync(join(here, 'k8s'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) =>
    parseAllDocuments(readFileSync(join(here, 'k8s', f), 'utf8')).map((d) => {
      if (d.errors.length) throw new Error(`k8s/${f}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as Obj;
    }),
  )
  .filter(Boolean);

const description = parse(readFileSync(join(here, 'drillbook.yaml'), 'utf8')) as { stack: any };
const stack = description.stack;

function find(kind: string, name: string): Obj {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in k8s/; there are: ${manifests.filter((m) => m.kind === kind).map((m) => m.metadata.name).join(', ') || 'none'}`);
  return found;
}

/** Pod templates with the kind of workload that runs them. */
function podSpecs(): { owner: string; job: boolean; spec: any }[] {
  return manifests.flatMap((m): { owner: string; job: boolean; spec: any }[] => {
    const owner = `${m.kind} ${m.metadata.name}`;
    if (m.kind === 'Deployment' || m.kind === 'StatefulSet') return [{ owner, job: false, spec: m.spec.template.spec }];
    if (m.kind === 'CronJob') return [{ owner, job: true, spec: m.spec.jobTemplate.spec.template.spec }];
    return [];
  });
}

const catalogueAliases = Object.values(RECIPES).flatMap((r) => r.aliases ?? []);

describe('ledger example: description and manifests agree', () => {
  it('puts every namespaced object in the described namespace, which the manifests create', () => {
    expect(find('Namespace', stack.namespace).metadata.name).toBe('ledger');
    for (const m of manifests.filter((o) => o.kind !== 'Namespace')) expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe(stack.namespace);
  });

  it('finds the backend: Deployment, container, port, health and readiness paths, its Secret', () => {
    const b = stack.components.backend;
    const deployment = find('Deployment', b.deployment);
    expect(deployment.spec.replicas).toBe(2);
    const container = deployment.spec.template.spec.containers.find((c: any) => c.name === b.container);
    expect(container, `container ${b.container}`).toBeDefined();
    const port = container.ports.find((p: any) => p.containerPort === b.port);
    expect(port, `containerPort ${b.port}`).toBeDefined();
    expect(container.env.find((e: any) => e.name === 'LEDGER_PORT').value).toBe(String(b.port));
    expect([container.livenessProbe.httpGet.path, container.livenessProbe.httpGet.port]).toEqual([b.healthPath, port.name]);
    expect([container.readinessProbe.httpGet.path, container.readinessProbe.httpGet.port]).toEqual([b.readinessPath, port.name]);
    const secretRefs = container.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef.name);
    expect(new Set(secretRefs)).toEqual(new Set([b.appSecret]));
    const service = manifests.find((m) => m.kind === 'Service' && m.spec.selector?.['app.kubernetes.io/name'] === deployment.spec.selector.matchLabels['app.kubernetes.io/name']);
    expect(service?.spec.type).toBe('NodePort');
    expect(service?.spec.ports[0].targetPort).toBe(port.name);
  });

  it('finds the database: StatefulSet, Service and port, credentials Secret with both keys, database name', () => {
    const d = stack.components.database;
    const sts = find(d.kind, d.name);
    const service = find('Service', d.service);
    expect(service.spec.ports.map((p: any) => p.port)).toContain(d.port);
    expect(service.spec.selector).toEqual(sts.spec.selector.matchLabels);
    const secret = find('Secret', d.credentials.secret);
    expect(Object.keys(secret.stringData ?? {})).toEqual(expect.arrayContaining([d.credentials.userKey, d.credentials.passwordKey]));
    const env = sts.spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'POSTGRES_DB').value).toBe(d.credentials.database);
    expect(env.find((e: any) => e.name === 'POSTGRES_USER').valueFrom.secretKeyRef).toEqual({ name: d.credentials.secret, key: d.credentials.userKey });
    expect(env.find((e: any) => e.name === 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: d.credentials.secret, key: d.credentials.passwordKey });
    const app = find('Deployment', stack.components.backend.deployment).spec.template.spec.containers[0].env;
    expect(app.find((e: any) => e.name === 'LEDGER_DB_HOST').value).toBe(d.service);
    expect(app.find((e: any) => e.name === 'LEDGER_DB_PORT').value).toBe(String(d.port));
    expect(app.find((e: any) => e.name === 'LEDGER_DB_NAME').value).toBe(d.credentials.database);
  });

  it('finds the backup: a CronJob that dumps into the described PVC', () => {
    const b = stack.components.backup;
    const cron = find('CronJob', b.cronJob);
    find('PersistentVolumeClaim', b.pvc);
    const volumes = cron.spec.jobTemplate.spec.template.spec.volumes;
    expect(volumes.map((v: any) => v.persistentVolumeClaim?.claimName)).toContain(b.pvc);
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].args.join('\n')).toMatch(/pg_dump/);
  });

  it('gives every container probes, requests and limits (a Job container: liveness and a deadline)', () => {
    const specs = podSpecs();
    expect(specs.length).toBe(3);
    for (const { owner, job, spec } of specs) {
      for (const c of spec.containers) {
        const where = `${owner} container ${c.name}`;
        expect(c.livenessProbe, `${where}: livenessProbe`).toBeDefined();
        if (!job) expect(c.readinessProbe, `${where}: readinessProbe`).toBeDefined();
        expect(Object.keys(c.resources?.limits ?? {}).sort(), `${where}: limits`).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources?.requests ?? {}).sort(), `${where}: requests`).toEqual(['cpu', 'memory']);
        expect(c.imagePullPolicy, `${where}: kind has no registry to pull from`).toBe('IfNotPresent');
      }
    }
    expect(find('CronJob', stack.components.backup.cronJob).spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
  });

  it('runs only images the description lists, each one the image catalogue builds', () => {
    const used = new Set(podSpecs().flatMap(({ spec }) => spec.containers.map((c: any) => c.image)));
    expect([...used].sort()).toEqual([...stack.deploy.images].sort());
    const releases = Object.values(stack.releases) as string[];
    for (const image of [...stack.deploy.images, ...releases]) expect(catalogueAliases, `${image}: no recipe in tools/images/recipes.ts tags it`).toContain(image);
    expect(stack.deploy.images).toContain(stack.releases.previous);
  });

  it('probes through the service\'s own write and list routes, with a seq and the run id in every write', () => {
    const p = stack.probe;
    expect(p.write.body).toMatch(/"seq": \{\{seq\}\}/);
    expect(p.write.body).toMatch(/"writer": "\{\{runId\}\}"/);
    const filled = JSON.parse(p.write.body.replace('{{seq}}', '7').replace('{{runId}}', 'run-1'));
    expect(filled).toEqual({ writer: 'run-1', seq: 7, note: 'drillbook probe' });
    const routes = readFileSync(join(here, 'app', 'handlers.go'), 'utf8');
    expect(routes).toContain(`"${p.write.method} ${p.write.path}"`);
    expect(routes).toContain(`"${p.read.method} ${p.read.path.split('?')[0]}"`);
    expect(p.seqField).toBe('seq');
  });
});
