// FaultInjector that hands faults to Chaos Mesh: it applies a PodChaos / NetworkChaos (chaos-mesh.manifests.ts)
// and lets Chaos Mesh's controller and daemons do the breaking; the revert deletes the object, and Chaos Mesh
// lifts the fault before its finalizer lets the object go. It needs Chaos Mesh (v2.7.x CRDs) installed in the
// cluster and checks for it before anything else; on its own kind clusters drillbook can install the controller it
// builds (clusters/stack/manifests/chaos-mesh.manifest.ts, see chaos-mesh.e2e.test.ts).
//   pod-kill, container-kill                       PodChaos
//   network-partition, network-delay, network-loss NetworkChaos (no harness-native equivalent)
// Specs name the engine (`engine: 'chaos-mesh'`): pod-kill and container-kill are kinds the harness-native kube
// injector breaks too, and the dispatcher routes a spec to exactly one of them.
// As the kube injector: only namespaces the run deployed, and through the fault transaction: the undo (delete the
// chaos object) is in the ledger before it is applied, so `drillbook gc` can lift it after a kill -9. Talks to the
// KubeApi port only.
import { DrillbookError } from '../../scenarios/errors.ts';
import type { Evidence } from '../../scenarios/journal.ts';
import type { FaultSpec } from '../../scenarios/ports.ts';
import { objectAbsent, type KubeCondition } from '../../clusters/kube/conditions.ts';
import { KubeClient } from '../../clusters/kube/kube-client.ts';
import { describeRef, refOf, type KubeApi, type KubeObject, type ObjectRef } from '../../clusters/kube/kube-api.ts';
import type { FaultLedger, KubeTargetRef } from '../state/ledger.ts';
import { FaultAdapter, type Parsed, type PlanContext } from './fault-adapter.ts';
import type { FaultPlan, FaultTransactions } from './fault-transaction.ts';
import { CHAOS_API_VERSION, CHAOS_MESH_VERSION } from '../chaos/chaos-mesh.schema.ts';
import { buildChaosManifest, CHAOS_FAULT_KINDS, CHAOS_MESH_ENGINE, chaosKindOf, chaosSpecProblems, toYaml, type ChaosFaultSpec, type ChaosKind } from '../chaos/chaos-mesh.manifests.ts';

/** Field manager of the chaos objects (wholly drillbook's: nothing else writes their spec). */
export const CHAOS_FIELD_MANAGER = 'drillbook-chaos-mesh';

/** CustomResourceDefinition name per kind: <plural>.<group>. */
export const CHAOS_CRDS: Readonly<Record<ChaosKind, string>> = { PodChaos: 'podchaos.chaos-mesh.org', NetworkChaos: 'networkchaos.chaos-mesh.org' };

export const CHAOS_MESH_INSTALL_HINT =
  `install Chaos Mesh ${CHAOS_MESH_VERSION} into the cluster first (offline: apply chaosMeshCrds() and chaosMeshController() of clusters/stack/manifests/chaos-mesh.manifest.ts ` +
  `with the image ensureImage('chaos-mesh-controller') builds, as tools/chaos/chaos-mesh.e2e.test.ts does; online, the upstream chart): ` +
  `helm repo add chaos-mesh https://charts.chaos-mesh.org && helm install chaos-mesh chaos-mesh/chaos-mesh -n chaos-mesh --create-namespace --version '~2.7.0' ` +
  `--set chaosDaemon.runtime=containerd --set chaosDaemon.socketPath=/run/containerd/containerd.sock (the kind/containerd socket); ` +
  `then check: kubectl get crd podchaos.chaos-mesh.org. Without Chaos Mesh, pod-kill and container-kill run harness-native through the kube injector (tools/kube/kube.fault.ts)`;

/** The cluster has no (usable) Chaos Mesh: its CRDs are missing or serve another version. */
export class ChaosMeshNotInstalledError extends DrillbookError {
  override name = 'ChaosMeshNotInstalledError';
}

const CRD_API_VERSION = 'apiextensions.k8s.io/v1';

