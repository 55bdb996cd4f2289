// gc against real containers: it removes the leftovers of runs that are over and leaves a run in progress alone.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { parseConfig } from '../config/config.ts';
import { ensureImage } from '../images/images.ts';
import { run, tryRun } from '../lib/exec.ts';
import { FaultLedger } from '../state/ledger.ts';
import { activeRuns, registerActiveRun } from '../state/active-runs.ts';
import { gc } from './gc.ts';

const suffix = Math.random().toString(36).slice(2, 8);
const liveRun = `gc-live-${suffix}`;
const deadRun = `gc-dead-${suffix}`;
const names = { live: `drillbook-gc-live-${suffix}`, dead: `drillbook-gc-dead-${suffix}` };

async function exists(name: string): Promise<boolean> {
  return !((await tryRun('docker', ['inspect', name])) instanceof Error);
}

describe('drillbook gc (real docker)', () => {
  const previous = process.env.DRILLBOOK_ACTIVE_RUNS;
  beforeAll(async () => {
    process.env.DRILLBOOK_ACTIVE_RUNS = mkdtempSync(join(tmpdir(), 'drillbook-active-'));
    const image = await ensureImage('base');
    for (const [which, runId] of [['live', liveRun], ['dead', deadRun]] as const) {
      await run('docker', ['run', '-d', '--name', names[which], '--label', `${LABELS.managedBy}=${MANAGED_BY}`, '--label', `${LABELS.runId}=${runId}`, image, 'sleep', '600']);
    }
  });
  afterAll(async () => {
    await tryRun('docker', ['rm', '-f', names.live, names.dead]);
    if (previous === undefined) delete process.env.DRILLBOOK_ACTIVE_RUNS;
    else process.env.DRILLBOOK_ACTIVE_RUNS = previous;
  });

  it('removes a finished run’s container and keeps the container of a run in progress', async () => {
    using _live = registerActiveRun(liveRun); // this process is alive
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has exited
    using _dead = registerActiveRun(deadRun, gone);
    expect([...activeRuns()]).toEqual([liveRun]);
    const actions = await gc(parseConfig({}), { ledger: new FaultLedger(join(tmpdir(), `none-${suffix}`)), contexts: [] });
    expect(actions.some((a) => a.what.includes(`(run ${deadRun})`) && a.done)).toBe(true);
    expect(actions.some((a) => a.what.includes(liveRun))).toBe(false);
    expect(await exists(names.dead)).toBe(false);
    expect(await exists(names.live)).toBe(true);
  });
});
