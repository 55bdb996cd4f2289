// drillbook.yaml: validated at load, before any action. A wrong field gets an error naming the field, the value
// it had and what is allowed.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { isBinary, issueLines, showValue } from '../../scenarios/input.ts';
import { allowListProblems } from '../../scenarios/safety.ts';
import { resolveStackPaths, stackDescriptionProblems, stackDescriptionSchema } from './stack-description.ts';

export const DEFAULT_CONFIG_FILE = 'drillbook.yaml';
export const KIND_NAME_PREFIX = 'drillbook-';

const seconds = z.number().positive();
const thresholds = z.strictObject({
  p95Ms: z.number().positive().default(200),
  p99Ms: z.number().positive().default(500),
  errorRate: z.number().min(0).max(1).default(0.001),
  minRps: z.number().positive().optional(),
});
const profile = z.strictObject({
  vus: z.int().min(1).max(200),
  durationSeconds: z.int().min(1).max(3600),
});
const objectives = z.strictObject({ rtoSeconds: seconds.optional(), rpoSeconds: seconds.optional(), detectionSeconds: seconds.optional() });

/** A field the config once had and no code reads: refused with why, instead of silently ignored. */
function notRead(why: string) {
  return z.never({ error: `not read by drillbook: ${why}` }).optional();
}

const dnsLabel = z.string().max(63, 'must be a DNS label: at most 63 characters').regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: a-z, 0-9 and \'-\', starting and ending with a letter or digit');

export const configSchema = z.strictObject({
  cluster: z
    .strictObject({
      provider: z.enum(['kind', 'existing']).default('kind'),
      /** kind cluster name; must start with 'drillbook-' so the harness can tell its own clusters apart */
      name: z.string().regex(/^drillbook-[a-z0-9-]+$/, "must start with 'drillbook-' and use a-z, 0-9, '-'").default('drillbook-gravl'),
      topology: notRead('each suite makes the cluster it needs (kube-drills: one node; region-drills: two regions); remove cluster.topology'),
      /** kubeconfig context, for provider 'existing' */
      context: z.string().min(1).optional(),
      kubeconfig: z.string().min(1).optional(),
      /**
       * nightly keeps its kind cluster (cluster.name) after the run and reuses it the next time (the stack's
       * definition re-applied); kube-drills and region-drills always make a fresh cluster and delete it.
       */
      keep: z.boolean().default(true),
    })
    .default({ provider: 'kind', name: 'drillbook-gravl', keep: true }),
  allowDestructive: z
    .strictObject({
      /**
       * Where destructive scenarios may break things, beyond the kind clusters drillbook creates (always allowed).
       * Either a list of exact kubeconfig contexts (drillbook may break what it labelled there), or, for a stack
       * someone else deployed (`cluster.provider: existing`), a map of context -> the namespaces whose objects
       * drillbook may break even without its labels: `{ staging-ctx: { namespaces: [gravl-staging] } }`.
       * The safety gate (scenarios/safety.ts) refuses wildcards, here and again at run time.
       */
      contexts: z
        .union([z.array(z.string().min(1)), z.record(z.string().min(1), z.strictObject({ namespaces: z.array(dnsLabel).min(1, 'list at least one namespace') }))])
        .default([]),
    })
    // one shape for the code: every allowed context in `contexts`, the namespace allow-list per context beside it
    .transform(({ contexts }) =>
      Array.isArray(contexts)
        ? { contexts, namespaces: {} as Record<string, string[]> }
        : { contexts: Object.keys(contexts), namespaces: Object.fromEntries(Object.entries(contexts).map(([c, v]) => [c, v.namespaces])) as Record<string, string[]> },
    )
    .default({ contexts: [], namespaces: {} }),
  /** The stack to drill: its namespace, and (optionally) its description (tools/config/stack-description.ts). */
  stack: stackDescriptionSchema.default({ namespace: 'gravl-staging' }),
  load: z
    .strictObject({
      thresholds: thresholds.default({ p95Ms: 200, p99Ms: 500, errorRate: 0.001 }),
      profiles: z
        .strictObject({ smoke: profile.optional(), signoff: profile.optional(), background: profile.optional() })
        .default({}),
      /** Where the load runs: 'k6' (one local process) or 'k6-operator' (a TestRun in the cluster, verdict on the merged runners). */
      engine: z.enum(['k6', 'k6-operator']).default('k6'),
      /** k6-operator runners (each takes its share of the VUs); checked against what the cluster can schedule before the load starts. */
      parallelism: z.int().min(1).max(64).default(1),
      /**
       * k6-operator the cluster already runs (cluster.provider 'existing'): the namespace its TestRuns go to (one the
       * operator watches and allowDestructive allows for the context; default stack.namespace) and a runner image
       * the nodes can pull (drillbook's k6-runner, pushed to the registry they use: the runners print their samples
       * for the merged verdict). On kind, drillbook installs its own operator and ignores this.
       */
      k6Operator: z.strictObject({ namespace: dnsLabel.optional(), runnerImage: z.string().min(1) }).optional(),
    })
    .default({ thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001 }, profiles: {}, engine: 'k6', parallelism: 1 }),
  /** Per-scenario objective overrides, keyed by scenario id. */
  objectives: z.record(z.string().regex(/^[a-z0-9-]+$/, 'scenario ids are kebab-case'), objectives).default({}),
  reports: z.strictObject({ outDir: z.string().min(1).default('reports/out') }).default({ outDir: 'reports/out' }),
  /** The team's runbook documents (*.md) the scenarios' runbookRefs point into; default: the reference stack's copies. */
  runbooks: z.strictObject({ dir: z.string().min(1).optional() }).default({}),
});

