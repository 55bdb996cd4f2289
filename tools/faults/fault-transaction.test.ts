// The one fault transaction, against a temp ledger and a fake undo performer: the undo is in the ledger before the
// act, a failed act is rolled back and the entry goes only when all of it was undone (else it keeps the rest), the
// revert removes the entry only after it succeeded.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../scenarios/ports.ts';
import { FaultLedger, type LedgerEntry, type UndoAction } from '../state/ledger.ts';
import { FaultRollbackError, FaultTransactions, type FaultPlan } from './fault-transaction.ts';

const labels = { [LABELS.runId]: 'run-7', [LABELS.scenario]: 'unit' };
const spec = { kind: 'thing-break' };
const a: UndoAction = { kind: 'docker-start', containers: ['a'] };
const b: UndoAction = { kind: 'docker-unpause', containers: ['b'] };

function setup(failing: ReadonlySet<string> = new Set()) {
  const ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'fault-tx-')), 'faults'));
  const performed: string[] = [];
  const perform = async (action: UndoAction) => {
    const name = action.kind === 'docker-start' || action.kind === 'docker-unpause' ? action.containers[0]! : action.kind;
    performed.push(name);
    if (failing.has(name)) throw new Error(`undo ${name}: daemon unreachable`);
    return `undid ${name}`;
  };
  return { ledger, performed, tx: new FaultTransactions({ ledger, perform }) };
}

describe('FaultTransactions', () => {
  it('records the undo before acting, returns the evidence, and the revert replays the undo then clears the entry', async () => {
    const { ledger, performed, tx } = setup();
    let atAct: LedgerEntry[] = [];
    const plan: FaultPlan = {
      undo: [a, b],
      evidence: [{ kind: 'text', label: 'target', value: 'a and b' }],
      act: async () => {
        atAct = ledger.list();
        return [{ kind: 'command', label: 'injected', value: 'broke a and b' }];
      },
    };
    const fault = await tx.run(spec, 'thing-break-1', plan, { labels });
    expect(atAct).toMatchObject([{ id: 'thing-break-1', faultKind: 'thing-break', runId: 'run-7', scenario: 'unit', undo: [a, b] }]);
    expect(fault.evidence.map((e) => e.value)).toEqual(['a and b', 'broke a and b']);
    expect(ledger.list()).toHaveLength(1);
    expect((await fault.revert()).map((e) => e.value)).toEqual(['undid a', 'undid b']);
    expect(performed).toEqual(['a', 'b']);
    expect(ledger.list()).toEqual([]);
  });

  it('a revert that fails keeps the entry, and a later one that works clears it', async () => {
    const failing = new Set(['b']);
    const { ledger, tx } = setup(failing);
    const fault = await tx.run(spec, 'thing-break-2', { undo: [a, b], act: async () => undefined }, { labels });
    await expect(fault.revert()).rejects.toThrow(/undo b: daemon unreachable/);
    expect(ledger.list().map((e) => e.id)).toEqual(['thing-break-2']);
    failing.clear();
    await fault.revert();
    expect(ledger.list()).toEqual([]);
  });

  it('a failed act is rolled back and forgotten when every undo worked; the act error is what is thrown', async () => {
    const { ledger, performed, tx } = setup();
    const act = async () => {
      throw new Error('half-way');
    };
    await expect(tx.run(spec, 'thing-break-3', { undo: [a, b], act }, { labels })).rejects.toThrow(/^half-way$/);
    expect(performed).toEqual(['a', 'b']);
    expect(ledger.list()).toEqual([]);
  });

  it('a failed act whose rollback fails in part keeps exactly what could not be undone, and says so', async () => {
    const { ledger, performed, tx } = setup(new Set(['a']));
    const act = async () => {
      throw new Error('half-way');
    };
    const error = await tx.run(spec, 'thing-break-4', { undo: [a, b], act }, { labels }).catch((e: unknown) => e);
    expect(performed).toEqual(['a', 'b']); // one failure does not stop the rest of the rollback
    expect(error).toBeInstanceOf(FaultRollbackError);
    expect((error as FaultRollbackError).cause).toMatchObject({ message: 'half-way' });
    expect((error as Error).message).toMatch(/thing-break-4 \(thing-break\) failed: half-way; rolling it back failed too: undo a: daemon unreachable/);
    expect((error as Error).message).toMatch(/drillbook gc/);
    expect(ledger.list()).toMatchObject([{ id: 'thing-break-4', runId: 'run-7', undo: [a] }]);
  });

  it("a plan's own rollback replaces the replay; when it fails the whole entry stays", async () => {
    const { ledger, performed, tx } = setup();
    const plan: FaultPlan = {
      undo: [a],
      act: async () => {
        throw new Error('never landed');
      },
      rollback: async () => {
        throw new Error('delete refused');
      },
    };
    const error = await tx.run(spec, 'thing-break-5', plan, { labels }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultRollbackError);
    expect(performed).toEqual([]);
    expect(ledger.list()).toMatchObject([{ id: 'thing-break-5', undo: [a] }]);
  });
});
