// Chaos Mesh manifests from drillbook fault specs (data in, data out: nothing here talks to a cluster).
//   pod-kill          PodChaos pod-kill: delete the matching pods, grace period 0 unless told otherwise
//   container-kill    PodChaos container-kill: kill one named container of the matching pods
//   network-partition NetworkChaos partition between the selected pods and a target set (both directions)
//   network-delay     NetworkChaos delay (netem) on the selected pods' traffic, to a target set if given
//   network-loss      NetworkChaos loss (netem), likewise
// Every manifest lives in the fault's namespace, selects pods by label in that namespace only (selector and
// target), carries drillbook's managed-by and run-id labels, and stops on its own after a bounded duration.
// Builders validate what they build (chaos-mesh.schema.ts) and throw InvalidInputError listing every problem.
import { stringify } from 'yaml';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { LABELS, MANAGED_BY, type FaultSpec, type Labels } from '../../scenarios/ports.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { CHAOS_API_VERSION, DIRECTIONS, MAX_DURATION_SECONDS, SELECTOR_MODES, validateChaosManifest } from './chaos-mesh.schema.ts';

export const POD_FAULT_KINDS = ['pod-kill', 'container-kill'] as const;
export const NETWORK_FAULT_KINDS = ['network-partition', 'network-delay', 'network-loss'] as const;
export const CHAOS_FAULT_KINDS = [...POD_FAULT_KINDS, ...NETWORK_FAULT_KINDS] as const;
export type ChaosFaultKind = (typeof CHAOS_FAULT_KINDS)[number];
/** The `engine` a spec names to have Chaos Mesh break it (tools/faults/fault-dispatcher.ts routes on it). */
export const CHAOS_MESH_ENGINE = 'chaos-mesh';
export type SelectorMode = (typeof SELECTOR_MODES)[number];
export type ChaosKind = 'PodChaos' | 'NetworkChaos';

/** PodChaos carries a duration too: for the one-shot kills it only bounds how long the experiment counts as running. */
export const DEFAULT_POD_FAULT_DURATION_SECONDS = 60;
/** A netem delay beyond this is an outage, not latency: use network-partition. */
export const MAX_LATENCY_MS = 60_000;

interface CommonFields extends FaultSpec {
  readonly namespace: string;
  /** Pods to break: `key=value[,key=value]`, all pairs must match (never empty: that would be every pod). */
  readonly selector: string;
  /** How many of the matching pods: default all (as the kube injector's pod-kill). */
  readonly mode?: SelectorMode;
  /** With mode fixed: a count; fixed-percent / random-max-percent: a percentage. */
  readonly value?: string;
}

export interface PodFaultSpec extends CommonFields {
  readonly kind: 'pod-kill' | 'container-kill';
  /** container-kill: the container to kill (required: Chaos Mesh refuses a container-kill without one). */
  readonly container?: string;
  /** pod-kill: graceful-termination seconds; default 0, at once. */
  readonly gracePeriodSeconds?: number;
  /** Default DEFAULT_POD_FAULT_DURATION_SECONDS, at most MAX_DURATION_SECONDS. */
  readonly durationSeconds?: number;
}

export interface NetworkFaultSpec extends CommonFields {
  readonly kind: 'network-partition' | 'network-delay' | 'network-loss';
  /** The other side, `key=value[,...]` in the same namespace: required for a partition, optional otherwise. */
  readonly target?: string;
  /** to / from / both, relative to `target`; default both for a partition, to otherwise. */
  readonly direction?: (typeof DIRECTIONS)[number];
  /** network-delay: added latency in ms (required). */
  readonly latencyMs?: number;
  /** network-delay: jitter in ms. */
  readonly jitterMs?: number;
  /** network-loss: share of packets dropped, (0, 100]. */
  readonly lossPercent?: number;
  /** How long the fault lasts before Chaos Mesh lifts it; required, at most MAX_DURATION_SECONDS. */
  readonly durationSeconds: number;
}

export type ChaosFaultSpec = PodFaultSpec | NetworkFaultSpec;

