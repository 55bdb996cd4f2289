// Undo actions recorded in the fault ledger, carried out from data alone.
import { run, tryRun } from '../lib/exec.ts';
import { ClientNodeKubeApi, loadKubeConfig } from '../../clusters/kube/client-node.kube-api.ts';
import { describeRef, refOf, type KubeApi } from '../../clusters/kube/kube-api.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { ToolFailedError } from '../../scenarios/errors.ts';
import { settle } from '../../scenarios/wait.ts';
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
    case 'self-healing':
      return `nothing to undo: ${action.why}`;
    case 'sql-reinsert':
      return reinsertRows(action, signal);
    case 'http-post': {
      const res = await fetch(action.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: action.body, signal: signal ?? null });
      if (!res.ok) throw new ToolFailedError('http', `POST ${action.url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      return `POST ${action.url} ${action.body}: ${res.status}`;
    }
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
        const left = await settle({ clock: systemClock, signal: signal ?? new AbortController().signal }, 60_000, 100, () => api.read(ref, { signal }), (o) => o === undefined);
        if (left !== undefined) throw new Error(`${describeRef(ref)} is still there 60 s after its delete`);
        done.push(describeRef(ref));
      }
      if (done.length === 0) return `nothing to delete in ${action.cluster.context}: ${action.refs.map(describeRef).join(', ')} gone or not the fault's`;
      return `deleted ${done.join(', ')} in ${action.cluster.context}`;
    }
  }
}

/**
 * The addresses of containers from `docker inspect -f '{{.Name}} {{json .NetworkSettings.Networks}}'` (one line each),
 * without docker's own short-id alias (it adds one for the new endpoint itself).
 */
