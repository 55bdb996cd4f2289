// The docker fault injector against real containers: each fault really breaks the target, revert really repairs
// it, the ledger holds the undo while the fault is in place, and gc can undo it from the ledger alone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { ensureImage } from '../images/images.ts';
import { run, tryRun } from '../lib/exec.ts';
import { FaultLedger } from '../state/ledger.ts';
import { performUndo } from '../state/undo.ts';
import { ContainerFaultInjector } from './container.fault.ts';

const suffix = Math.random().toString(36).slice(2, 8);
const network = `drillbook-fault-test-${suffix}`;
const target = `drillbook-fault-target-${suffix}`;
const stranger = `unlabelled-${suffix}`;
const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: `fault-test-${suffix}`, [LABELS.scenario]: 'container-fault-test' };

async function state(name: string) {
  const { stdout } = await run('docker', ['inspect', '--format', '{{.State.Running}} {{.State.Paused}} {{json .NetworkSettings.Networks}}', name]);
  const [running, paused, ...rest] = stdout.split(' ');
  return { running: running === 'true', paused: paused === 'true', networks: Object.keys(JSON.parse(rest.join(' ')) as object) };
}

describe('ContainerFaultInjector (real docker)', () => {
  const ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'drillbook-ledger-')), 'faults'));
  let injector: ContainerFaultInjector;

  beforeAll(async () => {
    const image = await ensureImage('base');
    await run('docker', ['network', 'create', '--label', `${LABELS.managedBy}=${MANAGED_BY}`, network]);
    const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    await run('docker', ['run', '-d', '--name', target, '--network', network, '--network-alias', 'target-alias', ...labelArgs, image, 'sleep', '600']);
    await run('docker', ['run', '-d', '--name', stranger, image, 'sleep', '600']);
    injector = new ContainerFaultInjector({ target, stranger }, ledger);
  });

  afterAll(async () => {
    await tryRun('docker', ['rm', '-f', target, stranger]);
    await tryRun('docker', ['network', 'rm', network]);
  });

  it('container-kill stops it, the ledger holds a docker-start, revert starts it again', async () => {
    const fault = await injector.inject({ kind: 'container-kill', target: 'target' }, { labels });
    expect((await state(target)).running).toBe(false);
    expect(ledger.list().map((e) => e.undo)).toEqual([[{ kind: 'docker-start', containers: [target] }]]);
    await fault.revert();
    expect((await state(target)).running).toBe(true);
    expect(ledger.list()).toEqual([]);
    await fault.revert(); // idempotent
    expect((await state(target)).running).toBe(true);
  });

  it('container-pause freezes it; revert thaws it', async () => {
    const fault = await injector.inject({ kind: 'container-pause', target: 'target' }, { labels });
    expect((await state(target)).paused).toBe(true);
    await fault.revert();
    expect((await state(target)).paused).toBe(false);
  });

  it('network-partition cuts it off its network; gc-style undo from the ledger reconnects it with its alias', async () => {
    await injector.inject({ kind: 'network-partition', target: 'target', network }, { labels });
    expect((await state(target)).networks).not.toContain(network);
    // The harness "dies" here: only the ledger is left.
    const [entry] = ledger.list();
    for (const action of entry!.undo) await performUndo(action);
    expect((await state(target)).networks).toContain(network);
    const { stdout } = await run('docker', ['inspect', '--format', `{{json (index .NetworkSettings.Networks "${network}").Aliases}}`, target]);
    expect(JSON.parse(stdout)).toContain('target-alias');
    ledger.remove(entry!.id);
  });

  it('refuses to touch a container without the drillbook label', async () => {
    await expect(injector.inject({ kind: 'container-kill', target: 'stranger' }, { labels })).rejects.toThrow(/refusing to touch container .* no app.kubernetes.io\/managed-by=drillbook label/);
    expect((await state(stranger)).running).toBe(true);
  });

  it('validates specs before anything is touched', () => {
    expect(injector.validate({ kind: 'container-kil', target: 'target' })[0]).toContain("unknown fault kind 'container-kil'");
    expect(injector.validate({ kind: 'container-kill', target: 'db' })[0]).toContain("target: 'db' is not a container of this run; known: target, stranger");
    expect(injector.validate({ kind: 'network-partition', target: 'target' })).toEqual(['network: name the network to cut the container off from']);
  });
});
