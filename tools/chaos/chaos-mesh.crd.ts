// The Chaos Mesh CRDs drillbook validates its chaos objects against: PodChaos and NetworkChaos as the Chaos Mesh
// module built here (tools/images/prerequisites.ts, VERSIONS.chaosMesh) declares them in its manifests/crd.yaml,
// turned into the validator's structural schema by rule (types, required, enums, patterns, minimum, formats;
// an object with properties and no additionalProperties is closed, as the API server prunes unknown fields).
// Nothing here copies a field by hand: the only hand-written part is WEBHOOK_REFINEMENTS, patterns for strings the
// CRD leaves bare but Chaos Mesh's webhook parses (stricter than the CRD, never looser; each must name a string the
// CRD has, which the unit tests check).
//
// Where the CRDs come from at run time: the built module's crd.yaml in the cache (chaosMeshBinDir()) when the
// machine has built it, else the committed extraction chaos-mesh.crds.json, generated from that same file by
// `node tools/chaos/chaos-mesh-crds.generate.ts` and pinned to VERSIONS.chaosMesh and the file's sha256. The unit
// tier checks the pin; the integration tier re-extracts from the module and compares.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DrillbookError } from '../../scenarios/errors.ts';
import { CHAOS_MESH_MODULE, chaosMeshBinDir } from '../images/prerequisites.ts';
import { VERSIONS } from '../images/recipes.ts';
import type { Schema, SchemaType } from './chaos-mesh.schema.ts';

export const CHAOS_CRD_KINDS = ['PodChaos', 'NetworkChaos'] as const;
export type ChaosCrdKind = (typeof CHAOS_CRD_KINDS)[number];
export const CHAOS_CRD_VERSION = 'v1alpha1';
export const CRDS_FIXTURE = new URL('./chaos-mesh.crds.json', import.meta.url);

/** An OpenAPI v3 schema node as a CRD carries it (only what the validator reads is typed). */
export interface OpenApiSchema {
  readonly type?: string;
  readonly description?: string;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, OpenApiSchema>>;
  readonly additionalProperties?: boolean | OpenApiSchema;
  readonly items?: OpenApiSchema;
  readonly enum?: readonly (string | number)[];
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly format?: string;
  readonly minLength?: number;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
}

export interface ChaosCrds {
  /** Where the CRDs were read from: the module, its version, the file and its sha256. */
  readonly source: { readonly module: string; readonly version: string; readonly file: string; readonly sha256: string };
  readonly crds: Readonly<Record<ChaosCrdKind, { readonly name: string; readonly group: string; readonly version: string; readonly openAPIV3Schema: OpenApiSchema }>>;
}

interface CrdDoc {
  kind?: string;
  metadata?: { name?: string };
  spec?: { group?: string; names?: { kind?: string }; versions?: { name: string; served?: boolean; schema?: { openAPIV3Schema?: OpenApiSchema } }[] };
}

/**
 * The PodChaos and NetworkChaos CRDs of a Chaos Mesh crd.yaml (all 23 CRDs, ~3 MB: only the two documents needed
 * are parsed). Throws naming what is missing.
 */
export function extractChaosCrds(crdYaml: string, source: { module?: string; version?: string; file: string }): ChaosCrds {
  const crds: Partial<Record<ChaosCrdKind, ChaosCrds['crds'][ChaosCrdKind]>> = {};
  for (const text of crdYaml.split(/^---[ \t]*$/m)) {
    const kind = CHAOS_CRD_KINDS.find((k) => new RegExp(`^\\s+kind: ${k}\\s*$`, 'm').test(text) && text.includes(`name: ${k.toLowerCase()}.`));
    if (!kind) continue;
    const doc = parse(text) as CrdDoc | null;
    if (doc?.kind !== 'CustomResourceDefinition' || doc.spec?.names?.kind !== kind) continue;
    const served = doc.spec.versions?.find((v) => v.name === CHAOS_CRD_VERSION && v.served !== false);
    const schema = served?.schema?.openAPIV3Schema;
    if (!schema) throw new DrillbookError(`${source.file}: CRD ${doc.metadata?.name} serves no ${CHAOS_CRD_VERSION} with an openAPIV3Schema`);
    crds[kind] = { name: doc.metadata?.name ?? '', group: doc.spec.group ?? '', version: CHAOS_CRD_VERSION, openAPIV3Schema: schema };
  }
  const missing = CHAOS_CRD_KINDS.filter((k) => !crds[k]);
  if (missing.length) throw new DrillbookError(`${source.file}: no CustomResourceDefinition for ${missing.join(', ')} (is it Chaos Mesh's manifests/crd.yaml?)`);
  return {
    source: { module: source.module ?? CHAOS_MESH_MODULE, version: source.version ?? VERSIONS.chaosMesh, file: 'manifests/crd.yaml', sha256: createHash('sha256').update(crdYaml).digest('hex') },
    crds: crds as ChaosCrds['crds'],
  };
}

