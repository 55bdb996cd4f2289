import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import type { KubeObject, ObjectRef } from '../../clusters/kube/kube-api.ts';
import { InvalidInputError, WaitTimeoutError } from '../../scenarios/errors.ts';
import { LABELS, MANAGED_BY, type FaultSpec } from '../../scenarios/ports.ts';
import { FaultLedger, type LedgerEntry } from '../state/ledger.ts';
import { CHAOS_API_VERSION, NETWORK_CHAOS_SCHEMA, POD_CHAOS_SCHEMA, validateAgainstSchema, validateChaosManifest, type Schema } from './chaos-mesh.schema.ts';
import { buildChaosManifest, chaosSpecProblems, toYaml, type ChaosManifest } from './chaos-mesh.manifests.ts';
import { CHAOS_FIELD_MANAGER, ChaosMeshFaultInjector, ChaosMeshNotInstalledError } from '../faults/chaos-mesh.fault.ts';

const runLabels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'run-1', [LABELS.scenario]: 'backend-partition' };
const cluster = { kubeconfig: '/nonexistent/kubeconfig', context: 'kind-drillbook-test' };

const SPECS: Record<string, FaultSpec> = {
  'pod-kill': { kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' },
  'container-kill': { kind: 'container-kill', namespace: 'gravl', selector: 'component=backend,app.kubernetes.io/part-of=gravl', container: 'backend' },
  'network-partition': { kind: 'network-partition', namespace: 'gravl', selector: 'component=backend', target: 'component=database', durationSeconds: 120 },
  'network-delay': { kind: 'network-delay', namespace: 'gravl', selector: 'component=backend', target: 'component=database', latencyMs: 250, jitterMs: 20, durationSeconds: 60 },
  'network-loss': { kind: 'network-loss', namespace: 'gravl', selector: 'component=backend', lossPercent: 30, durationSeconds: 45 },
};
const build = (kind: string, overrides: Record<string, unknown> = {}) => buildChaosManifest({ ...SPECS[kind]!, ...overrides }, { name: `drillbook-${kind}-test`, labels: runLabels });

/** A copy of a valid manifest with one change at `path` (undefined deletes). */
function mutated(m: ChaosManifest, path: string, value: unknown): unknown {
  const copy = structuredClone(m) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let at = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
  return copy;
}

describe('generated manifests', () => {
  it.each(Object.keys(SPECS))('%s passes the Chaos Mesh schema, carries the labels, stays in its namespace, ends on its own', (kind) => {
    const m = build(kind);
    expect(validateChaosManifest(m)).toEqual([]);
    expect(m.apiVersion).toBe(CHAOS_API_VERSION);
    expect(m.metadata).toMatchObject({ name: `drillbook-${kind}-test`, namespace: 'gravl', labels: { [LABELS.managedBy]: 'drillbook', [LABELS.runId]: 'run-1' } });
    const spec = m.spec as { selector: { namespaces: string[] }; target?: { selector: { namespaces: string[] } }; duration: string };
    expect(spec.selector.namespaces).toEqual(['gravl']);
    if (spec.target) expect(spec.target.selector.namespaces).toEqual(['gravl']);
    expect(spec.duration).toMatch(/^[0-9]+s$/);
  });

  it('maps each drillbook fault onto the Chaos Mesh action and its parameters', () => {
    expect(build('pod-kill').spec).toEqual({ action: 'pod-kill', mode: 'all', selector: { namespaces: ['gravl'], labelSelectors: { component: 'backend' } }, duration: '60s', gracePeriod: 0 });
    expect(build('container-kill')).toMatchObject({ kind: 'PodChaos', spec: { action: 'container-kill', containerNames: ['backend'], selector: { labelSelectors: { component: 'backend', 'app.kubernetes.io/part-of': 'gravl' } } } });
    expect(build('network-partition')).toMatchObject({ kind: 'NetworkChaos', spec: { action: 'partition', direction: 'both', duration: '120s', target: { mode: 'all', selector: { labelSelectors: { component: 'database' } } } } });
    expect(build('network-delay').spec).toMatchObject({ action: 'delay', direction: 'to', delay: { latency: '250ms', jitter: '20ms' } });
    expect(build('network-loss').spec).toMatchObject({ action: 'loss', loss: { loss: '30' }, duration: '45s' });
    expect(build('network-loss').spec.target).toBeUndefined();
  });

  it('builders throw InvalidInputError naming every problem of the spec', () => {
    let error: unknown;
    try {
      buildChaosManifest({ kind: 'network-delay', namespace: 'Gravl', selector: 'component', latencyMs: 0, durationSeconds: 7200, jiterMs: 5 }, { name: 'x', labels: runLabels });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const problems = (error as InvalidInputError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/jiterMs: not a field of network-delay/);
    expect(problems.join('\n')).toMatch(/namespace: 'Gravl' is not a namespace name/);
    expect(problems.join('\n')).toMatch(/selector: 'component' is not a label key=value pair/);
    expect(problems.join('\n')).toMatch(/durationSeconds: required, a whole number of seconds from 1 to 3600 \(got 7200\)/);
    expect(problems.join('\n')).toMatch(/latencyMs: required, whole milliseconds from 1 to 60000 \(got 0\)/);
  });

  it('builders run the manifest validator too: a run without a run-id label or a bad name is refused', () => {
    expect(() => buildChaosManifest(SPECS['pod-kill']!, { name: 'Not_A_Name', labels: { [LABELS.scenario]: 's' } })).toThrow(
      expect.objectContaining({
        problems: [
          'metadata.name: "Not_A_Name" must be a DNS-1123 subdomain (lower-case letters, digits, \'-\' and \'.\', at most 253)',
          'metadata.labels["drillbook.io/run-id"]: required (the run that created it)',
        ],
      }),
    );
  });

  it('refuses the faults Chaos Mesh itself would refuse or drillbook would not want', () => {
    expect(chaosSpecProblems({ kind: 'container-kill', namespace: 'gravl', selector: 'a=b' })).toEqual([
      'container: required for container-kill, the name of the container to kill (got undefined)',
    ]);
    expect(chaosSpecProblems({ kind: 'network-partition', namespace: 'gravl', selector: 'a=b', durationSeconds: 10 })[0]).toMatch(/target: required for network-partition/);
    expect(chaosSpecProblems({ kind: 'network-loss', namespace: 'gravl', selector: 'a=b', lossPercent: 150, durationSeconds: 10 })[0]).toMatch(/lossPercent: required, a percentage in \(0, 100\]/);
    expect(chaosSpecProblems({ kind: 'pod-kill', namespace: 'gravl', selector: '' })[0]).toMatch(/an empty selector would hit every pod/);
    expect(chaosSpecProblems({ kind: 'node-stop' })[0]).toMatch(/'node-stop' has no Chaos Mesh manifest/);
  });
});

describe('validateAgainstSchema / validateChaosManifest', () => {
  const pod = () => build('pod-kill');
  const net = () => build('network-delay');

  it('catches a wrong mode', () => {
    expect(validateChaosManifest(mutated(pod(), 'spec.mode', 'some'))).toEqual(['spec.mode: must be one of one, all, fixed, fixed-percent, random-max-percent (got "some")']);
  });

  it('catches a missing selector', () => {
    expect(validateChaosManifest(mutated(pod(), 'spec.selector', undefined))).toEqual(['spec.selector: required']);
  });

  it('catches an unknown action', () => {
    expect(validateChaosManifest(mutated(pod(), 'spec.action', 'pod-explode'))).toEqual(['spec.action: must be one of pod-kill, pod-failure, container-kill (got "pod-explode")']);
    expect(validateChaosManifest(mutated(net(), 'spec.action', 'jitter'))[0]).toBe(
      'spec.action: must be one of netem, delay, loss, duplicate, corrupt, partition, bandwidth (got "jitter")',
    );
  });

  it('catches a bad duration, an unbounded one and a missing one', () => {
    const [bad] = validateChaosManifest(mutated(pod(), 'spec.duration', '5 minutes'));
    expect(bad).toMatch(/^spec\.duration: "5 minutes" does not match .* \(webhook: a Go duration such as 30s, 5m or 1h30m/);
    expect(validateChaosManifest(mutated(pod(), 'spec.duration', '2h'))).toEqual(['spec.duration: 2h must be more than 0 and at most 3600s']);
    expect(validateChaosManifest(mutated(net(), 'spec.duration', undefined))).toEqual([
      'spec.duration: required by drillbook (at most 3600s), so a fault ends even if the harness dies',
    ]);
    expect(validateChaosManifest(mutated(net(), 'spec.delay.latency', '250'))[0]).toMatch(/^spec\.delay\.latency: "250" does not match/);
  });

  it('catches an extra property at any depth', () => {
    expect(validateChaosManifest(mutated(pod(), 'spec.gracePeriodSeconds', 0))[0]).toMatch(/^spec\.gracePeriodSeconds: unknown field \(the API server would drop it\); allowed: action, containerNames, duration, gracePeriod, mode, remoteCluster, selector, value$/);
    expect(validateChaosManifest(mutated(net(), 'spec.delay.latencyMs', 250))[0]).toMatch(/^spec\.delay\.latencyMs: unknown field/);
    expect(validateChaosManifest(mutated(net(), 'spec.target.selector.labels', { a: 'b' }))[0]).toMatch(/^spec\.target\.selector\.labels: unknown field/);
  });

  it('catches wrong types, ranges and nested requirements with their JSON paths', () => {
    expect(validateChaosManifest(mutated(pod(), 'spec.gracePeriod', '0'))).toEqual(['spec.gracePeriod: must be an integer (got string "0")']);
    expect(validateChaosManifest(mutated(pod(), 'spec.gracePeriod', -1))).toEqual(['spec.gracePeriod: must be >= 0 (got -1)']);
    const bandwidth = { ...net(), spec: { ...net().spec, action: 'bandwidth', delay: undefined, bandwidth: { rate: '1mbps', limit: 0 } } };
    expect(validateChaosManifest(bandwidth)).toEqual(['spec.bandwidth.buffer: required', 'spec.bandwidth.limit: must be >= 1 (got 0)']);
    expect(validateChaosManifest(mutated(net(), 'spec.target.mode', 'most'))[0]).toMatch(/^spec\.target\.mode: must be one of one, all/);
    expect(validateChaosManifest(mutated(pod(), 'spec.selector.labelSelectors', { 'app.kubernetes.io/name': 7 }))).toEqual([
      'spec.selector.labelSelectors["app.kubernetes.io/name"]: must be a string (got integer 7)',
    ]);
  });

  it('checks metadata: a DNS-1123 name, a namespace, drillbook labels', () => {
    const m = mutated(pod(), 'metadata', { name: 'Bad Name', labels: { [LABELS.runId]: 'r' } });
    expect(validateChaosManifest(m)).toEqual([
      'metadata.name: "Bad Name" must be a DNS-1123 subdomain (lower-case letters, digits, \'-\' and \'.\', at most 253)',
      'metadata.namespace: required (chaos objects are namespaced; drillbook never relies on a default)',
      'metadata.labels["app.kubernetes.io/managed-by"]: must be drillbook (so `drillbook gc` can find it)',
    ]);
    expect(validateChaosManifest({ ...pod(), kind: 'StressChaos' })[0]).toBe('kind: must be one of PodChaos, NetworkChaos (got "StressChaos")');
    expect(validateChaosManifest(mutated(pod(), 'apiVersion', 'pingcap.com/v1alpha1'))[0]).toMatch(/^apiVersion: must be one of chaos-mesh.org\/v1alpha1/);
  });

  it('keeps selectors inside the object namespace: no other namespace, no cluster-wide, no empty label selector', () => {
    expect(validateChaosManifest(mutated(pod(), 'spec.selector.namespaces', ['kube-system']))[0]).toMatch(/^spec\.selector\.namespaces: must be exactly \[gravl\]/);
    expect(validateChaosManifest(mutated(pod(), 'spec.selector.namespaces', undefined))[0]).toMatch(/without it Chaos Mesh may reach other namespaces/);
    expect(validateChaosManifest(mutated(net(), 'spec.target.selector.namespaces', ['gravl', 'other']))[0]).toMatch(/^spec\.target\.selector\.namespaces: must be exactly \[gravl\]/);
    expect(validateChaosManifest(mutated(pod(), 'spec.selector.pods', { other: ['x'] }))).toEqual(['spec.selector.pods: names pods in namespace other, outside gravl']);
    expect(validateChaosManifest(mutated(pod(), 'spec.selector.labelSelectors', {}))[0]).toMatch(/an empty selector hits every pod in the namespace/);
  });

  it("applies the checks Chaos Mesh's webhook makes beyond the CRD", () => {
    const kill = build('container-kill');
    expect(validateChaosManifest(mutated(kill, 'spec.containerNames', []))).toEqual([
      'spec.containerNames: container-kill needs at least one container name (the webhook rejects it otherwise)',
    ]);
    expect(validateChaosManifest(mutated(kill, 'spec.mode', 'fixed'))).toEqual(['spec.value: mode fixed needs a pod count > 0 (got undefined)']);
    expect(validateChaosManifest({ ...kill, spec: { ...kill.spec, mode: 'fixed-percent', value: '150' } })).toEqual([
      'spec.value: mode fixed-percent needs a whole percentage in (0, 100] (got "150")',
    ]);
    const loss = build('network-loss');
    expect(validateChaosManifest(mutated(loss, 'spec.direction', 'both'))).toEqual(['spec.direction: both needs spec.target for action loss']);
    expect(validateChaosManifest(mutated(loss, 'spec.loss', undefined))).toEqual(['spec.loss: required for action loss']);
  });

  it('validates any structural schema: array items, maps and the root', () => {
    const schema: Schema = { type: 'object', required: ['ports'], properties: { ports: { type: 'array', items: { type: 'integer', maximum: 65535 } }, env: { type: 'object', additionalProperties: { type: 'string' } } } };
    expect(validateAgainstSchema({ ports: [80, 70000, 'x'], env: { A: 'a', B: false } }, schema)).toEqual([
      'ports[1]: must be <= 65535 (got 70000)',
      'ports[2]: must be an integer (got string "x")',
      'env.B: must be a string (got boolean false)',
    ]);
    expect(validateAgainstSchema([], schema)).toEqual(['(root): must be an object (got array [])']);
    expect(validateAgainstSchema(build('pod-kill'), POD_CHAOS_SCHEMA)).toEqual([]);
    expect(validateAgainstSchema(build('pod-kill'), NETWORK_CHAOS_SCHEMA)).toEqual([
      'kind: must be one of NetworkChaos (got "PodChaos")',
      'spec.action: must be one of netem, delay, loss, duplicate, corrupt, partition, bandwidth (got "pod-kill")',
      'spec.gracePeriod: unknown field (the API server would drop it); allowed: action, bandwidth, corrupt, delay, device, direction, duplicate, duration, externalTargets, loss, mode, rate, remoteCluster, selector, target, targetDevice, value',
    ]);
  });
});

describe('toYaml', () => {
  it.each(Object.keys(SPECS))('%s round-trips: parse(toYaml(m)) deep-equals m, as YAML 1.2 and as kubectl reads it (1.1)', (kind) => {
    const m = build(kind);
    const text = toYaml(m);
    expect(text).toMatch(/^apiVersion: chaos-mesh.org\/v1alpha1\nkind: (PodChaos|NetworkChaos)\n/);
    expect(parse(text)).toEqual(m);
    expect(parse(text, { version: '1.1' })).toEqual(m);
  });

  it('quotes strings YAML 1.1 would read as booleans or numbers, and joins several manifests into one stream', () => {
    const m = build('pod-kill', { selector: 'canary=yes,track=on,n=10' });
    const text = toYaml([m, build('network-loss')]);
    expect(text).toContain('canary: "yes"');
    expect(text).toContain('track: "on"');
    expect(text).toContain('"n": "10"');
    const docs = text.split(/^---\n/m).map((d) => parse(d, { version: '1.1' }));
    expect(docs.map((d) => d.kind)).toEqual(['PodChaos', 'NetworkChaos']);
    expect(docs[0].spec.selector.labelSelectors).toEqual({ canary: 'yes', track: 'on', n: '10' });
  });
});

// ---------------------------------------------------------------- the injector

const crd = (name: string, versions = [{ name: 'v1alpha1', served: true, storage: true }]): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name },
  spec: { group: 'chaos-mesh.org', scope: 'Namespaced', versions },
});
const injectedStatus = { conditions: [{ type: 'Selected', status: 'True' }, { type: 'AllInjected', status: 'True' }] };