interface ChaosConditions {
  conditions?: { type: string; status: string; reason?: string }[];
}

/** Chaos Mesh reports the fault as in effect on every selected target (status condition AllInjected=True). */
export function chaosInjected(ref: ObjectRef): KubeCondition {
  return {
    name: `${describeRef(ref)} AllInjected`,
    target: { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, fieldSelector: `metadata.name=${ref.name}` },
    evaluate: (objects) => {
      const o = objects[0];
      if (!o) return { ok: false, detail: `${describeRef(ref)} does not exist`, failed: `${describeRef(ref)} was deleted before Chaos Mesh injected it` };
      const conditions = ((o.status ?? {}) as ChaosConditions).conditions ?? [];
      const shown = conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ');
      return { ok: conditions.some((c) => c.type === 'AllInjected' && c.status === 'True'), detail: shown || 'no status yet (is chaos-controller-manager running?)' };
    },
  };
}

export interface ChaosMeshTimeouts {
  /** How long Chaos Mesh may take to report AllInjected after the apply. Default 60 s. */
  injectMs?: number;
  /** How long the chaos object may take to go after its delete (Chaos Mesh recovering the fault). Default 60 s. */
  recoverMs?: number;
}

export class ChaosMeshFaultInjector extends FaultAdapter<ChaosFaultSpec> {
  readonly name = 'chaos-mesh';
  /** Chaos Mesh breaks some of the same kinds as the harness-native injectors: specs pick it with `engine: 'chaos-mesh'`. */
  override readonly engine = CHAOS_MESH_ENGINE;
  readonly kinds = CHAOS_FAULT_KINDS;
  readonly #api: KubeApi;
  readonly #client: KubeClient;
  readonly #cluster: KubeTargetRef;
  readonly #namespaces: ReadonlySet<string>;
  #injectMs = 60_000;
  #recoverMs = 60_000;

  /**
   * `cluster` is where gc sends the undo after a crash (the same cluster `api` talks to); `namespaces` are the
   * only ones this injector may touch (those the run deployed).
   */
  constructor(api: KubeApi, cluster: KubeTargetRef, namespaces: readonly string[], ledger?: FaultLedger | FaultTransactions) {
    super(ledger);
    this.#api = api;
    this.#client = new KubeClient(api);
    this.#cluster = cluster;
    this.#namespaces = new Set(namespaces);
  }

  withTimeouts(timeouts: ChaosMeshTimeouts): this {
    if (timeouts.injectMs !== undefined) this.#injectMs = timeouts.injectMs;
    if (timeouts.recoverMs !== undefined) this.#recoverMs = timeouts.recoverMs;
    return this;
  }

  protected parseKind(spec: FaultSpec): Parsed<ChaosFaultSpec> {
    const p = chaosSpecProblems(spec);
    const ns = spec.namespace;
    if (typeof ns === 'string' && ns !== '' && !this.#namespaces.has(ns)) {
      p.unshift(`namespace: '${ns}' is not one this run deployed; allowed: ${[...this.#namespaces].join(', ') || 'none'}`);
    }
    return p.length ? { problems: p } : { spec: spec as ChaosFaultSpec, problems: [] };
  }