export type Config = z.infer<typeof configSchema>;

export interface ConfigChecks {
  /** Every scenario id a suite can run: `objectives` for any other id is a typo, refused. */
  scenarioIds?: readonly string[];
  /** The folder the config's relative paths (stack.deploy, stack.load...) are relative to; default: the working folder. */
  baseDir?: string;
}

/** Parses and validates a config object. Throws InvalidInputError listing every problem. */
export function parseConfig(raw: unknown, source = 'config', checks: ConfigChecks = {}): Config {
  const result = configSchema.safeParse(raw ?? {}, { reportInput: true });
  // The schema's problems and the checks beyond it, all at once (the checks read the raw input when the schema
  // failed, so one run of the command shows everything to fix).
  const problems = result.success ? [] : issueLines(result.error.issues, allowedKeys);
  const get = (...path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined), raw);
  const c = result.success ? result.data : undefined;
  if (c && c.cluster.provider === 'existing' && !c.cluster.context) {
    problems.push("cluster.context: required when cluster.provider is 'existing' (the kubeconfig context to use)");
  }
  const contexts = get('allowDestructive', 'contexts');
  if (Array.isArray(contexts) && contexts.every((x) => typeof x === 'string')) problems.push(...allowListProblems(contexts, 'allowDestructive.contexts'));
  else if (contexts && typeof contexts === 'object' && !Array.isArray(contexts)) problems.push(...allowListProblems(Object.keys(contexts), 'allowDestructive.contexts', true));
  const kubeconfig = get('cluster', 'kubeconfig');
  if (typeof kubeconfig === 'string' && kubeconfig !== '' && !isFile(kubeconfig)) {
    problems.push(`cluster.kubeconfig (got ${showValue(kubeconfig)}): no such file; give the path of an existing kubeconfig, or leave it out to use the default`);
  }
  const outDirValue = c ? c.reports.outDir : get('reports', 'outDir');
  const outDir = typeof outDirValue === 'string' && outDirValue !== '' ? outDirProblem(outDirValue) : null;
  if (outDir) problems.push(`reports.outDir (got ${showValue(outDirValue)}): ${outDir}`);
  const objectives = get('objectives');
  if (checks.scenarioIds && objectives && typeof objectives === 'object') {
    for (const id of Object.keys(objectives)) {
      if (!checks.scenarioIds.includes(id)) problems.push(`objectives.${showValue(id).slice(1, -1)}: no scenario has this id; known: ${checks.scenarioIds.join(', ')}`);
    }
  }
  if (c && c.stack.components && !c.stack.deploy && c.cluster.provider === 'kind') {
    problems.push("stack.deploy: required when cluster.provider is 'kind' (drillbook deploys the described stack onto its own kind cluster); give manifests, kustomize or helm, or use cluster.provider 'existing' for a stack already deployed");
  }
  problems.push(...stackDescriptionProblems(get('stack'), checks.baseDir ?? process.cwd()));
  if (problems.length || !c) throw new InvalidInputError(source, problems, { hint: 'fix the config file; nothing was run' });
  return { ...c, stack: resolveStackPaths(c.stack, checks.baseDir ?? process.cwd()) };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const KERNEL_FILESYSTEMS = ['/proc', '/sys', '/dev'];