/** Plays chaos-controller-manager: marks every chaos object it sees as injected. */
function controller(api: FakeKubeApi): void {
  api.onApply = (o) => {
    if (o.apiVersion === CHAOS_API_VERSION) api.set({ ...o, status: injectedStatus });
  };
}

/** A cluster whose Chaos Mesh cannot recover: deleting a chaos object only marks it (its finalizer stays). */
class StuckFinalizerApi extends FakeKubeApi {
  override async delete(ref: ObjectRef, options: { gracePeriodSeconds?: number } = {}): Promise<void> {
    if (ref.apiVersion !== CHAOS_API_VERSION) return super.delete(ref, options);
    this.deleted.push(ref);
    const o = await this.read(ref);
    if (o) this.set({ ...o, metadata: { ...o.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['chaos-mesh/records'] } });
  }
}

let api: FakeKubeApi;
let ledger: FaultLedger;
let injector: ChaosMeshFaultInjector;

function setup(fake: FakeKubeApi = new FakeKubeApi()): void {
  api = fake;
  ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'drillbook-chaos-ledger-')), 'faults'));
  injector = new ChaosMeshFaultInjector(api, cluster, ['gravl'], ledger).withTimeouts({ injectMs: 200, recoverMs: 200 });
}
const chaosObjects = () => [...api.objects.values()].filter((o) => o.apiVersion === CHAOS_API_VERSION);