  protected async plan(spec: ChaosFaultSpec, { id, labels, signal }: PlanContext): Promise<FaultPlan> {
    const chaosKind = chaosKindOf(spec.kind);
    await this.#requireChaosMesh(chaosKind, signal);
    const manifest = buildChaosManifest(spec, { name: `drillbook-${id}`, labels });
    const ref = refOf(manifest);
    const api = this.#api;
    const client = this.#client;
    const injectMs = this.#injectMs;
    const recoverMs = this.#recoverMs;
    return {
      undo: [{ kind: 'kube-delete', cluster: this.#cluster, refs: [ref] }],
      act: async () => {
        try {
          await api.apply(manifest, CHAOS_FIELD_MANAGER, { signal });
        } catch (cause) {
          throw new DrillbookError(`applying ${describeRef(ref)} failed: ${(cause as Error).message}`, {
            cause,
            hint: "Chaos Mesh's admission webhook may have refused it (the message says why), or the kubeconfig user may not create chaos-mesh.org objects",
          });
        }
        const injected = (
          await client.waitFor(chaosInjected(ref), {
            timeoutMs: injectMs,
            signal,
            hint: `Selected=False: no pod matched the selector; no status at all: chaos-controller-manager is not running (kubectl -n chaos-mesh get pods); otherwise see kubectl describe ${chaosKind.toLowerCase()} -n ${ref.namespace} ${ref.name}`,
          })
        ).detail;
        return [
          { kind: 'command', label: 'injected', value: `applied ${describeRef(ref)}: ${summary(manifest)}` },
          { kind: 'manifest', label: `${chaosKind} ${ref.name}`, value: toYaml(manifest) },
          { kind: 'text', label: 'chaos-mesh status', value: injected },
        ];
      },
      // not injected after all: take back whatever landed, through this injector's API
      rollback: async (sig) => api.delete(ref, { signal: sig, propagation: 'Background' }),
      async revert(sig) {
        // The same delete as the ledger's undo (gc runs that one after a crash), through this injector's API with
        // its own bounded wait. Background: no foregroundDeletion finalizer; Chaos Mesh's own finalizer holds the
        // object while it lifts the fault, so gone means recovered.
        await api.delete(ref, { signal: sig, propagation: 'Background' });
        const done: Evidence[] = [{ kind: 'command', label: 'revert', value: `deleted ${describeRef(ref)}` }];
        await client.waitFor(objectAbsent(ref.apiVersion, ref.kind, ref.namespace!, ref.name), {
          timeoutMs: recoverMs,
          signal: sig,
          hint: `Chaos Mesh has not finished recovering (finalizer still on ${describeRef(ref)}): check chaos-controller-manager and chaos-daemon logs in the chaos-mesh namespace; the ledger entry stays for \`drillbook gc\``,
        });
        done.push({ kind: 'text', label: 'recovered', value: `${describeRef(ref)} is gone: Chaos Mesh has lifted the fault` });
        return done;
      },
    };
  }

  /** Chaos Mesh is installed when the kind's CRD exists and serves chaos-mesh.org/v1alpha1. */
  async #requireChaosMesh(kind: ChaosKind, signal: AbortSignal | undefined): Promise<void> {
    const crdName = CHAOS_CRDS[kind];
    const crd = await this.#api.read({ apiVersion: CRD_API_VERSION, kind: 'CustomResourceDefinition', name: crdName }, { signal });
    if (!crd) {
      throw new ChaosMeshNotInstalledError(`Chaos Mesh is not installed in this cluster: CustomResourceDefinition ${crdName} does not exist, so a ${kind} cannot be applied`, {
        hint: CHAOS_MESH_INSTALL_HINT,
      });
    }
    const version = CHAOS_API_VERSION.split('/')[1];
    const versions = (crd as KubeObject & { spec?: { versions?: { name: string; served?: boolean }[] } }).spec?.versions ?? [];
    if (!versions.some((v) => v.name === version && v.served !== false)) {
      throw new ChaosMeshNotInstalledError(`CustomResourceDefinition ${crdName} does not serve ${CHAOS_API_VERSION} (serves: ${versions.map((v) => v.name).join(', ') || 'nothing'})`, {
        hint: `drillbook's manifests follow the Chaos Mesh ${CHAOS_MESH_VERSION} CRDs; ${CHAOS_MESH_INSTALL_HINT}`,
      });
    }
  }
}

function summary(m: ReturnType<typeof buildChaosManifest>): string {
  const s = m.spec as { action: string; mode: string; duration: string; selector: { labelSelectors: Record<string, string> }; target?: { selector: { labelSelectors: Record<string, string> } } };
  const sel = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',');
  return `${s.action}, mode ${s.mode}, pods ${sel(s.selector.labelSelectors)}${s.target ? ` -> ${sel(s.target.selector.labelSelectors)}` : ''}, for ${s.duration}`;
}
