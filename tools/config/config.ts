// drillbook.yaml: validated at load, before any action. A wrong field gets an error naming the field, the value
// it had and what is allowed.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { InvalidInputError } from '../../scenarios/errors.ts';

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

export const configSchema = z.strictObject({
  cluster: z
    .strictObject({
      provider: z.enum(['kind', 'existing']).default('kind'),
      /** kind cluster name; must start with 'drillbook-' so the harness can tell its own clusters apart */
      name: z.string().regex(/^drillbook-[a-z0-9-]+$/, "must start with 'drillbook-' and use a-z, 0-9, '-'").default('drillbook-gravl'),
      topology: z.enum(['one-node', 'two-regions']).default('one-node'),
      /** kubeconfig context, for provider 'existing' */
      context: z.string().min(1).optional(),
      kubeconfig: z.string().min(1).optional(),
      /** keep the kind cluster after a run (reused next time) */
      keep: z.boolean().default(true),
    })
    .default({ provider: 'kind', name: 'drillbook-gravl', topology: 'one-node', keep: true }),
  allowDestructive: z
    .strictObject({
      /** Contexts of existing clusters that destructive scenarios may touch. Kind clusters drillbook created are always allowed. */
      contexts: z.array(z.string().min(1)).default([]),
    })
    .default({ contexts: [] }),
  stack: z.strictObject({ namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label').default('gravl-staging') }).default({ namespace: 'gravl-staging' }),
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
    })
    .default({ thresholds: { p95Ms: 200, p99Ms: 500, errorRate: 0.001 }, profiles: {}, engine: 'k6', parallelism: 1 }),
  /** Per-scenario objective overrides, keyed by scenario id. */
  objectives: z.record(z.string().regex(/^[a-z0-9-]+$/, 'scenario ids are kebab-case'), objectives).default({}),
  reports: z.strictObject({ outDir: z.string().min(1).default('reports/out') }).default({ outDir: 'reports/out' }),
});

export type Config = z.infer<typeof configSchema>;

/** Parses and validates a config object. Throws InvalidInputError listing every problem. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) {
    const c = result.data;
    const problems: string[] = [];
    if (c.cluster.provider === 'existing' && !c.cluster.context) {
      problems.push("cluster.context: required when cluster.provider is 'existing' (the kubeconfig context to use)");
    }
    if (problems.length) throw new InvalidInputError(source, problems, { hint: 'fix the config file; nothing was run' });
    return c;
  }
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    const input = 'input' in issue ? issue.input : undefined;
    const got = input === undefined ? '' : ` (got ${JSON.stringify(input)})`;
    let allowed = issue.message;
    if (issue.code === 'unrecognized_keys') {
      return `${field === '(top level)' ? '' : `${field}: `}unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; allowed: ${allowedKeys(issue.path).join(', ')}`;
    }
    if (issue.code === 'invalid_value') allowed = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    return `${field}${got}: ${allowed}`;
  });
  throw new InvalidInputError(source, problems, { hint: 'fix the config file; nothing was run' });
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
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

/** Loads `drillbook.yaml` (or the given file). A missing default file means all defaults. */
export function loadConfig(file?: string): Config {
  const path = resolve(file ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (file) throw new InvalidInputError(`config file ${path}`, ['the file does not exist'], { hint: 'pass an existing file with --config, or omit it to use the defaults' });
    return parseConfig({}, 'built-in defaults');
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    throw new InvalidInputError(`config file ${path}`, [`not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseConfig(raw, `config file ${path}`);
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
