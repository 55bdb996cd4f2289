// `drillbook gc`: removes everything a run left behind, found by labels and by the fault ledger, so a crash
// (even kill -9) never leaves a broken target or unlabelled debris.
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import type { Config } from '../config/config.ts';
import { run, tryRun } from '../lib/exec.ts';
import { activeRuns } from '../state/active-runs.ts';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../lib/cache.ts';
import { FaultLedger, type UndoAction } from '../state/ledger.ts';
import { performUndo } from '../state/undo.ts';

export interface GcAction {
  readonly what: string;
  readonly done: boolean;
  readonly error?: string;
}

export interface GcOptions {
  dryRun?: boolean;
  /** Also remove labelled containers that carry no run id (default: only leftovers of runs that are over). */
  all?: boolean;
  signal?: AbortSignal;
  ledger?: FaultLedger;
  /** Kube contexts to sweep for run-labelled objects (default: drillbook's kind clusters + the allow-list). */
  contexts?: readonly string[];
}

const KUBE_KINDS = 'pods,jobs,deployments,statefulsets,services,configmaps,secrets,networkpolicies,persistentvolumeclaims';

export async function gc(config: Config, options: GcOptions = {}): Promise<GcAction[]> {
  const actions: GcAction[] = [];
  const ledger = options.ledger ?? new FaultLedger();
  const step: GcStep = async (what, fn) => {
    if (options.dryRun) {
      actions.push({ what, done: false });
      return false;
    }
    try {
      await fn();
      actions.push({ what, done: true });
      return true;
    } catch (error) {
      actions.push({ what, done: false, error: (error as Error).message.split('\n')[0]! });
      return false;
    }
  };

  // 1. Faults a dead run left injected: undo them from the ledger's data (a live run reverts its own).
  const live = activeRuns();
  await replayLedger(ledger, live, step, { signal: options.signal, dryRun: options.dryRun });

  // 2. Docker objects labelled as ours, from runs that are over (a run in progress, in any checkout, is left alone).
  const filter = `label=${LABELS.managedBy}=${MANAGED_BY}`;
  const ps = await tryRun('docker', ['ps', '-a', '--filter', filter, '--format', `{{.ID}}\t{{.Label "${LABELS.runId}"}}`], { signal: options.signal, timeoutMs: 20_000 });
  if (!(ps instanceof Error)) {
    for (const line of ps.stdout.split('\n').filter(Boolean)) {
      const [id, runId = ''] = line.split('\t');
      if (runId ? live.has(runId) : !options.all) continue;
      await step(`docker container ${id}${runId ? ` (run ${runId})` : ''}`, () => run('docker', ['rm', '-f', '-v', id!], { signal: options.signal }));
    }
    // Networks and volumes still in use belong to something alive: only unused ones are leftovers.
    const nets = await tryRun('docker', ['network', 'ls', '-q', '--filter', filter], { signal: options.signal });
    for (const id of nets instanceof Error ? [] : nets.stdout.split('\n').filter(Boolean)) {
      const users = await tryRun('docker', ['network', 'inspect', '--format', '{{len .Containers}}', id], { signal: options.signal });
      if (users instanceof Error || users.stdout.trim() !== '0') continue;
      await step(`docker network ${id}`, () => run('docker', ['network', 'rm', id], { signal: options.signal }));
    }
    const vols = await tryRun('docker', ['volume', 'ls', '-q', '--filter', filter, '--filter', 'dangling=true'], { signal: options.signal });
    for (const id of vols instanceof Error ? [] : vols.stdout.split('\n').filter(Boolean)) {
      await step(`docker volume ${id}`, () => run('docker', ['volume', 'rm', id], { signal: options.signal }));
    }
  }

  // 3. Kubernetes objects a run created (they carry the run-id label; the deployed stack itself does not), in
  // drillbook's kind clusters (each with its own kubeconfig) and the allow-listed contexts (for a stack someone else
  // deployed, only in the namespaces allowed there). k6-operator TestRuns first: their controller owns runner Jobs.
  const targets: SweepTarget[] = options.contexts ? options.contexts.map((context) => ({ context })) : [...(await liveKindClusters(options.signal)), ...allowListedTargets(config)];
  for (const t of targets) {
    const k6Operator = await tryRun('kubectl', [...kubeconfigArgs(t), '--context', t.context, 'api-resources', '--api-group=k6.io', '-o', 'name', '--request-timeout=20s'], { signal: options.signal, timeoutMs: 30_000 });
    const hasTestRuns = !(k6Operator instanceof Error) && k6Operator.stdout.split('\n').some((l) => l.trim() === 'testruns.k6.io');
    for (const sweep of kubeSweeps(t, live, hasTestRuns)) await step(sweep.what, () => run('kubectl', sweep.args, { signal: options.signal, timeoutMs: 120_000 }));
  }
  return actions;
}

