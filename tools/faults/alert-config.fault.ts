// FaultInjector for `alertmanager-config` faults: alertmanager-config gets `config` and AlertManager runs it, in the
// stack's monitoring namespace only. The fault is explicit and revertible rather than "the stack as deployed": the
// stack's own config (no integration on any receiver) is applied and AlertManager made to run it, the copy that was
// there kept for the revert. On a fresh stack that changes nothing (the seeds' defect, as deployed); where an
// earlier drill or a person configured a receiver, the drill still starts from the defect and the revert puts their
// config back, restarting the AlertManager pod when the running config must change back (a restart loads the
// mounted file at once; a reload would wait for the kubelet to refresh it).
// Like the kube injector: only objects with drillbook's managed-by label, and the undo (re-apply the saved
// ConfigMap) is in the ledger before the change (the fault transaction), so `drillbook gc` restores the ConfigMap
// after a kill -9 (the pod then loads it at its next reload or restart).
import { describeRef, type KubeApi, type KubeObject, type ObjectRef } from '../../clusters/kube/kube-api.ts';
import { AlertManagerProxy, describeReceivers } from '../../clusters/stack/alertmanager.proxy.ts';
import { ALERTMANAGER, configText, hasEndpoint, receiverIntegrations } from '../../clusters/stack/manifests/alert-webhook.manifest.ts';
import type { StackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import { systemClock } from '../../scenarios/clock.ts';
import type { Evidence } from '../../scenarios/journal.ts';
import { LABELS, MANAGED_BY, type FaultSpec } from '../../scenarios/ports.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import type { FaultLedger, KubeTargetRef } from '../state/ledger.ts';
import { FaultAdapter, SpecReader, type Parsed, type PlanContext } from './fault-adapter.ts';
import type { FaultPlan, FaultTransactions } from './fault-transaction.ts';
import { FAULT_FIELD_MANAGER, REVERT_FIELD_MANAGER, restorable } from './kube.fault.ts';

export const ALERT_CONFIG_FAULT = 'alertmanager-config';

export interface AlertConfigFaultSpec {
  readonly kind: typeof ALERT_CONFIG_FAULT;
  readonly namespace: string;
  readonly configMap: string;
  /** The AlertManager config (YAML) to run. */
  readonly config: string;
}

export class AlertConfigFaultInjector extends FaultAdapter<AlertConfigFaultSpec> {
  readonly name = 'alertmanager-config';
  readonly kinds = [ALERT_CONFIG_FAULT] as const;
  readonly #api: KubeApi;
  readonly #namespace: string;
  readonly #cluster: KubeTargetRef;
  /** Budget to make AlertManager run the new config (reloads until the kubelet refreshed the file). */
  readonly #loadTimeoutMs: number;

  constructor(api: KubeApi, stack: StackOptions, cluster: KubeTargetRef, options: { ledger?: FaultLedger | FaultTransactions; loadTimeoutMs?: number } = {}) {
    super(options.ledger);
    this.#api = api;
    this.#namespace = stack.namespaces.monitoring;
    this.#cluster = cluster;
    this.#loadTimeoutMs = options.loadTimeoutMs ?? 110_000;
  }

  protected parseKind(spec: FaultSpec): Parsed<AlertConfigFaultSpec> {
    const r = new SpecReader(spec);
    if (spec.namespace !== this.#namespace) r.problem(`namespace: '${String(spec.namespace)}' must be the stack's monitoring namespace '${this.#namespace}'`);
    if (spec.configMap !== ALERTMANAGER.configMap) r.problem(`configMap: must be '${ALERTMANAGER.configMap}' (the one AlertManager mounts)`);
    const config = typeof spec.config === 'string' ? spec.config : '';
    if (config.trim() === '') r.problem('config: the AlertManager config (YAML) to run');
    else {
      try {
        if (receiverIntegrations(config).receivers.length === 0) r.problem('config: has no receivers; AlertManager would refuse it');
      } catch (error) {
        r.problem(`config: not YAML: ${(error as Error).message}`);
      }
    }
    return r.done({ kind: ALERT_CONFIG_FAULT, namespace: this.#namespace, configMap: ALERTMANAGER.configMap, config });
  }

  protected async plan(spec: AlertConfigFaultSpec, { signal: given }: PlanContext): Promise<FaultPlan> {
    const signal = given ?? new AbortController().signal;
    const api = this.#api;
    const namespace = this.#namespace;
    const loadTimeoutMs = this.#loadTimeoutMs;
    const ref: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: ALERTMANAGER.configMap };
    const current = await api.read(ref, { signal });
    if (!current) throw new Error(`${describeRef(ref)} does not exist; is AlertManager deployed (the stack's alertmanager image)?`);
    if (current.metadata.labels?.[LABELS.managedBy] !== MANAGED_BY) throw new Error(`refusing to touch ${describeRef(ref)}: it has no ${LABELS.managedBy}=${MANAGED_BY} label`);
    const saved = restorable(current);
    const savedConfig = configText(saved);
    const wanted = spec.config;
    const am = new AlertManagerProxy(api, namespace);
    return {
      undo: [{ kind: 'kube-apply', cluster: this.#cluster, fieldManager: REVERT_FIELD_MANAGER, manifests: [saved] }],
      act: async () => {
        const evidence: Evidence[] = [];
        const patch: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ref.name, namespace }, data: { [ALERTMANAGER.key]: wanted } };
        await api.apply(patch, FAULT_FIELD_MANAGER, { signal });
        const want = hasEndpoint(receiverIntegrations(wanted));
        const running = await am.running(signal);
        evidence.push({
          kind: 'command',
          label: 'injected',
          value: `applied ${describeRef(ref)} (${savedConfig === wanted ? 'identical to what was there: the stack as deployed' : 'replacing what was there; a copy is kept for the revert'}); receivers: ${describeReceivers(receiverIntegrations(wanted))}`,
        });
        if (hasEndpoint(running) !== want) {
          const started = performance.now();
          const { reloads } = await am.reloadUntil('AlertManager runs the fault config', (v) => hasEndpoint(v) === want, loadTimeoutMs, signal);
          evidence.push({ kind: 'text', label: 'loaded', value: `AlertManager ran ${describeReceivers(running)}; after ${reloads} reload(s) in ${Math.round(performance.now() - started)} ms it runs the fault config` });
        } else {
          evidence.push({ kind: 'text', label: 'running', value: `AlertManager already runs it: ${describeReceivers(running)}` });
        }
        return evidence;
      },
      // a failed inject puts the saved ConfigMap back through this API (the ledger's undo goes through the kubeconfig)
      rollback: async (sig) => void (await api.apply(saved, REVERT_FIELD_MANAGER, { signal: sig })),
      revert: async (opts) => {
        const sig = opts ?? new AbortController().signal;
        await api.apply(saved, REVERT_FIELD_MANAGER, { signal: sig });
        const done: Evidence[] = [{ kind: 'command', label: 'revert', value: `re-applied the saved ${describeRef(ref)}` }];
        const want = hasEndpoint(receiverIntegrations(savedConfig));
        const running = await am.running(sig);
        if (hasEndpoint(running) !== want) {
          // A restart mounts the restored file at once; a reload would wait for the kubelet's refresh.
          const started = performance.now();
          await api.delete({ apiVersion: 'v1', kind: 'Pod', namespace, name: ALERTMANAGER.pod }, { signal: sig, propagation: 'Background' });
          await waitFor(
            systemClock,
            condition('the restarted AlertManager runs the restored config', async (s) => {
              const v = await am.running(s);
              return { ok: hasEndpoint(v) === want, value: describeReceivers(v) };
            }),
            { timeoutMs: loadTimeoutMs, intervalMs: 500, signal: sig },
          );
          done.push({ kind: 'metric', label: 'restart to restored config', value: { ms: Math.round(performance.now() - started), route: `kubectl -n ${namespace} delete pod ${ALERTMANAGER.pod}` } });
        } else {
          done.push({ kind: 'text', label: 'running', value: `AlertManager runs the restored config already: ${describeReceivers(running)}` });
        }
        return done;
      },
    };
  }
}
