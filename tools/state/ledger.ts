// The fault ledger: every injected fault is written here BEFORE it takes effect and removed after its revert.
// If the harness dies (kill -9), `drillbook gc` reads what is left and undoes it from the data alone.
// Format: one JSON file per fault; entries written before issue 13 (an empty `undo`, no `self-healing`) still read:
// gc has nothing to replay for them and forgets them, as it did then.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KubeObject, ObjectRef } from '../../clusters/kube/kube-api.ts';
import { LABELS } from '../../scenarios/ports.ts';

/** What gc must do to undo a fault without the process that injected it. */
export type UndoAction =
  /** Nothing can or need be undone (a controller recreates killed pods): the fault is still in the ledger while in place. */
  | { readonly kind: 'self-healing'; readonly why: string }
  | { readonly kind: 'kill-pids'; readonly pids: readonly number[] }
  /** Rows a destructive statement removed, put back (where missing) through `docker exec psql` on the instance's container. */
  | { readonly kind: 'sql-reinsert'; readonly container: string; readonly database: string; readonly table: string; readonly rows: readonly Record<string, unknown>[] }
  /** An HTTP POST that lifts a fault a service holds in memory (the reference backend's fault switch). */
  | { readonly kind: 'http-post'; readonly url: string; readonly body: string }
  /** `addresses`: what each container had on its networks before it was stopped; the start gives them back. */
  | { readonly kind: 'docker-start'; readonly containers: readonly string[]; readonly addresses?: readonly PinnedAddress[] }
  | { readonly kind: 'docker-unpause'; readonly containers: readonly string[] }
  | { readonly kind: 'docker-network-connect'; readonly network: string; readonly container: string; readonly aliases: readonly string[] }
  | { readonly kind: 'docker-rm'; readonly containers: readonly string[] }
  /** `onlyIfAbsent`: create what is missing, leave what exists (a Job the runbook re-created) alone. */
  | { readonly kind: 'kube-apply'; readonly cluster: KubeTargetRef; readonly fieldManager: string; readonly manifests: readonly KubeObject[]; readonly onlyIfAbsent?: boolean }
  /** `onlyIfLabel`: delete an object only while it carries these labels (the one the fault created). */
  | { readonly kind: 'kube-delete'; readonly cluster: KubeTargetRef; readonly refs: readonly ObjectRef[]; readonly onlyIfLabel?: Readonly<Record<string, string>> };

/**
 * A container's address on one network before a fault stopped it. Docker hands a restarted container the lowest
 * free address, so containers stopped together can come back with each other's (or new) addresses: a kind node
 * then disagrees with what the rest of the cluster knows about it (its InternalIP, the pod routes to it).
 */
export interface PinnedAddress {
  readonly container: string;
  readonly network: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** Its network aliases (docker's own short-id alias left out). */
  readonly aliases: readonly string[];
}

/** Where a kube undo goes: the kubeconfig file and the context in it (kind clusters keep a private one). */
export interface KubeTargetRef {
  readonly kubeconfig: string;
  readonly context: string;
}

export interface LedgerEntry {
  readonly id: string;
  readonly runId: string;
  readonly scenario: string;
  readonly faultKind: string;
  readonly createdAtWall: string;
  readonly undo: readonly UndoAction[];
}

/** A ledger entry for a fault about to be injected by the run these labels name. */
export function ledgerEntry(id: string, faultKind: string, labels: Readonly<Record<string, string>>, undo: readonly UndoAction[]): LedgerEntry {
  return {
    id,
    runId: labels[LABELS.runId] ?? 'unknown',
    scenario: labels[LABELS.scenario] ?? 'unknown',
    faultKind,
    createdAtWall: new Date().toISOString(),
    undo,
  };
}

export function stateDir(): string {
  return resolve(process.env.DRILLBOOK_STATE ?? '.drillbook/state');
}

export class FaultLedger {
  readonly dir: string;
  constructor(dir = join(stateDir(), 'faults')) {
    this.dir = dir;
  }

  record(entry: LedgerEntry): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${entry.id}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(entry, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file); // atomic: gc never reads half an entry
  }

  remove(id: string): void {
    rmSync(join(this.dir, `${id}.json`), { force: true });
  }

  list(): LedgerEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    return names.map((n) => JSON.parse(readFileSync(join(this.dir, n), 'utf8')) as LedgerEntry);
  }
}
