// The docker-start undo with pinned addresses, on real containers: containers stopped together and started in the
// other order come back at their own addresses (docker alone gives the first one started the lowest free address),
// keep their network aliases, an address taken meanwhile falls back to a new one (said in the result), and a
// running container is left alone. The addresses are read by node-stop's own parser from real `docker inspect`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { ensureImage } from '../images/images.ts';
import { run, tryRun } from '../lib/exec.ts';
import { parseAddresses, performUndo } from './undo.ts';

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

// The network kind really makes: `--ipv6 --subnet fc00:f853:ccd:e793::/64` and nothing else, so only the IPv6 subnet
// is user-configured and the IPv4 pool is Docker's own. Docker refuses `--ip` on such a network ("user specified IP
// address is supported only when connecting to networks with user configured subnets"); region-loss's revert died
// on exactly that (issue 13).
describe('docker-start undo on a kind-shaped network (IPv6 subnet configured, IPv4 from Docker\'s pool)', () => {
  const kindNet = `drillbook-undo-kind-${suffix}`;
  // a ULA /64 of our own (kind's is fc00:f853:ccd:e793::/64; another prefix keeps a real kind network apart)
  const v6 = `fc00:f853:ccd:${(0xe800 + Math.floor(Math.random() * 0x7ff)).toString(16)}`;
  const nodes = ['x', 'y', 'z', 'intruder'].map((n) => `drillbook-undo-kind-${n}-${suffix}`);
  const [x, y, z, squatter] = nodes as [string, string, string, string];
  let image: string;
  beforeAll(async () => {
    image = await ensureImage('base');
    await run('docker', ['network', 'create', '--label', `${LABELS.managedBy}=${MANAGED_BY}`, '--ipv6', '--subnet', `${v6}::/64`, kindNet]);
    for (const name of [x, y, z]) await run('docker', ['run', '-d', '--name', name, '--label', `${LABELS.managedBy}=${MANAGED_BY}`, '--network', kindNet, '--network-alias', name, image, 'sleep', '600']);
  });
  afterAll(async () => {
    await tryRun('docker', ['rm', '-f', ...nodes]);
    await tryRun('docker', ['network', 'rm', kindNet]);
  });

  it('gives nodes stopped together their own IPv4 and IPv6 addresses back, whatever the order', async () => {
    const before = parseAddresses(await inspect(x, y));
    expect(before.every((p) => p.ipv4 && p.ipv6?.startsWith(`${v6}::`))).toBe(true);
    await run('docker', ['stop', '--time', '0', x, y]);
    // y first: Docker alone would hand it x's (lower) IPv4 address
    const said = await performUndo({ kind: 'docker-start', containers: [y, x], addresses: before });
    expect(said).not.toMatch(/new address/);
    const after = parseAddresses(await inspect(x, y));
    expect(after.map((p) => [p.container, p.ipv4, p.ipv6])).toEqual(before.map((p) => [p.container, p.ipv4, p.ipv6]));
    const resolved = await run('docker', ['exec', z, 'getent', 'ahostsv4', x]);
    expect(resolved.stdout).toContain(before[0]!.ipv4);
  });

  it('starts a node whose IPv4 address another container took meanwhile, and says which address it got', async () => {
    const [pinned] = parseAddresses(await inspect(x));
    await run('docker', ['stop', '--time', '0', x]);
    // on this network nobody can ask for an IPv4 address: the squatter simply gets the lowest free one, x's
    await run('docker', ['run', '-d', '--name', squatter, '--label', `${LABELS.managedBy}=${MANAGED_BY}`, '--network', kindNet, '--ip6', `${v6}::99`, image, 'sleep', '600']);
    const [taken] = parseAddresses(await inspect(squatter));
    expect(taken!.ipv4).toBe(pinned!.ipv4);
    const said = await performUndo({ kind: 'docker-start', containers: [x], addresses: [pinned!] });
    const [now] = parseAddresses(await inspect(x));
    expect(now!.ipv4).not.toBe(pinned!.ipv4);
    expect(now!.ipv6).toBe(pinned!.ipv6);
    expect(said).toContain(`${x} with a new IPv4 address ${now!.ipv4} (${kindNet} ${pinned!.ipv4} was taken)`);
  });
});