const SCHEMA_TYPES: readonly string[] = ['object', 'array', 'string', 'integer', 'number', 'boolean'];

/** The validator's schema for a CRD's OpenAPI node, by rule (no field is named here; descriptions are left out). */
export function schemaFromOpenApi(node: OpenApiSchema): Schema {
  const out: { -readonly [K in keyof Schema]: Schema[K] } = {};
  if (node.type && SCHEMA_TYPES.includes(node.type) && !node['x-kubernetes-int-or-string']) out.type = node.type as SchemaType;
  // descriptions are the CRD's documentation, not error hints: problems quote the field's path, type and pattern
  if (node.required?.length) out.required = [...node.required];
  if (node.enum) out.enum = [...node.enum];
  if (node.pattern) out.pattern = node.pattern;
  if (node.minimum !== undefined) out.minimum = node.minimum;
  if (node.maximum !== undefined) out.maximum = node.maximum;
  if (node.minLength !== undefined) out.minLength = node.minLength;
  if (node.format === 'int32' || node.format === 'int64') out.format = node.format;
  if (node.items) out.items = schemaFromOpenApi(node.items);
  if (node.properties) out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, schemaFromOpenApi(v)]));
  if (typeof node.additionalProperties === 'object') out.additionalProperties = schemaFromOpenApi(node.additionalProperties);
  else if (node.additionalProperties === false) out.additionalProperties = false;
  // A structural schema prunes fields it does not declare (unless told to keep them): for drillbook that is an error.
  else if (node.properties && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

/** What Go's time.ParseDuration accepts, without the sign (a negative duration means nothing here). */
export const GO_DURATION = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';
const FLOAT_STR = '^[0-9]+(\\.[0-9]+)?$';
const TC_RATE = '^[0-9]+ *(bit|kbit|mbit|gbit|tbit|bps|kbps|mbps|gbps|tbps)$';
const floatStr = (what: string) => ({ pattern: FLOAT_STR, description: `webhook: a number as a string (${what})` });

/**
 * Strings the CRD leaves bare that Chaos Mesh's webhook parses: the pattern of what parses. Paths are dotted from the
 * object's root; `[]` steps into array items. Applied to both kinds where the path exists in the kind's CRD.
 */
export const WEBHOOK_REFINEMENTS: Readonly<Record<ChaosCrdKind, Readonly<Record<string, { pattern?: string; enum?: readonly string[]; description: string }>>>> = {
  PodChaos: {
    'spec.duration': { pattern: GO_DURATION, description: 'webhook: a Go duration such as 30s, 5m or 1h30m' },
    'spec.selector.expressionSelectors[].operator': { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'], description: 'webhook: the label selector grammar' },
    'spec.selector.podPhaseSelectors[]': { enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'], description: 'a pod phase' },
  },
  NetworkChaos: {
    'spec.duration': { pattern: GO_DURATION, description: 'webhook: a Go duration such as 30s, 5m or 1h30m' },
    'spec.selector.expressionSelectors[].operator': { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'], description: 'webhook: the label selector grammar' },
    'spec.selector.podPhaseSelectors[]': { enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'], description: 'a pod phase' },
    'spec.target.selector.expressionSelectors[].operator': { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'], description: 'webhook: the label selector grammar' },
    'spec.delay.correlation': floatStr('0-100'),
    'spec.delay.reorder.reorder': floatStr('percent of packets'),
    'spec.delay.reorder.correlation': floatStr('0-100'),
    'spec.loss.loss': floatStr('percent, 0-100'),
    'spec.loss.correlation': floatStr('0-100'),
    'spec.duplicate.duplicate': floatStr('percent, 0-100'),
    'spec.duplicate.correlation': floatStr('0-100'),
    'spec.corrupt.corrupt': floatStr('percent, 0-100'),
    'spec.corrupt.correlation': floatStr('0-100'),
    'spec.bandwidth.rate': { pattern: TC_RATE, description: 'webhook: a number and a unit such as 1mbps (bps = bytes/s)' },
    'spec.rate.rate': { pattern: TC_RATE, description: 'netem rate, e.g. 1mbps' },
  },
};

/** The node at a refinement path, or undefined when the schema has no such field. */
export function schemaAt(schema: Schema, path: string): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const step of path.split('.')) {
    const [name, ...arrays] = step.split('[]');
    node = node?.properties?.[name!];
    for (let i = 0; i < arrays.length; i++) node = node?.items;
  }
  return node;
}

function refined(schema: Schema, path: string[], add: Partial<Schema>, full = path.join('.')): Schema {
  if (path.length === 0) return { ...schema, ...add };
  const [step, ...rest] = path;
  const [name, ...arrays] = step!.split('[]');
  const inner = (s: Schema, depth: number): Schema => (depth === 0 ? refined(s, rest, add, full) : { ...s, items: inner(s.items!, depth - 1) });
  const child = schema.properties?.[name!];
  if (!child) throw new DrillbookError(`webhook refinement for ${full}: no such field in the CRD schema`);
  return { ...schema, properties: { ...schema.properties, [name!]: inner(child, arrays.length) } };
}

/**
 * The validator's schema for a kind: its CRD's openAPIV3Schema by rule, apiVersion and kind pinned to the kind
 * (the CRD types them as any string), and the webhook refinements.
 */
export function chaosSchemaOf(crds: ChaosCrds, kind: ChaosCrdKind): Schema {
  const crd = crds.crds[kind];
  let schema = schemaFromOpenApi(crd.openAPIV3Schema);
  schema = refined(schema, ['apiVersion'], { enum: [`${crd.group}/${crd.version}`] });
  schema = refined(schema, ['kind'], { enum: [kind] });
  for (const [path, add] of Object.entries(WEBHOOK_REFINEMENTS[kind])) schema = refined(schema, path.split('.'), add);
  return schema;
}

/** The committed extraction (chaos-mesh.crds.json). */
export function loadCrdsFixture(): ChaosCrds {
  return JSON.parse(readFileSync(CRDS_FIXTURE, 'utf8')) as ChaosCrds;
}

/** The built module's crd.yaml in the cache, when this machine has built Chaos Mesh. */
export function builtCrdYamlPath(): string | undefined {
  const path = join(chaosMeshBinDir(), 'crd.yaml');
  return existsSync(path) ? path : undefined;
}

let loaded: { crds: ChaosCrds; from: string } | undefined;

/**
 * The CRDs validation runs against: the built module's crd.yaml when the cache has it, else the committed
 * extraction of that same file (the integration tier proves they agree). Refuses a fixture for another version.
 */
export function chaosCrds(): { crds: ChaosCrds; from: string } {
  if (loaded) return loaded;
  const built = builtCrdYamlPath();
  if (built) {
    loaded = { crds: extractChaosCrds(readFileSync(built, 'utf8'), { file: built }), from: built };
  } else {
    const crds = loadCrdsFixture();
    if (crds.source.version !== VERSIONS.chaosMesh) {
      throw new DrillbookError(`tools/chaos/chaos-mesh.crds.json is for Chaos Mesh ${crds.source.version}, but VERSIONS.chaosMesh is ${VERSIONS.chaosMesh}`, {
        hint: 'regenerate it: node tools/chaos/chaos-mesh-crds.generate.ts',
      });
    }
    loaded = { crds, from: 'tools/chaos/chaos-mesh.crds.json' };
  }
  return loaded;
}
