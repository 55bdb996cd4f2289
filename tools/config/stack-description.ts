// The stack description: drillbook.yaml's `stack:` section says what the team runs, so the drills exercise their
// stack and not drillbook's Gravl replica. How it gets onto a kind cluster (manifests, kustomize or Helm, plus the
// local images to load), where each component is (names, ports, paths, Secrets), how one record is written and
// read back (the data-probe contract RPO is measured through), the team's k6 script, and the releases the
// rollback drills switch between.
//
// Validated like the rest of the config: each problem is one line `stack.field.path (got value): what is wrong;
// what to do`. Paths are relative to the folder of the drillbook.yaml they are written in, must exist, and come
// out of parseConfig as absolute paths. Whether the names exist in a live cluster is a second check
// (tools/config/stack-cluster-check.ts), run before anything is injected.
//
// Field names are stable: other stacks' descriptions are written against them.
import { readdirSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { showValue } from '../../scenarios/input.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const dnsLabel = z
  .string()
  .max(63, 'must be a DNS label: at most 63 characters')
  .regex(DNS_LABEL, "must be a DNS label: a-z, 0-9 and '-', starting and ending with a letter or digit");
/** A Kubernetes object name (Deployment, Service, Secret...): a DNS subdomain. */
const objectName = z
  .string()
  .max(253, 'a Kubernetes object name has at most 253 characters')
  .regex(DNS_SUBDOMAIN, "must be a Kubernetes object name: a-z, 0-9, '-' and '.', starting and ending with a letter or digit");
const port = z.int().min(1, 'a port is 1-65535').max(65535, 'a port is 1-65535');
const httpPath = z.string().regex(/^\/\S*$/, "must be an HTTP path starting with '/' (no spaces), e.g. /healthz");
/** A path relative to the drillbook.yaml's folder (or absolute); checked to exist after the schema. */
const filePath = z.string().min(1, 'must be a path (relative to the folder of drillbook.yaml)');
/** A Secret or ConfigMap key. */
const dataKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, "must be a Secret/ConfigMap key: letters, digits, '-', '_' and '.'");
/** A Docker image reference as `docker images` shows it: name[:tag] or name@sha256:... */
export const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/;
const imageRef = z.string().regex(IMAGE_REF, 'must be a Docker image reference: name[:tag] or name@sha256:<digest>, lower case');

// ---------------------------------------------------------------- deploy

const helm = z.strictObject({
  /** A chart folder (with Chart.yaml) or a packaged chart (.tgz). */
  chart: filePath,
  /** Values files, applied in order (helm -f). */
  values: z.array(filePath).default([]),
  /** The Helm release name. */
  release: dnsLabel,
});

const deploy = z.strictObject({
  /** Files or folders, as `kubectl apply -f` takes them (a folder: its *.yaml, *.yml and *.json files). */
  manifests: z.array(filePath).min(1, 'list at least one file or folder').optional(),
  /** A kustomize folder (with kustomization.yaml), as `kubectl apply -k` takes it. */
  kustomize: filePath.optional(),
  helm: helm.optional(),
  /** Local Docker images the stack runs, loaded into every kind node before the deploy (nothing is pulled). */
  images: z.array(imageRef).default([]),
});

// ---------------------------------------------------------------- components

/** Every component may live in its own namespace; default: stack.namespace. */
const inNamespace = { namespace: dnsLabel.optional() };

const backend = z.strictObject({
  ...inNamespace,
  deployment: objectName,
  /** The container of the Deployment that serves the API (what a bad release changes the image of). */
  container: dnsLabel,
  /** The container port the API listens on. */
  port,
  /** Liveness: the process is up. */
  healthPath: httpPath,
  /** Readiness: it can serve (its database reachable); the drills' steady state. */
  readinessPath: httpPath,
  /** The Secret the backend reads at start (the secret-missing drill deletes it and restores it). Optional. */
  appSecret: objectName.optional(),
});