/** A context gc sweeps; `namespaces`: only these (a stack someone else deployed), else every namespace. */
export interface SweepTarget {
  readonly kubeconfig?: string;
  readonly context: string;
  readonly namespaces?: readonly string[];
}

const kubeconfigArgs = (t: SweepTarget): string[] => (t.kubeconfig ? ['--kubeconfig', t.kubeconfig] : []);

/** The allow-listed contexts: the list form everywhere, the map form (existing clusters) only in its namespaces. */
export function allowListedTargets(config: Pick<Config, 'allowDestructive' | 'cluster'>): SweepTarget[] {
  const kubeconfig = config.cluster.kubeconfig ? { kubeconfig: config.cluster.kubeconfig } : {};
  return config.allowDestructive.contexts.map((context) => {
    const namespaces = config.allowDestructive.namespaces[context];
    return { context, ...(context === config.cluster.context ? kubeconfig : {}), ...(namespaces ? { namespaces } : {}) };
  });
}

/**
 * The kubectl deletes of one context's sweep, as argument arrays: what runs that are over left labelled there
 * (TestRuns of k6-operator first, when the cluster serves that kind, then the built-in kinds), never an object
 * of a run still alive.
 */
export function kubeSweeps(t: SweepTarget, live: ReadonlySet<string>, hasTestRuns: boolean): { what: string; args: string[] }[] {
  const notLive = live.size ? `,${LABELS.runId} notin (${[...live].join(',')})` : '';
  const selector = `${LABELS.managedBy}=${MANAGED_BY},${LABELS.runId}${notLive}`;
  const scopes = t.namespaces ? t.namespaces.map((n) => ({ where: `${t.context}/${n}`, args: ['--namespace', n] })) : [{ where: t.context, args: ['--all-namespaces'] }];
  const kinds = [...(hasTestRuns ? [{ kinds: 'testruns.k6.io', label: 'k6-operator TestRuns' }] : []), { kinds: KUBE_KINDS, label: 'kube objects' }];
  return kinds.flatMap((k) =>
    scopes.map((scope) => ({
      what: `${k.label} labelled ${LABELS.runId} in ${scope.where}`,
      args: [...kubeconfigArgs(t), '--context', t.context, 'delete', k.kinds, ...scope.args, '-l', selector, '--ignore-not-found', '--wait=false', '--request-timeout=20s'],
    })),
  );
}

/** Runs one gc action, records it, and says whether it worked (a dry run does nothing and says false). */
export type GcStep = (what: string, fn: () => Promise<unknown>) => Promise<boolean>;

/**
 * Undoes the faults of runs that are over from the ledger's data. An entry goes only when every undo action of it
 * worked; otherwise it is rewritten with the actions that failed, for the next gc (the same rule as the fault
 * transaction's rollback: never drop what could not be undone).
 */
export async function replayLedger(
  ledger: FaultLedger,
  live: ReadonlySet<string>,
  step: GcStep,
  options: { signal?: AbortSignal; dryRun?: boolean; perform?: (action: UndoAction, signal?: AbortSignal) => Promise<string> } = {},
): Promise<void> {
  const perform = options.perform ?? performUndo;
  for (const entry of ledger.list()) {
    if (live.has(entry.runId)) continue;
    const failed: UndoAction[] = [];
    for (const action of entry.undo) {
      if (!(await step(`fault ${entry.id} (${entry.faultKind}, run ${entry.runId}): ${action.kind}`, () => perform(action, options.signal)))) failed.push(action);
    }
    if (options.dryRun) continue;
    if (failed.length === 0) await step(`forget ledger entry ${entry.id}`, async () => ledger.remove(entry.id));
    else await step(`keep ledger entry ${entry.id} with ${failed.length} undo action(s) that failed, for the next gc`, async () => ledger.record({ ...entry, undo: failed }));
  }
}

/** drillbook's kind clusters whose control plane is running, with their private kubeconfigs (<cache>/kind-clusters/<name>/kubeconfig). */
async function liveKindClusters(signal?: AbortSignal): Promise<SweepTarget[]> {
  const root = cacheDir('kind-clusters');
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const ps = await tryRun('docker', ['ps', '--filter', 'name=-control-plane$', '--format', '{{.Names}}'], { signal });
  const running = new Set(ps instanceof Error ? [] : ps.stdout.split('\n').filter(Boolean));
  return names
    .filter((name) => running.has(`${name}-control-plane`))
    .map((name) => ({ kubeconfig: join(root, name, 'kubeconfig'), context: `kind-${name}` }))
    .filter((t) => existsSync(t.kubeconfig));
}
