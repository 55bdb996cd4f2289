// gc's replay of the fault ledger: an entry goes only when all of its undo worked; what failed stays for the next
// gc (it used to be forgotten whatever happened); entries of live runs are left to them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaultLedger, ledgerEntry, type UndoAction } from '../state/ledger.ts';
import { LABELS } from '../../scenarios/ports.ts';
import { replayLedger, type GcAction, type GcStep } from './gc.ts';

const a: UndoAction = { kind: 'docker-start', containers: ['a'] };
const b: UndoAction = { kind: 'docker-unpause', containers: ['b'] };

function setup() {
  const ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'gc-ledger-')), 'faults'));
  const actions: GcAction[] = [];
  const step: GcStep = async (what, fn) => {
    try {
      await fn();
      actions.push({ what, done: true });
      return true;
    } catch (error) {
      actions.push({ what, done: false, error: (error as Error).message });
      return false;
    }
  };
  const perform = async (action: UndoAction) => {
    if (action.kind === 'docker-unpause') throw new Error('no such container: b');
    return 'ok';
  };
  return { ledger, actions, step, perform };
}

describe('replayLedger', () => {
  it('forgets an entry whose undo all worked, keeps only the failed actions of another, leaves live runs alone', async () => {
    const { ledger, actions, step, perform } = setup();
    ledger.record(ledgerEntry('ok-1', 'container-kill', { [LABELS.runId]: 'dead' }, [a]));
    ledger.record(ledgerEntry('half-1', 'node-stop', { [LABELS.runId]: 'dead' }, [a, b]));
    ledger.record(ledgerEntry('live-1', 'node-stop', { [LABELS.runId]: 'alive' }, [b]));
    await replayLedger(ledger, new Set(['alive']), step, { perform });
    expect(ledger.list().map((e) => [e.id, e.undo]).sort()).toEqual([
      ['half-1', [b]],
      ['live-1', [b]],
    ]);
    expect(actions.filter((x) => !x.done).map((x) => x.error)).toEqual(['no such container: b']);
    expect(actions.map((x) => x.what)).toContain('keep ledger entry half-1 with 1 undo action(s) that failed, for the next gc');
  });
});