/**
 * Why a folder cannot hold the reports, or null when it can. Checked with stat and access only (nothing is
 * created), walking up to the nearest folder that exists.
 */
export function outDirProblem(dir: string): string | null {
  const abs = resolve(dir);
  if (abs === '/') return 'is the filesystem root; use a folder of its own (default: reports/out)';
  const kernel = KERNEL_FILESYSTEMS.find((k) => abs === k || abs.startsWith(`${k}/`));
  if (kernel) return `is under ${kernel}, a kernel filesystem, not a place for files; use a folder of its own (default: reports/out)`;
  for (let p = abs; ; p = dirname(p)) {
    let st;
    try {
      st = statSync(p);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && p !== '/') continue;
      return `cannot be checked (${code ?? 'error'} on ${p})`;
    }
    if (!st.isDirectory()) return p === abs ? 'is a file, not a folder' : `${p} is a file, so the folder cannot be created under it`;
    try {
      accessSync(p, constants.W_OK | constants.X_OK);
    } catch {
      return `${p === abs ? 'the folder' : p} is not writable`;
    }
    return null;
  }
}

function allowedKeys(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const key of path) {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) schema = inner.shape[String(key)] as z.ZodType;
    else return [];
  }
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType; // allowDestructive: its shape is the input's
    else return s;
  }
}

const MAX_CONFIG_BYTES = 1024 * 1024;

/** Loads `drillbook.yaml` (or the given file). A missing default file means all defaults. */
export function loadConfig(file?: string, checks: ConfigChecks = {}): Config {
  const path = resolve(file ?? DEFAULT_CONFIG_FILE);
  const what = `config file ${path}`;
  if (!existsSync(path)) {
    if (file) throw new InvalidInputError(what, ['the file does not exist'], { hint: 'pass an existing file with --config, or omit it to use the defaults' });
    return parseConfig({}, 'built-in defaults', checks);
  }
  const st = statSync(path);
  if (!st.isFile()) throw new InvalidInputError(what, ['is not a file (a folder?)'], { hint: 'pass the YAML file itself with --config' });
  if (st.size > MAX_CONFIG_BYTES) throw new InvalidInputError(what, [`is ${st.size} bytes; a drillbook config is a few hundred bytes (limit ${MAX_CONFIG_BYTES})`], { hint: 'is this the right file?' });
  const bytes = readFileSync(path);
  if (isBinary(bytes)) throw new InvalidInputError(what, [`is binary data (${bytes.length} bytes), not YAML text`], { hint: 'is this the right file?' });
  let raw: unknown;
  try {
    raw = parseYaml(bytes.toString('utf8'));
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    const first = (error as Error).message.split('\n')[0]!;
    throw new InvalidInputError(what, [`not valid YAML${where}: ${first.length > 200 ? `${first.slice(0, 200)}…` : first}`]);
  }
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new InvalidInputError(what, [`the top level is ${Array.isArray(raw) ? 'a list' : `a ${typeof raw} (got ${showValue(raw)})`}; a drillbook config is a mapping (cluster:, stack:, reports:, ...)`]);
  }
  return parseConfig(raw, what, { ...checks, baseDir: checks.baseDir ?? dirname(path) });
}

/**
 * The guard for destructive scenarios: kind clusters drillbook created are allowed; any other context only when
 * it is on the explicit allow-list.
 */
export function destructiveAllowed(config: Config, target: { provider: 'kind' | 'existing' | 'local' | 'docker'; context: string; createdByDrillbook?: boolean }): boolean {
  // processes and containers the run itself started (the fault injectors also refuse anything unlabelled)
  if (target.provider === 'local' || target.provider === 'docker') return true;
  if (target.provider === 'kind' && target.createdByDrillbook === true && target.context === `kind-${config.cluster.name}`) return true;
  return config.allowDestructive.contexts.includes(target.context);
}