const database = z.strictObject({
  ...inNamespace,
  kind: z.enum(['StatefulSet', 'Deployment']),
  /** The StatefulSet or Deployment. */
  name: objectName,
  /** The Service clients connect through. */
  service: objectName,
  port,
  /** The database engine (backup and restore drills speak its tools). */
  engine: z.enum(['postgres']).default('postgres'),
  credentials: z.strictObject({
    /** The Secret holding the credentials. */
    secret: objectName,
    userKey: dataKey,
    passwordKey: dataKey,
    /** The database name (a literal, not a key). */
    database: z.string().min(1),
  }),
});

const logging = z.strictObject({
  ...inNamespace,
  /** Loki's Service and HTTP port. */
  service: objectName,
  port,
  /** Loki's StatefulSet (the storage drills replace its volume). Optional. */
  statefulSet: objectName.optional(),
});

const configObject = z.strictObject({
  kind: z.enum(['Secret', 'ConfigMap']),
  name: objectName,
  /** The key holding alertmanager.yml. */
  key: dataKey,
});

const alerting = z.strictObject({
  ...inNamespace,
  /** AlertManager's Service and HTTP port. */
  service: objectName,
  port,
  /** Where AlertManager's configuration lives (the receiver drills read and break it). */
  config: configObject,
});

const tlsEdge = z.strictObject({
  ...inNamespace,
  /** What terminates TLS: an Ingress, or a Service in front of a TLS-terminating proxy. */
  kind: z.enum(['Ingress', 'Service']),
  name: objectName,
  /** The kubernetes.io/tls Secret with the served certificate. */
  tlsSecret: objectName,
});

const backup = z.strictObject({
  ...inNamespace,
  /** The CronJob that takes the backups. */
  cronJob: objectName,
  /** The PersistentVolumeClaim the backups are written to. */
  pvc: objectName,
});

const migration = z.strictObject({
  ...inNamespace,
  /** The Job that migrates the database schema for a release (the migration drills run the next release's). */
  job: objectName,
});

const components = z.strictObject({
  backend,
  database,
  migration: migration.optional(),
  logging: logging.optional(),
  alerting: alerting.optional(),
  tlsEdge: tlsEdge.optional(),
  backup: backup.optional(),
});

// ---------------------------------------------------------------- probe

/** The placeholders a probe template may use. */
export const PROBE_PLACEHOLDERS = ['seq', 'runId'] as const;

const probe = z.strictObject({
  /** How one record is written; the answer is the acknowledgement (the app committed it). */
  write: z.strictObject({
    method: z.enum(['POST', 'PUT', 'PATCH']),
    /** May carry {{seq}} and {{runId}}. */
    path: httpPath,
    /** JSON text with {{seq}} (a number, unquoted) and optionally "{{runId}}" (a string, quoted). */
    body: z.string().min(1),
    /** HTTP statuses that acknowledge a write (e.g. 200 for a duplicate of an acknowledged one). */
    acceptedStatus: z.array(z.int().min(200).max(299)).min(1).default([200, 201]),
  }),
  /** How this run's records are read back: a JSON answer in which every record carries `seqField`. */
  read: z.strictObject({
    method: z.enum(['GET', 'POST']).default('GET'),
    /** May carry {{runId}}, e.g. /api/records?client={{runId}} */
    path: httpPath,
  }),
  /** The JSON field carrying the sequence number in a record the read returns. */
  seqField: z.string().regex(/^[A-Za-z_$][\w$]*$/, 'must be a JSON field name (letters, digits, _ and $)'),
});

// ---------------------------------------------------------------- load and releases

const load = z.strictObject({
  /** The team's own k6 script, JavaScript or TypeScript; run with the thresholds of `load.thresholds`. */
  script: filePath,
});

const build = z.strictObject({
  /** The Docker build context (a folder). */
  context: filePath,
  /** Relative to the context; default Dockerfile. */
  dockerfile: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  args: z.record(z.string().regex(/^\w+$/, 'build arg names are letters, digits and _'), z.string()).default({}),
});

/** A release: an image that exists locally, or how to build it (built under `tag` when missing). */
const release = z.union([imageRef, z.strictObject({ tag: imageRef, build })], {
  error: 'must be an image reference (name:tag), or { tag: name:tag, build: { context: folder } } to build it',
});