export function parseAddresses(inspected: string): PinnedAddress[] {
  const out: PinnedAddress[] = [];
  for (const line of inspected.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const space = line.indexOf(' ');
    const container = line.slice(0, space).replace(/^\//, '');
    const networks = JSON.parse(line.slice(space + 1)) as Record<string, { IPAddress?: string; GlobalIPv6Address?: string; Aliases?: string[] | null }>;
    for (const [network, n] of Object.entries(networks)) {
      out.push({
        container,
        network,
        ...(n.IPAddress ? { ipv4: n.IPAddress } : {}),
        ...(n.GlobalIPv6Address ? { ipv6: n.GlobalIPv6Address } : {}),
        aliases: (n.Aliases ?? []).filter((a) => !/^[0-9a-f]{12}$/.test(a)),
      });
    }
  }
  return out;
}

const SQL_IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * Re-inserts saved rows that are missing (ON CONFLICT DO NOTHING) through psql inside the instance's container
 * (local socket, trust auth: no password in the ledger). The rows travel on stdin, dollar-quoted.
 */
async function reinsertRows(action: Extract<UndoAction, { kind: 'sql-reinsert' }>, signal?: AbortSignal): Promise<string> {
  if (!SQL_IDENT.test(action.table) || !SQL_IDENT.test(action.database)) throw new ToolFailedError('psql', `refusing to re-insert into ${action.database}.${action.table}: not plain identifiers`);
  const json = JSON.stringify(action.rows);
  let tag = 'rows';
  while (json.includes(`$${tag}$`)) tag += '_';
  const sql = [
    `WITH incoming AS (SELECT * FROM jsonb_populate_recordset(NULL::${action.table}, $${tag}$${json}$${tag}$::jsonb)),`,
    `  added AS (INSERT INTO ${action.table} SELECT * FROM incoming ON CONFLICT DO NOTHING RETURNING 1)`,
    'SELECT count(*) FROM added;',
    '',
  ].join('\n');
  const { stdout } = await run('docker', ['exec', '-i', '-u', 'postgres', action.container, 'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', action.database, '-f', '-'], { signal, input: sql, timeoutMs: 120_000 });
  return `re-inserted ${stdout.trim()} of ${action.rows.length} saved rows into ${action.table} on container ${action.container}`;
}

/** Docker's refusal of `--ip`/`--ip6` on a network whose subnet of that family it chose itself. */
const NO_USER_SUBNET = /user specified IP address is supported only when connecting to networks with user configured subnets/i;

/** Which address families Docker lets us pin on each network (learnt from its refusals, once per network). */
type Pinnable = Map<string, { ipv4: boolean; ipv6: boolean }>;

/**
 * (Re)connects a stopped container to a network, at its pinned addresses unless `pin` is false. Docker pins an
 * address only in a family whose subnet was configured by the user: kind's network has its IPv6 subnet configured
 * and takes IPv4 from Docker's pool, so there only the IPv6 address is pinned (the IPv4 one comes from the order of
 * the starts, see startAtAddresses).
 */
async function connect(a: PinnedAddress, pin: boolean, pinnable: Pinnable, signal?: AbortSignal): Promise<void> {
  await tryRun('docker', ['network', 'disconnect', '--force', a.network, a.container], { signal }); // not connected: fine
  const aliases = a.aliases.flatMap((alias) => ['--alias', alias]);
  const known = pinnable.get(a.network) ?? { ipv4: true, ipv6: true };
  const attempts = pin
    ? [known, { ipv4: false, ipv6: known.ipv6 }, { ipv4: false, ipv6: false }].filter((f, i, all) => all.findIndex((g) => g.ipv4 === f.ipv4 && g.ipv6 === f.ipv6) === i)
    : [{ ipv4: false, ipv6: false }];
  for (const [i, families] of attempts.entries()) {
    const ips = [...(families.ipv4 && a.ipv4 ? ['--ip', a.ipv4] : []), ...(families.ipv6 && a.ipv6 ? ['--ip6', a.ipv6] : [])];
    const connected = await tryRun('docker', ['network', 'connect', ...ips, ...aliases, a.network, a.container], { signal });
    if (!(connected instanceof ToolFailedError)) {
      if (pin) pinnable.set(a.network, families);
      return;
    }
    if (!NO_USER_SUBNET.test(connected.message) || i === attempts.length - 1) throw connected;
  }
}

const ipv4Order = (ip: string | undefined) => (ip ?? '255.255.255.255').split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

/**
 * Starts stopped containers at the addresses they had: each one's endpoint re-created with its old IPs, then
 * started. Where Docker will not pin a family (a network without a user-configured subnet of it, as kind's IPv4),
 * it hands out the lowest free address at the start: the containers start in the order of their old IPv4
 * addresses, so nodes stopped together get their own back. A running container is left as it is (idempotent, like
 * `docker start`). An address another container took meanwhile cannot be had: that container starts with a new
 * one, and the result says which.
 */
async function startAtAddresses(containers: readonly string[], addresses: readonly PinnedAddress[], signal?: AbortSignal): Promise<string> {
  const notes: string[] = [];
  const pinnable: Pinnable = new Map();
  const lowestAddress = (c: string) => Math.min(...addresses.filter((a) => a.container === c).map((a) => ipv4Order(a.ipv4)), ipv4Order(undefined));
  const ordered = containers.map((container, i) => ({ container, i })).sort((p, q) => lowestAddress(p.container) - lowestAddress(q.container) || p.i - q.i);
  const byInput = new Map<string, string>();
  for (const { container } of ordered) {
    const state = await tryRun('docker', ['inspect', '-f', '{{.State.Running}}', container], { signal });
    if (!(state instanceof ToolFailedError) && state.stdout.trim() === 'true') {
      byInput.set(container, `${container} was running`);
      continue;
    }
    const pins = addresses.filter((a) => a.container === container);
    const where = pins.map((a) => `${a.network} ${[a.ipv4, a.ipv6].filter(Boolean).join(' ')}`).join(', ');
    for (const a of pins) await connect(a, true, pinnable, signal);
    const started = await tryRun('docker', ['start', container], { signal });
    if (started instanceof ToolFailedError) {
      if (!/address already in use/i.test(started.message) || pins.length === 0) throw started;
      for (const a of pins) await connect(a, false, pinnable, signal);
      await run('docker', ['start', container], { signal });
      byInput.set(container, `${container} with a new address (${where} was taken)`);
      continue;
    }
    // the families Docker did not pin: did the order of the starts give the old address back?
    const unpinned = pins.filter((a) => a.ipv4 && pinnable.get(a.network)?.ipv4 === false);
    const now = unpinned.length ? parseAddresses((await run('docker', ['inspect', '-f', '{{.Name}} {{json .NetworkSettings.Networks}}', container], { signal })).stdout) : [];
    const moved = unpinned.flatMap((a) => {
      const got = now.find((n) => n.network === a.network)?.ipv4;
      return got === a.ipv4 ? [] : [`with a new IPv4 address ${got ?? 'none'} (${a.network} ${a.ipv4} was taken)`];
    });
    byInput.set(container, moved.length ? `${container} ${moved.join(', ')}` : pins.length ? `${container} at ${where}` : container);
  }
  for (const container of containers) notes.push(byInput.get(container)!);
  return `started containers ${notes.join('; ')}`;
}