beforeEach(() => setup());

describe('ChaosMeshFaultInjector.validate', () => {
  it('names every problem before anything is touched', () => {
    expect(injector.validate({ kind: 'secret-delete', namespace: 'gravl' })).toEqual([
      "unknown fault kind 'secret-delete'; the chaos-mesh injector supports: pod-kill, container-kill, network-partition, network-delay, network-loss",
    ]);
    expect(injector.validate({ ...SPECS['pod-kill']!, namespace: 'kube-system' })).toEqual(["namespace: 'kube-system' is not one this run deployed; allowed: gravl"]);
    expect(injector.validate({ kind: 'network-delay', namespace: 'gravl', selector: 'a=b', durationSeconds: 10 })).toEqual([
      'latencyMs: required, whole milliseconds from 1 to 60000 (got undefined)',
    ]);
    for (const spec of Object.values(SPECS)) expect(injector.validate(spec)).toEqual([]);
  });
});

describe('ChaosMeshFaultInjector.inject', () => {
  it('refuses when Chaos Mesh is not installed, saying how to install it, and touches nothing', async () => {
    const error = await injector.inject(SPECS['pod-kill']!, { labels: runLabels }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaosMeshNotInstalledError);
    expect((error as ChaosMeshNotInstalledError).message).toBe(
      'Chaos Mesh is not installed in this cluster: CustomResourceDefinition podchaos.chaos-mesh.org does not exist, so a PodChaos cannot be applied',
    );
    expect((error as ChaosMeshNotInstalledError).hint).toMatch(/helm install chaos-mesh chaos-mesh\/chaos-mesh -n chaos-mesh --create-namespace --version '~2\.7\.0'/);
    expect((error as ChaosMeshNotInstalledError).hint).toMatch(/kube injector/);
    expect(api.applied).toEqual([]);
    expect(ledger.list()).toEqual([]);
  });

  it('checks the CRD of the kind it applies, and that it serves v1alpha1', async () => {
    api.set(crd('podchaos.chaos-mesh.org'));
    await expect(injector.inject(SPECS['network-loss']!, { labels: runLabels })).rejects.toThrow(/CustomResourceDefinition networkchaos.chaos-mesh.org does not exist/);
    api.set(crd('networkchaos.chaos-mesh.org', [{ name: 'v1beta1', served: true, storage: true }]));
    await expect(injector.inject(SPECS['network-loss']!, { labels: runLabels })).rejects.toThrow(
      'CustomResourceDefinition networkchaos.chaos-mesh.org does not serve chaos-mesh.org/v1alpha1 (serves: v1beta1)',
    );
    expect(api.applied).toEqual([]);
  });

  it('records the undo before applying, applies a valid manifest, waits for AllInjected, and the revert deletes it', async () => {
    api.set(crd('networkchaos.chaos-mesh.org'));
    controller(api);
    let ledgerAtApply: LedgerEntry[] = [];
    const play = api.onApply!;
    api.onApply = (o) => {
      ledgerAtApply = ledger.list();
      play(o);
    };

    const fault = await injector.inject(SPECS['network-partition']!, { labels: runLabels });

    expect(api.applied).toHaveLength(1);
    const applied = api.applied[0]!;
    expect(validateChaosManifest(applied)).toEqual([]);
    expect(api.managers).toEqual([CHAOS_FIELD_MANAGER]);
    const ref = { apiVersion: CHAOS_API_VERSION, kind: 'NetworkChaos', namespace: 'gravl', name: applied.metadata.name };
    expect(applied.metadata.name).toBe(`drillbook-${fault.id}`);
    expect(ledgerAtApply).toHaveLength(1);
    expect(ledgerAtApply[0]).toMatchObject({ id: fault.id, runId: 'run-1', scenario: 'backend-partition', faultKind: 'network-partition', undo: [{ kind: 'kube-delete', cluster, refs: [ref] }] });
    expect(fault.evidence.map((e) => e.kind)).toEqual(['command', 'manifest', 'text']);
    expect(fault.evidence[0]!.value).toBe(`applied NetworkChaos gravl/${ref.name}: partition, mode all, pods component=backend -> component=database, for 120s`);
    expect(parse(fault.evidence[1]!.value as string)).toEqual(applied);
    expect(fault.evidence[2]!.value).toBe('Selected=True, AllInjected=True');

    const reverted = await fault.revert();
    expect(api.deleted).toEqual([ref]);
    expect(chaosObjects()).toEqual([]);
    expect(ledger.list()).toEqual([]);
    expect(reverted.map((e) => e.value)).toEqual([`deleted NetworkChaos gravl/${ref.name}`, `NetworkChaos gravl/${ref.name} is gone: Chaos Mesh has lifted the fault`]);
    await fault.revert(); // idempotent
    expect(ledger.list()).toEqual([]);
  });

  it('refuses a namespace outside the allow-list before reading or applying anything', async () => {
    api.set(crd('podchaos.chaos-mesh.org'));
    const error = await injector.inject({ ...SPECS['pod-kill']!, namespace: 'kube-system' }, { labels: runLabels }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems).toEqual(["namespace: 'kube-system' is not one this run deployed; allowed: gravl"]);
    expect(api.applied).toEqual([]);
    expect(ledger.list()).toEqual([]);
  });

  it('takes the object back and forgets it when Chaos Mesh never reports it injected', async () => {
    api.set(crd('podchaos.chaos-mesh.org'));
    const error = await injector.inject(SPECS['pod-kill']!, { labels: runLabels }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).message).toMatch(/AllInjected; last seen: "no status yet \(is chaos-controller-manager running\?\)"/);
    expect(api.applied).toHaveLength(1);
    expect(chaosObjects()).toEqual([]);
    expect(ledger.list()).toEqual([]);
  });

  it('keeps the ledger entry for gc when the revert cannot see Chaos Mesh recover', async () => {
    setup(new StuckFinalizerApi());
    api.set(crd('podchaos.chaos-mesh.org'));
    controller(api);
    const fault = await injector.inject(SPECS['container-kill']!, { labels: runLabels });
    const error = await fault.revert().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).hint).toMatch(/finalizer still on PodChaos gravl\/drillbook-container-kill-/);
    expect(ledger.list().map((e) => e.id)).toEqual([fault.id]);
  });
});