const releases = z.strictObject({
  /** The release a rollback goes back to; default: the backend image running when the drill starts. */
  previous: release.optional(),
  /** The next release (the migration drills roll it out). */
  next: release.optional(),
  /** A release that crashes at start (the bad-release drill deploys it, then rolls back). */
  broken: release.optional(),
});

// ---------------------------------------------------------------- the section

export const stackDescriptionSchema = z.strictObject({
  /** The application namespace; components in other namespaces say so themselves. */
  namespace: dnsLabel.default('gravl-staging'),
  /** How the stack gets onto a kind cluster; leave out for a stack someone else deployed (cluster.provider: existing). */
  deploy: deploy.optional(),
  /** Where each component is. Without it, the stack is drillbook's own Gravl reference stack. */
  components: components.optional(),
  /** The data-probe contract (RPO is measured through it). */
  probe: probe.optional(),
  load: load.optional(),
  releases: releases.optional(),
});

export type StackDescription = z.infer<typeof stackDescriptionSchema>;
export type StackComponents = z.infer<typeof components>;
export type StackProbe = z.infer<typeof probe>;
export type StackRelease = z.infer<typeof release>;
export type StackDeploy = z.infer<typeof deploy>;
export type ComponentName = keyof StackComponents;

/** A stack that describes itself (components given), as opposed to drillbook's built-in reference stack. */
export type DescribedStack = StackDescription & { readonly components: StackComponents };

export function isDescribed(stack: StackDescription): stack is DescribedStack {
  return stack.components !== undefined;
}

/** One example: the shape a description takes (the full Gravl one is clusters/examples/gravl/drillbook.yaml). */
export const EXAMPLE_STACK_DESCRIPTION = {
  namespace: 'shop',
  deploy: { manifests: ['k8s/'], images: ['shop/api:1.4.0', 'postgres:16-alpine'] },
  components: {
    backend: { deployment: 'shop-api', container: 'api', port: 8080, healthPath: '/healthz', readinessPath: '/readyz', appSecret: 'shop-api-secret' },
    database: {
      kind: 'StatefulSet',
      name: 'shop-db',
      service: 'shop-db',
      port: 5432,
      credentials: { secret: 'shop-db-credentials', userKey: 'username', passwordKey: 'password', database: 'shop' },
    },
    backup: { cronJob: 'shop-db-backup', pvc: 'shop-db-backups' },
  },
  probe: {
    write: { method: 'POST', path: '/api/orders', body: '{"client": "{{runId}}", "seq": {{seq}}, "item": "probe"}' },
    read: { method: 'GET', path: '/api/orders?client={{runId}}' },
    seqField: 'seq',
  },
  load: { script: 'k8s/load-test.js' },
  releases: { next: 'shop/api:1.5.0', broken: { tag: 'shop/api:broken', build: { context: 'app/', args: { CRASH_AT_START: '1' } } } },
} as const;

// ---------------------------------------------------------------- checks beyond the schema

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const SCRIPT_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts']);

type Kind = 'file' | 'dir' | 'missing';
function kindOf(path: string): Kind {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'missing';
  } catch {
    return 'missing';
  }
}

