// The one fault transaction every injector goes through (the order Chaos Mesh's injector had right first):
//   1. the undo, as data, is written to the ledger (tools/state/ledger.ts) BEFORE the fault lands, so `drillbook gc`
//      can undo it after a kill -9 at any later moment;
//   2. the act makes the fault land;
//   3. if the act fails, the transaction rolls back what it can (the plan's own rollback, or the undo actions one
//      by one) and KEEPS in the ledger what it could not undo; the error then says so and names gc;
//   4. the revert undoes the fault live and removes the ledger entry only after it succeeded.
// Injectors only plan: what to do (act), how to undo it as data (undo), and optionally a live revert or rollback
// that differs from replaying the undo (a bounded wait, a restart that makes the undo take effect at once).
import { randomUUID } from 'node:crypto';
import { DrillbookError } from '../../scenarios/errors.ts';
import type { Evidence } from '../../scenarios/journal.ts';
import type { CallOptions, FaultSpec, InjectedFault, Labels } from '../../scenarios/ports.ts';
import { FaultLedger, ledgerEntry, type LedgerEntry, type UndoAction } from '../state/ledger.ts';
import { performUndo } from '../state/undo.ts';

/** Carries out one undo action and says what it did (tools/state/undo.ts; tests pass a fake). */
export type UndoPerformer = (action: UndoAction, signal?: AbortSignal) => Promise<string>;

/** What an injector hands the transaction: the fault, its undo as data, and how to act. */
export interface FaultPlan {
  /** The undo gc replays from the ledger; at least one action (a fault with nothing to undo says why: `self-healing`). */
  readonly undo: readonly [UndoAction, ...UndoAction[]];
  /** What is known before acting (the target, what was saved). */
  readonly evidence?: readonly Evidence[];
  /** Makes the fault land; may return more evidence. */
  act(signal: AbortSignal | undefined): Promise<readonly Evidence[] | void>;
  /** After a failed act, when replaying `undo` is not the right rollback. Throws when it could not roll back. */
  rollback?(signal: AbortSignal): Promise<void>;
  /** The live revert, when it differs from replaying `undo` (default: each undo action, in order). */
  revert?(signal: AbortSignal | undefined): Promise<readonly Evidence[]>;
}

/** The act failed and the rollback could not undo all of it: the ledger keeps what is left. */
export class FaultRollbackError extends DrillbookError {
  override name = 'FaultRollbackError';
  /** The ledger entry kept for gc, with only the undo actions that failed. */
  readonly kept: LedgerEntry;
  readonly rollbackErrors: readonly unknown[];
  constructor(entry: LedgerEntry, actError: unknown, rollbackErrors: readonly unknown[], ledgerDir: string) {
    const why = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] : String(e));
    super(
      `fault ${entry.id} (${entry.faultKind}) failed: ${why(actError)}; rolling it back failed too: ${rollbackErrors.map(why).join('; ')}. ` +
        `The ledger keeps what is left to undo (${entry.undo.map((u) => u.kind).join(', ')}) in ${ledgerDir}/${entry.id}.json for \`drillbook gc\``,
      { cause: actError, hint: 'run `drillbook gc` once the target is reachable again: it replays the undo from the ledger' },
    );
    this.kept = entry;
    this.rollbackErrors = rollbackErrors;
  }
}

/** A fault id: the kind and 8 hex digits (ledger file name, chaos object name, fault-id label). */
export function faultId(kind: string): string {
  return `${kind}-${randomUUID().slice(0, 8)}`;
}

/** Rollbacks run even when the run's signal has aborted (Ctrl-C during the inject), bounded on their own. */
const ROLLBACK_MS = 120_000;

export class FaultTransactions {
  readonly ledger: FaultLedger;
  readonly #perform: UndoPerformer;
  constructor(options: { ledger?: FaultLedger; perform?: UndoPerformer } = {}) {
    this.ledger = options.ledger ?? new FaultLedger();
    this.#perform = options.perform ?? performUndo;
  }

  /** Records, acts, rolls back on failure, and returns the fault whose revert clears the ledger entry. */
  async run(spec: FaultSpec, id: string, plan: FaultPlan, options: CallOptions & { labels: Labels }): Promise<InjectedFault> {
    const entry = ledgerEntry(id, spec.kind, options.labels, plan.undo);
    this.ledger.record(entry);
    let acted: readonly Evidence[] | void;
    try {
      acted = await plan.act(options.signal);
    } catch (error) {
      await this.#rollBack(entry, plan, error);
      throw error;
    }
    return {
      id,
      spec,
      evidence: [...(plan.evidence ?? []), ...(acted ?? [])],
      revert: async (opts = {}) => {
        const done = plan.revert ? await plan.revert(opts.signal) : await this.#replay(plan.undo, opts.signal);
        this.ledger.remove(id);
        return done;
      },
    };
  }

  async #replay(undo: readonly UndoAction[], signal: AbortSignal | undefined): Promise<Evidence[]> {
    const done: Evidence[] = [];
    for (const action of undo) done.push({ kind: 'command', label: 'revert', value: await this.#perform(action, signal) });
    return done;
  }

  /** Takes back what landed of a failed act; the entry goes only if all of it was undone, else it keeps the rest. */
  async #rollBack(entry: LedgerEntry, plan: FaultPlan, actError: unknown): Promise<void> {
    const signal = AbortSignal.timeout(ROLLBACK_MS);
    if (plan.rollback) {
      try {
        await plan.rollback(signal);
      } catch (error) {
        throw new FaultRollbackError(entry, actError, [error], this.ledger.dir);
      }
      this.ledger.remove(entry.id);
      return;
    }
    const failed: UndoAction[] = [];
    const errors: unknown[] = [];
    for (const action of entry.undo) {
      try {
        await this.#perform(action, signal);
      } catch (error) {
        failed.push(action);
        errors.push(error);
      }
    }
    if (failed.length === 0) {
      this.ledger.remove(entry.id);
      return;
    }
    const kept: LedgerEntry = { ...entry, undo: failed };
    this.ledger.record(kept);
    throw new FaultRollbackError(kept, actError, errors, this.ledger.dir);
  }
}

/** Injectors take a ledger (most tests) or the transactions themselves (a fake undo performer). */
export function transactionsOf(from: FaultLedger | FaultTransactions | undefined): FaultTransactions {
  return from instanceof FaultTransactions ? from : new FaultTransactions({ ledger: from });
}
