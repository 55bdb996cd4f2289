// The structural schemas drillbook's Chaos Mesh objects are checked against, a small validator that walks them,
// and `validateChaosManifest`, which adds what a CRD schema cannot say: metadata, the checks Chaos Mesh's admission
// webhook makes, and drillbook's own limits (one namespace, a bounded duration).
//
// Version: the chaos-mesh.org/v1alpha1 PodChaos and NetworkChaos CRDs of the Chaos Mesh module built here
// (VERSIONS.chaosMesh in tools/images/recipes.ts: master at 47411975a8cb, module version
// v0.9.1-0.20260902003049-47411975a8cb, whose manifests/crd.yaml the e2e installs). The schemas are derived from
// those CRDs' openAPIV3Schema by rule (chaos-mesh.crd.ts), not copied by hand; only the patterns of strings the
// webhook parses (durations, percentages, rates) are added, stricter than the CRD, never looser.
// StressChaos and IOChaos are not modelled; `status` is the controller's and is not checked.
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { VERSIONS } from '../images/recipes.ts';
import { chaosCrds, chaosSchemaOf, GO_DURATION } from './chaos-mesh.crd.ts';

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface Schema {
  readonly type?: SchemaType;
  readonly description?: string;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  /** false: no other keys (the API server would prune them silently); a schema: every other key's value. */
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema;
  readonly enum?: readonly (string | number)[];
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly format?: 'int32' | 'int64';
  readonly minLength?: number;
}


export const CHAOS_API_VERSION = 'chaos-mesh.org/v1alpha1';
/** The Chaos Mesh whose CRDs the schemas come from: the module tools/images builds and the e2e installs. */
export const CHAOS_MESH_VERSION = VERSIONS.chaosMesh;

/** drillbook's spec vocabulary; the unit tests check each equals the CRD's enum. */
export const SELECTOR_MODES = ['one', 'all', 'fixed', 'fixed-percent', 'random-max-percent'] as const;
export const POD_CHAOS_ACTIONS = ['pod-kill', 'pod-failure', 'container-kill'] as const;
export const NETWORK_CHAOS_ACTIONS = ['netem', 'delay', 'loss', 'duplicate', 'corrupt', 'partition', 'bandwidth'] as const;
export const DIRECTIONS = ['to', 'from', 'both'] as const;

const crds = chaosCrds();
/** Where the CRDs were read from: the built module's crd.yaml in the cache, or its committed extraction. */
export const CHAOS_CRDS_SOURCE = crds.from;
export const POD_CHAOS_SCHEMA: Schema = chaosSchemaOf(crds.crds, 'PodChaos');
export const NETWORK_CHAOS_SCHEMA: Schema = chaosSchemaOf(crds.crds, 'NetworkChaos');
export const CHAOS_SCHEMAS: Readonly<Record<string, Schema>> = { PodChaos: POD_CHAOS_SCHEMA, NetworkChaos: NETWORK_CHAOS_SCHEMA };

// ---------------------------------------------------------------- the validator

function child(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}
const at = (path: string) => path || '(root)';

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && Number.isInteger(v)) return 'integer';
  return typeof v;
}
function shown(v: unknown): string {
  const json = JSON.stringify(v);
  return json === undefined ? String(v) : json.length > 60 ? `${json.slice(0, 60)}…` : json;
}
function hasType(v: unknown, type: SchemaType): boolean {
  switch (type) {
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeof v === type;
  }
}

const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] } as const;

/**
 * Problems with `value` against `schema`, each prefixed with its JSON path ("spec.mode: must be one of ...").
 * Empty when it conforms. A value of the wrong type is reported once, without descending into it.
 */
export function validateAgainstSchema(value: unknown, schema: Schema, path = ''): string[] {
  const p: string[] = [];
  if (schema.type && !hasType(value, schema.type)) {
    return [`${at(path)}: must be ${schema.type === 'integer' || schema.type === 'array' || schema.type === 'object' ? 'an' : 'a'} ${schema.type} (got ${typeOf(value)} ${shown(value)})`];
  }
  if (schema.enum && !schema.enum.includes(value as string | number)) p.push(`${at(path)}: must be one of ${schema.enum.join(', ')} (got ${shown(value)})`);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) p.push(`${at(path)}: must be at least ${schema.minLength} characters`);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) {
      p.push(`${at(path)}: ${shown(value)} does not match ${schema.pattern}${schema.description ? ` (${schema.description})` : ''}`);
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) p.push(`${at(path)}: must be >= ${schema.minimum} (got ${value})`);
    if (schema.maximum !== undefined && value > schema.maximum) p.push(`${at(path)}: must be <= ${schema.maximum} (got ${value})`);
    if (schema.format && (value < INT_RANGE[schema.format][0] || value > INT_RANGE[schema.format][1])) p.push(`${at(path)}: out of ${schema.format} range (got ${value})`);
  }
  if (hasType(value, 'object')) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (object[key] === undefined) p.push(`${child(path, key)}: required`);
    for (const [key, v] of Object.entries(object)) {
      if (v === undefined) continue;
      const known = schema.properties?.[key];
      if (known) p.push(...validateAgainstSchema(v, known, child(path, key)));
      else if (schema.additionalProperties === false) {
        p.push(`${child(path, key)}: unknown field (the API server would drop it); allowed: ${Object.keys(schema.properties ?? {}).join(', ')}`);
      } else if (typeof schema.additionalProperties === 'object') p.push(...validateAgainstSchema(v, schema.additionalProperties, child(path, key)));
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => p.push(...validateAgainstSchema(item, schema.items!, `${at(path)}[${i}]`)));
  return p;
}

