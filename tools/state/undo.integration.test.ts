// The docker-start undo with pinned addresses, on real containers: containers stopped together and started in the
// other order come back at their own addresses (docker alone gives the first one started the lowest free address),
// keep their network aliases, an address taken meanwhile falls back to a new one (said in the result), and a
// running container is left alone. The addresses are read by node-stop's own parser from real `docker inspect`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { ensureImage } from '../images/images.ts';
import { parseAddresses } from '../kube/node.fault.ts';
import { run, tryRun } from '../lib/exec.ts';
import { performUndo } from './undo.ts';

const suffix = Math.random().toString(36).slice(2, 8);
const network = `drillbook-undo-test-${suffix}`;
// a subnet of our own: docker accepts --ip only on networks with a configured subnet (kind's has one)
const subnet = `10.251.${Math.floor(Math.random() * 250)}`;
const names = ['a', 'b', 'c', 'intruder'].map((n) => `drillbook-undo-${n}-${suffix}`);
const [a, b, c, intruder] = names as [string, string, string, string];
const inspect = (...containers: string[]) => run('docker', ['inspect', '-f', '{{.Name}} {{json .NetworkSettings.Networks}}', ...containers]).then((r) => r.stdout);

describe('docker-start undo with pinned addresses (real docker)', () => {
  let image: string;
  beforeAll(async () => {
    image = await ensureImage('base');
    await run('docker', ['network', 'create', '--label', `${LABELS.managedBy}=${MANAGED_BY}`, '--subnet', `${subnet}.0/24`, network]);
    for (const [i, name] of [a, b, c].entries()) {
      await run('docker', ['run', '-d', '--name', name, '--label', `${LABELS.managedBy}=${MANAGED_BY}`, '--network', network, '--network-alias', `alias-${i}`, image, 'sleep', '600']);
    }
  });
  afterAll(async () => {
    await tryRun('docker', ['rm', '-f', ...names]);
    await tryRun('docker', ['network', 'rm', network]);
  });

  it('starts containers stopped together at their own addresses whatever the order, aliases kept', async () => {
    const before = parseAddresses(await inspect(a, b));
    expect(before.map((x) => [x.container, x.network, x.aliases])).toEqual([
      [a, network, expect.arrayContaining(['alias-0'])],
      [b, network, expect.arrayContaining(['alias-1'])],
    ]);
    expect(before.every((x) => x.ipv4?.startsWith(`${subnet}.`))).toBe(true);

    await run('docker', ['stop', '--time', '0', a, b]);
    // b first: without the pin it would take a's (lower) address
    const said = await performUndo({ kind: 'docker-start', containers: [b, a], addresses: before });
    expect(said).toContain(`${b} at ${network} ${before[1]!.ipv4}`);
    const after = parseAddresses(await inspect(a, b));
    expect(after.map((x) => [x.container, x.ipv4])).toEqual(before.map((x) => [x.container, x.ipv4]));
    const resolved = await run('docker', ['exec', c, 'getent', 'hosts', 'alias-0']);
    expect(resolved.stdout).toContain(before[0]!.ipv4);

    // idempotent: running containers are left as they are
    expect(await performUndo({ kind: 'docker-start', containers: [a, b], addresses: before })).toBe(`started containers ${a} was running; ${b} was running`);
  });

  it('starts a container whose address was taken meanwhile with a new one, and says so', async () => {
    const [pinned] = parseAddresses(await inspect(a));
    await run('docker', ['stop', '--time', '0', a]);
    await run('docker', ['run', '-d', '--name', intruder, '--label', `${LABELS.managedBy}=${MANAGED_BY}`, '--network', network, '--ip', pinned!.ipv4!, image, 'sleep', '600']);
    const said = await performUndo({ kind: 'docker-start', containers: [a], addresses: [pinned!] });
    expect(said).toBe(`started containers ${a} with a new address (${network} ${pinned!.ipv4} was taken)`);
    const [now] = parseAddresses(await inspect(a));
    expect(now!.ipv4).toMatch(new RegExp(`^${subnet.replaceAll('.', '\\.')}\\.`));
    expect(now!.ipv4).not.toBe(pinned!.ipv4);
  });
});
