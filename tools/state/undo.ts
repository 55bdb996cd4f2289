// Undo actions recorded in the fault ledger, carried out from data alone.
import { run, tryRun } from '../lib/exec.ts';
import { ClientNodeKubeApi, loadKubeConfig } from '../../clusters/kube/client-node.kube-api.ts';
import { describeRef, refOf, type KubeApi } from '../../clusters/kube/kube-api.ts';
import { ToolFailedError } from '../../scenarios/errors.ts';
import type { KubeTargetRef, PinnedAddress, UndoAction } from './ledger.ts';

/** Tests replace this to undo against an in-memory API. */
export let kubeApi = (target: KubeTargetRef): KubeApi => new ClientNodeKubeApi(loadKubeConfig(target.kubeconfig, target.context));
export function setKubeApiFactory(factory: (target: KubeTargetRef) => KubeApi): () => void {
  const previous = kubeApi;
  kubeApi = factory;
  return () => {
    kubeApi = previous;
  };
}

/**
 * Carries out one undo action. Every action is idempotent (starting a running container, unpausing one that is
 * not paused, reconnecting a connected one are no-ops), so the live revert and `gc` after a crash share it.
 */
export async function performUndo(action: UndoAction, signal?: AbortSignal): Promise<string> {
  switch (action.kind) {
    case 'kill-pids':
      for (const pid of action.pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      return `killed pids ${action.pids.join(', ')}`;
    case 'docker-start':
      if (!action.addresses?.length) {
        await run('docker', ['start', ...action.containers], { signal }); // no-op on a running container
        return `started containers ${action.containers.join(', ')}`;
      }
      return startAtAddresses(action.containers, action.addresses, signal);
    case 'docker-unpause':
      await tryRun('docker', ['unpause', ...action.containers], { signal }); // fails harmlessly when not paused
      return `unpaused containers ${action.containers.join(', ')}`;
    case 'docker-network-connect': {
      const aliases = action.aliases.flatMap((a) => ['--alias', a]);
      await tryRun('docker', ['network', 'connect', ...aliases, action.network, action.container], { signal }); // fails harmlessly when connected
      return `reconnected ${action.container} to ${action.network}`;
    }
    case 'docker-rm':
      await tryRun('docker', ['rm', '-f', ...action.containers], { signal });
      return `removed containers ${action.containers.join(', ')}`;
    case 'kube-apply': {
      // Through the API with the fault's own field manager: a partial manifest (an image, a replica count) then
      // changes only those fields and never strips what the stack's own manager applied.
      const api = kubeApi(action.cluster);
      const done: string[] = [];
      for (const m of action.manifests) {
        if (action.onlyIfAbsent && (await api.read(refOf(m), { signal })) !== undefined) continue;
        await api.apply(m, action.fieldManager, { signal });
        done.push(describeRef(refOf(m)));
      }
      if (done.length === 0) return `nothing to re-apply in ${action.cluster.context}: ${action.manifests.map((m) => describeRef(refOf(m))).join(', ')} exist(s)`;
      return `re-applied ${done.join(', ')} in ${action.cluster.context}`;
    }
    case 'kube-delete': {
      const api = kubeApi(action.cluster);
      const done: string[] = [];
      for (const ref of action.refs) {
        if (action.onlyIfLabel) {
          const current = await api.read(ref, { signal });
          const labels = current?.metadata.labels ?? {};
          if (!current || Object.entries(action.onlyIfLabel).some(([k, v]) => labels[k] !== v)) continue;
        }
        // Background: a Job's pods go with it, and the name is free again at once
        await api.delete(ref, { signal, propagation: 'Background' });
        // gone before the next action (a re-create under the same name) runs
        for (const deadline = Date.now() + 60_000; (await api.read(ref, { signal })) !== undefined; ) {
          if (Date.now() > deadline) throw new Error(`${describeRef(ref)} is still there 60 s after its delete`);
          await new Promise((r) => setTimeout(r, 100));
        }
        done.push(describeRef(ref));
      }
      if (done.length === 0) return `nothing to delete in ${action.cluster.context}: ${action.refs.map(describeRef).join(', ')} gone or not the fault's`;
      return `deleted ${done.join(', ')} in ${action.cluster.context}`;
    }
  }
}

/** (Re)connects a stopped container to a network, at its pinned address unless `pin` is false. */
async function connect(a: PinnedAddress, pin: boolean, signal?: AbortSignal): Promise<void> {
  await tryRun('docker', ['network', 'disconnect', '--force', a.network, a.container], { signal }); // not connected: fine
  const ips = pin ? [...(a.ipv4 ? ['--ip', a.ipv4] : []), ...(a.ipv6 ? ['--ip6', a.ipv6] : [])] : [];
  await run('docker', ['network', 'connect', ...ips, ...a.aliases.flatMap((alias) => ['--alias', alias]), a.network, a.container], { signal });
}

/**
 * Starts stopped containers at the addresses they had: each one's endpoint re-created with its old IPs, then
 * started. A running container is left as it is (idempotent, like `docker start`). An address another container
 * took meanwhile cannot be had: that container starts with a new one, and the result says so.
 */
async function startAtAddresses(containers: readonly string[], addresses: readonly PinnedAddress[], signal?: AbortSignal): Promise<string> {
  const notes: string[] = [];
  for (const container of containers) {
    const state = await tryRun('docker', ['inspect', '-f', '{{.State.Running}}', container], { signal });
    if (!(state instanceof ToolFailedError) && state.stdout.trim() === 'true') {
      notes.push(`${container} was running`);
      continue;
    }
    const pins = addresses.filter((a) => a.container === container);
    const where = pins.map((a) => `${a.network} ${[a.ipv4, a.ipv6].filter(Boolean).join(' ')}`).join(', ');
    for (const a of pins) await connect(a, true, signal);
    const started = await tryRun('docker', ['start', container], { signal });
    if (!(started instanceof ToolFailedError)) {
      notes.push(pins.length ? `${container} at ${where}` : container);
      continue;
    }
    if (!/address already in use/i.test(started.message) || pins.length === 0) throw started;
    for (const a of pins) await connect(a, false, signal);
    await run('docker', ['start', container], { signal });
    notes.push(`${container} with a new address (${where} was taken)`);
  }
  return `started containers ${notes.join('; ')}`;
}
