// Undo actions recorded in the fault ledger, carried out from data alone.
import { run, tryRun } from '../lib/exec.ts';
import type { UndoAction } from './ledger.ts';

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
      await run('docker', ['start', ...action.containers], { signal }); // no-op on a running container
      return `started containers ${action.containers.join(', ')}`;
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
    case 'kube-apply':
      await run('kubectl', ['--context', action.context, 'apply', '--server-side', '--force-conflicts', '--field-manager=drillbook', '-f', '-'], {
        input: action.manifests.map((m) => JSON.stringify(m)).join('\n'),
        signal,
      });
      return `re-applied ${action.manifests.length} object(s) in ${action.context}`;
    case 'kube-delete':
      for (const ref of action.refs) {
        const ns = ref.namespace ? ['-n', ref.namespace] : [];
        await tryRun('kubectl', ['--context', action.context, ...ns, 'delete', `${ref.kind}.${ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : ''}`.replace(/\.$/, ''), ref.name, '--ignore-not-found', '--wait=false'], { signal });
      }
      return `deleted ${action.refs.length} object(s) in ${action.context}`;
  }
}