// ---------------------------------------------------------------- whole manifests

/** Chaos objects drillbook creates stop on their own within this (the CRD allows any duration, or none). */
export const MAX_DURATION_SECONDS = 3600;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const MANAGED_BY_LABEL = LABELS.managedBy;
const RUN_ID_LABEL = LABELS.runId;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);

/** Seconds in a Go duration string, or undefined when it does not parse. */
export function parseGoDuration(text: string): number | undefined {
  if (!new RegExp(GO_DURATION, 'u').test(text)) return undefined;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/gu)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}

function metadataProblems(metadata: Obj | undefined): string[] {
  if (!metadata) return []; // the schema already said metadata is required / must be an object
  const p: string[] = [];
  const name = metadata.name;
  if (typeof name !== 'string' || name.length === 0) p.push('metadata.name: required');
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) p.push(`metadata.name: ${shown(name)} must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253)`);
  const ns = metadata.namespace;
  if (typeof ns !== 'string' || ns.length === 0) p.push('metadata.namespace: required (chaos objects are namespaced; drillbook never relies on a default)');
  else if (ns.length > 63 || !DNS_LABEL.test(ns)) p.push(`metadata.namespace: ${shown(ns)} must be a DNS-1123 label`);
  const labels = obj(metadata.labels) ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY) p.push(`metadata.labels["${MANAGED_BY_LABEL}"]: must be ${MANAGED_BY} (so \`drillbook gc\` can find it)`);
  if (typeof labels[RUN_ID_LABEL] !== 'string' || labels[RUN_ID_LABEL] === '') p.push(`metadata.labels["${RUN_ID_LABEL}"]: required (the run that created it)`);
  for (const [k, v] of Object.entries(labels)) {
    if (k.length > 317 || !LABEL_KEY.test(k)) p.push(`metadata.labels[${JSON.stringify(k)}]: not a valid label key`);
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) p.push(`metadata.labels[${JSON.stringify(k)}]: ${shown(v)} is not a valid label value (at most 63 of letters, digits, '-', '_', '.')`);
  }
  return p;
}

/** The value a mode needs, as Chaos Mesh's webhook checks it (common_validation.go). */
function modeValueProblems(mode: unknown, value: unknown, path: string): string[] {
  if (mode === 'fixed') {
    const n = Number(value);
    if (typeof value !== 'string' || !/^[0-9]+$/.test(value) || n <= 0) return [`${path}: mode fixed needs a pod count > 0 (got ${shown(value)})`];
  }
  if (mode === 'fixed-percent' || mode === 'random-max-percent') {
    const n = Number(value);
    if (typeof value !== 'string' || !/^[0-9]+$/.test(value) || n <= 0 || n > 100) return [`${path}: mode ${mode} needs a whole percentage in (0, 100] (got ${shown(value)})`];
  }
  return [];
}