function at(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

/**
 * Problems the schema cannot see, from the raw `stack` value (so they are listed even when the schema failed
 * elsewhere): files that do not exist, a deploy with none or two of its methods, probe templates that do not fill.
 * `baseDir` is the folder of the drillbook.yaml.
 */
export function stackDescriptionProblems(raw: unknown, baseDir: string): string[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const s = raw as Record<string, unknown>;
  const p: string[] = [];
  const str = (v: unknown): v is string => typeof v === 'string' && v !== '';
  const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const where = (path: string) => `${at(baseDir, path)}${isAbsolute(path) ? '' : ` (relative to ${baseDir})`}`;
  const needFile = (field: string, path: unknown, what: string, extensions?: Set<string>) => {
    if (!str(path)) return;
    const k = kindOf(at(baseDir, path));
    if (k === 'missing') p.push(`${field} (got ${showValue(path)}): no such file ${where(path)}; give the path of ${what}`);
    else if (k === 'dir') p.push(`${field} (got ${showValue(path)}): is a folder; give the path of ${what}`);
    else if (extensions && !extensions.has(extname(path).toLowerCase())) p.push(`${field} (got ${showValue(path)}): must end in ${[...extensions].join(', ')}; give the path of ${what}`);
  };
  const needDir = (field: string, path: unknown, what: string, mustHold?: readonly string[]) => {
    if (!str(path)) return;
    const abs = at(baseDir, path);
    const k = kindOf(abs);
    if (k === 'missing') p.push(`${field} (got ${showValue(path)}): no such folder ${where(path)}; give the path of ${what}`);
    else if (k === 'file') p.push(`${field} (got ${showValue(path)}): is a file; give the path of ${what}`);
    else if (mustHold && !mustHold.some((f) => kindOf(join(abs, f)) === 'file')) p.push(`${field} (got ${showValue(path)}): ${abs} has no ${mustHold.join(' or ')}; give the path of ${what}`);
  };

  const d = obj(s.deploy);
  if (d) {
    const methods = (['manifests', 'kustomize', 'helm'] as const).filter((m) => d[m] !== undefined);
    if (methods.length !== 1) {
      p.push(
        `stack.deploy: ${methods.length ? `gives ${methods.join(' and ')}` : 'says no way to deploy'}; give exactly one of manifests: [files or folders], kustomize: <folder> or helm: { chart, values, release }`,
      );
    }
    if (Array.isArray(d.manifests)) {
      d.manifests.forEach((m, i) => {
        if (!str(m)) return;
        const abs = at(baseDir, m);
        const k = kindOf(abs);
        const field = `stack.deploy.manifests[${i}]`;
        if (k === 'missing') p.push(`${field} (got ${showValue(m)}): no such file or folder ${where(m)}; give manifest files or folders as kubectl apply -f takes them`);
        else if (k === 'file' && !MANIFEST_EXTENSIONS.has(extname(m).toLowerCase())) p.push(`${field} (got ${showValue(m)}): must end in .yaml, .yml or .json (what kubectl apply -f reads)`);
        else if (k === 'dir' && !readdirSync(abs).some((f) => MANIFEST_EXTENSIONS.has(extname(f).toLowerCase()))) p.push(`${field} (got ${showValue(m)}): the folder ${abs} holds no .yaml, .yml or .json file; give the folder of the manifests`);
      });
    }
    needDir('stack.deploy.kustomize', d.kustomize, 'a kustomize folder', ['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
    const h = obj(d.helm);
    if (h) {
      if (str(h.chart)) {
        const k = kindOf(at(baseDir, h.chart));
        if (k === 'file') needFile('stack.deploy.helm.chart', h.chart, 'a chart folder or a packaged chart (.tgz)', new Set(['.tgz']));
        else needDir('stack.deploy.helm.chart', h.chart, 'a chart folder (with Chart.yaml) or a packaged chart (.tgz)', ['Chart.yaml']);
      }
      if (Array.isArray(h.values)) h.values.forEach((v, i) => needFile(`stack.deploy.helm.values[${i}]`, v, 'a Helm values file', MANIFEST_EXTENSIONS));
    }
  }

  const described = s.components !== undefined;
  for (const part of ['deploy', 'probe', 'load', 'releases'] as const) {
    if (s[part] !== undefined && !described) {
      p.push(`stack.${part}: given without stack.components; describe where the backend and the database are (stack.components.backend, stack.components.database), or remove stack.${part} to drill the built-in reference stack`);
    }
  }

  const probeRaw = obj(s.probe);
  if (probeRaw) p.push(...probeTemplateProblems(probeRaw));

  needFile('stack.load.script', obj(s.load)?.script, "the team's k6 script (JavaScript or TypeScript)", SCRIPT_EXTENSIONS);

  const r = obj(s.releases);
  if (r) {
    for (const which of ['previous', 'next', 'broken'] as const) {
      const b = obj(obj(r[which])?.build);
      if (!b) continue;
      needDir(`stack.releases.${which}.build.context`, b.context, 'a Docker build context (a folder)');
      if (str(b.context) && kindOf(at(baseDir, b.context)) === 'dir') {
        const dockerfile = str(b.dockerfile) ? b.dockerfile : 'Dockerfile';
        if (kindOf(join(at(baseDir, b.context), dockerfile)) !== 'file') {
          p.push(`stack.releases.${which}.build${str(b.dockerfile) ? '.dockerfile' : ''} (got ${showValue(dockerfile)}): no such file in ${at(baseDir, b.context)}; give the Dockerfile's path relative to the build context`);
        }
      }
    }
  }
  return p;
}

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/** Fills a probe template: {{seq}} and {{runId}}. */
export function fillProbeTemplate(template: string, values: { seq?: number; runId: string }, encode: (v: string) => string = (v) => v): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => (name === 'seq' ? String(values.seq ?? '') : encode(values.runId)));
}

function probeTemplateProblems(probeRaw: Record<string, unknown>): string[] {
  const p: string[] = [];
  const write = (probeRaw.write ?? {}) as Record<string, unknown>;
  const read = (probeRaw.read ?? {}) as Record<string, unknown>;
  const templates: [string, unknown][] = [
    ['stack.probe.write.path', write.path],
    ['stack.probe.write.body', write.body],
    ['stack.probe.read.path', read.path],
  ];
  for (const [field, t] of templates) {
    if (typeof t !== 'string') continue;
    const unknown = [...t.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((n) => !(PROBE_PLACEHOLDERS as readonly string[]).includes(n));
    if (unknown.length) p.push(`${field} (got ${showValue(t)}): unknown placeholder(s) ${unknown.map((n) => `{{${n}}}`).join(', ')}; the probe fills in ${PROBE_PLACEHOLDERS.map((n) => `{{${n}}}`).join(' and ')}`);
  }
  if (typeof read.path === 'string' && /\{\{\s*seq\s*\}\}/.test(read.path)) {
    p.push(`stack.probe.read.path (got ${showValue(read.path)}): reads one record; the read must return every record of the run (use {{runId}}, not {{seq}}), each carrying seqField`);
  }
  if (typeof write.body === 'string' && typeof write.path === 'string') {
    if (!/\{\{\s*seq\s*\}\}/.test(write.body) && !/\{\{\s*seq\s*\}\}/.test(write.path)) {
      p.push(`stack.probe.write.body (got ${showValue(write.body)}): has no {{seq}}; every write must carry its sequence number so the read-back can tell which acknowledged writes survived`);
    }
  }
  if (typeof write.body === 'string') {
    try {
      JSON.parse(fillProbeTemplate(write.body, { seq: 1, runId: 'run-1' }));
    } catch (error) {
      p.push(`stack.probe.write.body (got ${showValue(write.body)}): is not JSON once filled in (${(error as Error).message}); write {{seq}} unquoted (a number) and "{{runId}}" in quotes`);
    }
  }
  return p;
}

/** The description with every path made absolute against `baseDir` (the folder of the drillbook.yaml). */
export function resolveStackPaths(stack: StackDescription, baseDir: string): StackDescription {
  const abs = (p: string) => at(baseDir, p);
  const rel = (r: StackRelease | undefined): StackRelease | undefined => (r === undefined || typeof r === 'string' ? r : { ...r, build: { ...r.build, context: abs(r.build.context) } });
  return {
    ...stack,
    ...(stack.deploy && {
      deploy: {
        ...stack.deploy,
        ...(stack.deploy.manifests && { manifests: stack.deploy.manifests.map(abs) }),
        ...(stack.deploy.kustomize && { kustomize: abs(stack.deploy.kustomize) }),
        ...(stack.deploy.helm && { helm: { ...stack.deploy.helm, chart: abs(stack.deploy.helm.chart), values: stack.deploy.helm.values.map(abs) } }),
      },
    }),
    ...(stack.load && { load: { script: abs(stack.load.script) } }),
    ...(stack.releases && {
      releases: Object.fromEntries(Object.entries(stack.releases).map(([k, v]) => [k, rel(v)]).filter(([, v]) => v !== undefined)),
    }),
  };
}