export interface ChaosManifest extends KubeObject {
  kind: ChaosKind;
  metadata: KubeObject['metadata'] & { namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

const FIELDS: Readonly<Record<ChaosFaultKind, readonly string[]>> = {
  'pod-kill': ['gracePeriodSeconds', 'durationSeconds'],
  'container-kill': ['container', 'durationSeconds'],
  'network-partition': ['target', 'direction', 'durationSeconds'],
  'network-delay': ['target', 'direction', 'latencyMs', 'jitterMs', 'durationSeconds'],
  'network-loss': ['target', 'direction', 'lossPercent', 'durationSeconds'],
};
const COMMON = ['kind', 'engine', 'namespace', 'selector', 'mode', 'value'];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function isChaosFaultKind(kind: string): kind is ChaosFaultKind {
  return (CHAOS_FAULT_KINDS as readonly string[]).includes(kind);
}

export function chaosKindOf(kind: ChaosFaultKind): ChaosKind {
  return (POD_FAULT_KINDS as readonly string[]).includes(kind) ? 'PodChaos' : 'NetworkChaos';
}

/** `key=value[,key=value]` as a label map, or the problems with it. */
export function parseSelector(field: string, text: unknown): { labels: Record<string, string>; problems: string[] } {
  const wanted = `${field}: must be key=value[,key=value] (an empty selector would hit every pod)`;
  if (typeof text !== 'string' || text.trim() === '') return { labels: {}, problems: [`${wanted}; got ${JSON.stringify(text)}`] };
  const labels: Record<string, string> = {};
  const problems: string[] = [];
  for (const pair of text.split(',')) {
    const [key, value, ...rest] = pair.trim().split('=');
    if (key === undefined || value === undefined || rest.length > 0 || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value) || value.length > 63) {
      problems.push(`${field}: '${pair}' is not a label key=value pair (${wanted.slice(field.length + 2)})`);
    } else if (key in labels && labels[key] !== value) problems.push(`${field}: ${key} is given twice`);
    else labels[key] = value;
  }
  return { labels, problems };
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Problems with a Chaos Mesh fault spec, each saying what to fix; empty when a manifest can be built from it. */
export function chaosSpecProblems(spec: FaultSpec): string[] {
  if (!isChaosFaultKind(spec.kind)) return [`kind: '${spec.kind}' has no Chaos Mesh manifest; supported: ${CHAOS_FAULT_KINDS.join(', ')}`];
  const kind = spec.kind;
  const p: string[] = [];
  const known = [...COMMON, ...FIELDS[kind]];
  if (spec.engine !== undefined && spec.engine !== CHAOS_MESH_ENGINE) p.push(`engine: '${String(spec.engine)}' is not Chaos Mesh's ('${CHAOS_MESH_ENGINE}')`);
  for (const field of Object.keys(spec)) if (!known.includes(field)) p.push(`${field}: not a field of ${kind}; it takes ${known.filter((f) => f !== 'kind').join(', ')}`);
  if (typeof spec.namespace !== 'string' || spec.namespace === '') p.push('namespace: required (the namespace whose pods the fault hits)');
  else if (!DNS_LABEL.test(spec.namespace) || spec.namespace.length > 63) p.push(`namespace: '${spec.namespace}' is not a namespace name (DNS label)`);
  p.push(...parseSelector('selector', spec.selector).problems);
  if (spec.mode !== undefined && !(SELECTOR_MODES as readonly unknown[]).includes(spec.mode)) p.push(`mode: must be one of ${SELECTOR_MODES.join(', ')} (got ${JSON.stringify(spec.mode)})`);
  if (spec.value !== undefined && typeof spec.value !== 'string') p.push('value: a string (a count or a percentage, as Chaos Mesh takes it)');

  const seconds = spec.durationSeconds;
  const network = kind.startsWith('network-');
  if (seconds === undefined ? network : !isInt(seconds) || seconds < 1 || seconds > MAX_DURATION_SECONDS) {
    p.push(`durationSeconds: ${network ? 'required, ' : ''}a whole number of seconds from 1 to ${MAX_DURATION_SECONDS} (got ${JSON.stringify(seconds)})`);
  }
  if (kind === 'container-kill' && (typeof spec.container !== 'string' || !DNS_LABEL.test(spec.container))) {
    p.push(`container: required for container-kill, the name of the container to kill (got ${JSON.stringify(spec.container)})`);
  }
  if (spec.gracePeriodSeconds !== undefined && (!isInt(spec.gracePeriodSeconds) || spec.gracePeriodSeconds < 0)) p.push('gracePeriodSeconds: a whole number >= 0');
  if (kind === 'network-partition' && spec.target === undefined) p.push('target: required for network-partition (the pods the selected ones are cut off from)');
  if (spec.target !== undefined) p.push(...parseSelector('target', spec.target).problems);
  if (spec.direction !== undefined && !(DIRECTIONS as readonly unknown[]).includes(spec.direction)) p.push(`direction: must be one of ${DIRECTIONS.join(', ')}`);
  if (kind === 'network-delay') {
    if (!isInt(spec.latencyMs) || spec.latencyMs < 1 || spec.latencyMs > MAX_LATENCY_MS) p.push(`latencyMs: required, whole milliseconds from 1 to ${MAX_LATENCY_MS} (got ${JSON.stringify(spec.latencyMs)})`);
    if (spec.jitterMs !== undefined && (!isInt(spec.jitterMs) || spec.jitterMs < 0 || spec.jitterMs > MAX_LATENCY_MS)) p.push('jitterMs: whole milliseconds >= 0');
  }
  if (kind === 'network-loss') {
    const loss = spec.lossPercent;
    if (typeof loss !== 'number' || !Number.isFinite(loss) || loss <= 0 || loss > 100 || !/^[0-9]+(\.[0-9]+)?$/.test(String(loss))) {
      p.push(`lossPercent: required, a percentage in (0, 100] such as 30 or 0.5 (got ${JSON.stringify(loss)})`);
    }
  }
  return p;
}

export interface BuildOptions {
  /** metadata.name: a DNS-1123 subdomain, unique in the namespace. */
  readonly name: string;
  /** The run's labels; must include drillbook.io/run-id. managed-by=drillbook is always set. */
  readonly labels: Labels;
}

function metadata(spec: ChaosFaultSpec, options: BuildOptions): ChaosManifest['metadata'] {
  return { name: options.name, namespace: spec.namespace, labels: { ...options.labels, [LABELS.managedBy]: MANAGED_BY } };
}

function podSelector(namespace: string, selector: string, mode: SelectorMode = 'all', value?: string): Record<string, unknown> {
  return {
    mode,
    ...(value !== undefined ? { value } : {}),
    selector: { namespaces: [namespace], labelSelectors: parseSelector('selector', selector).labels },
  };
}

function checked(manifest: ChaosManifest): ChaosManifest {
  const problems = validateChaosManifest(manifest);
  if (problems.length > 0) {
    throw new InvalidInputError(`${manifest.kind} ${manifest.metadata.namespace}/${manifest.metadata.name}`, problems, {
      hint: 'fix the fault spec or the run labels; the manifest must pass the Chaos Mesh schema before it is applied',
    });
  }
  return manifest;
}

function specChecked(spec: FaultSpec): void {
  const problems = chaosSpecProblems(spec);
  if (problems.length > 0) throw new InvalidInputError(`fault '${spec.kind}'`, problems);
}

/** PodChaos for pod-kill / container-kill. */
export function buildPodChaos(spec: PodFaultSpec, options: BuildOptions): ChaosManifest {
  specChecked(spec);
  const body: Record<string, unknown> = {
    action: spec.kind,
    ...podSelector(spec.namespace, spec.selector, spec.mode, spec.value),
    duration: `${spec.durationSeconds ?? DEFAULT_POD_FAULT_DURATION_SECONDS}s`,
  };
  if (spec.kind === 'pod-kill') body.gracePeriod = spec.gracePeriodSeconds ?? 0;
  else body.containerNames = [spec.container];
  return checked({ apiVersion: CHAOS_API_VERSION, kind: 'PodChaos', metadata: metadata(spec, options), spec: body });
}

/** NetworkChaos for network-partition / network-delay / network-loss. */
export function buildNetworkChaos(spec: NetworkFaultSpec, options: BuildOptions): ChaosManifest {
  specChecked(spec);
  const action = spec.kind === 'network-partition' ? 'partition' : spec.kind === 'network-delay' ? 'delay' : 'loss';
  const body: Record<string, unknown> = {
    action,
    ...podSelector(spec.namespace, spec.selector, spec.mode, spec.value),
    direction: spec.direction ?? (action === 'partition' ? 'both' : 'to'),
    duration: `${spec.durationSeconds}s`,
  };
  if (spec.target !== undefined) body.target = podSelector(spec.namespace, spec.target);
  if (action === 'delay') body.delay = { latency: `${spec.latencyMs}ms`, ...(spec.jitterMs !== undefined ? { jitter: `${spec.jitterMs}ms` } : {}) };
  if (action === 'loss') body.loss = { loss: String(spec.lossPercent) };
  return checked({ apiVersion: CHAOS_API_VERSION, kind: 'NetworkChaos', metadata: metadata(spec, options), spec: body });
}

/** The manifest for any Chaos Mesh fault kind; throws InvalidInputError listing every problem. */
export function buildChaosManifest(spec: FaultSpec, options: BuildOptions): ChaosManifest {
  specChecked(spec);
  const typed = spec as ChaosFaultSpec;
  return chaosKindOf(typed.kind) === 'PodChaos' ? buildPodChaos(typed as PodFaultSpec, options) : buildNetworkChaos(typed as NetworkFaultSpec, options);
}

/**
 * YAML for `kubectl apply -f -`; several manifests become one multi-document stream. Written with YAML 1.1
 * quoting: kubectl's parser reads YAML 1.1, where a bare yes/no/on/off is a boolean, so such strings are quoted.
 */
export function toYaml(manifests: KubeObject | readonly KubeObject[]): string {
  const list = Array.isArray(manifests) ? manifests : [manifests as KubeObject];
  return list.map((m) => stringify(m, { version: '1.1', lineWidth: 0 })).join('---\n');
}