/** What Chaos Mesh refuses on admission or fails on apply, beyond its CRD schema. */
function admissionProblems(kind: string, spec: Obj): string[] {
  const p: string[] = [...modeValueProblems(spec.mode, spec.value, 'spec.value')];
  const target = obj(spec.target);
  if (target) p.push(...modeValueProblems(target.mode, target.value, 'spec.target.value'));
  const action = spec.action;
  if (kind === 'PodChaos') {
    if (action === 'container-kill' && !(Array.isArray(spec.containerNames) && spec.containerNames.length > 0)) {
      p.push('spec.containerNames: container-kill needs at least one container name (the webhook rejects it otherwise)');
    }
    if (action === 'pod-failure' && spec.duration === undefined) p.push('spec.duration: required for pod-failure');
  }
  if (kind === 'NetworkChaos') {
    // netem actions carry their parameters in the sub-object of the same name; without it the daemon refuses
    for (const a of ['delay', 'loss', 'duplicate', 'corrupt', 'bandwidth'] as const) if (action === a && spec[a] === undefined) p.push(`spec.${a}: required for action ${a}`);
    if (action === 'netem' && !['delay', 'loss', 'duplicate', 'corrupt', 'rate'].some((k) => spec[k] !== undefined)) {
      p.push('spec: action netem needs at least one of delay, loss, duplicate, corrupt, rate');
    }
    if (action !== 'partition' && (spec.direction === 'from' || spec.direction === 'both')) {
      if (!target) p.push(`spec.direction: ${spec.direction} needs spec.target for action ${String(action)}`);
      if (spec.externalTargets !== undefined) p.push(`spec.direction: externalTargets work only with direction to`);
    }
    if (action === 'partition' && (spec.direction === 'from' || spec.direction === 'both') && !target && spec.externalTargets === undefined) {
      p.push(`spec.direction: ${spec.direction} needs spec.target or spec.externalTargets`);
    }
    const percents: [string, unknown][] = [
      ['spec.loss.loss', obj(spec.loss)?.loss],
      ['spec.duplicate.duplicate', obj(spec.duplicate)?.duplicate],
      ['spec.corrupt.corrupt', obj(spec.corrupt)?.corrupt],
      ['spec.delay.correlation', obj(spec.delay)?.correlation],
      ['spec.loss.correlation', obj(spec.loss)?.correlation],
    ];
    for (const [path, v] of percents) if (typeof v === 'string' && Number(v) > 100) p.push(`${path}: a percentage, at most 100 (got ${shown(v)})`);
  }
  return p;
}

/** drillbook's limits: one namespace, pods chosen by label, a bounded duration. */
function scopeProblems(namespace: unknown, spec: Obj): string[] {
  const p: string[] = [];
  const selectors: [string, Obj | undefined][] = [['spec.selector', obj(spec.selector)]];
  if (spec.target !== undefined) selectors.push(['spec.target.selector', obj(obj(spec.target)?.selector)]);
  for (const [path, selector] of selectors) {
    if (!selector || typeof namespace !== 'string') continue; // reported by the schema / the metadata check
    const namespaces = selector.namespaces;
    if (!(Array.isArray(namespaces) && namespaces.length === 1 && namespaces[0] === namespace)) {
      p.push(`${path}.namespaces: must be exactly [${String(namespace)}], the chaos object's own namespace (got ${shown(namespaces)}; without it Chaos Mesh may reach other namespaces)`);
    }
    for (const podNs of Object.keys(obj(selector.pods) ?? {})) if (podNs !== namespace) p.push(`${path}.pods: names pods in namespace ${podNs}, outside ${String(namespace)}`);
    if (Object.keys(obj(selector.labelSelectors) ?? {}).length === 0 && Object.keys(obj(selector.pods) ?? {}).length === 0) {
      p.push(`${path}.labelSelectors: must select pods by label (an empty selector hits every pod in the namespace)`);
    }
  }
  if (spec.remoteCluster !== undefined) p.push('spec.remoteCluster: drillbook only injects into the cluster it deployed');
  if (typeof spec.duration !== 'string') p.push(`spec.duration: required by drillbook (at most ${MAX_DURATION_SECONDS}s), so a fault ends even if the harness dies`);
  else {
    const seconds = parseGoDuration(spec.duration);
    if (seconds !== undefined && (seconds <= 0 || seconds > MAX_DURATION_SECONDS)) p.push(`spec.duration: ${spec.duration} must be more than 0 and at most ${MAX_DURATION_SECONDS}s`);
  }
  return p;
}

/**
 * Every problem with a Chaos Mesh manifest: its kind's schema, metadata (DNS-1123 name, a namespace, drillbook's
 * labels), the checks Chaos Mesh makes on admission, and drillbook's limits (selectors confined to the object's
 * namespace, a bounded duration). Empty when it may be applied.
 */
export function validateChaosManifest(manifest: unknown): string[] {
  const m = obj(manifest);
  if (!m) return [`(root): must be an object (got ${typeOf(manifest)})`];
  const schema = typeof m.kind === 'string' ? CHAOS_SCHEMAS[m.kind] : undefined;
  if (!schema) return [`kind: must be one of ${Object.keys(CHAOS_SCHEMAS).join(', ')} (got ${shown(m.kind)})`, ...metadataProblems(obj(m.metadata))];
  const p = [...validateAgainstSchema(m, schema), ...metadataProblems(obj(m.metadata))];
  const spec = obj(m.spec);
  if (spec) p.push(...admissionProblems(m.kind as string, spec), ...scopeProblems(obj(m.metadata)?.namespace, spec));
  return p;
}
