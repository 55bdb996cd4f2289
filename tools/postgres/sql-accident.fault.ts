// FaultInjector 'sql-accident': an operator's destructive statement on a table (the DR document's "accidental
// DELETE"). Before it runs, the injector notes the server time (the runbook's recovery target) and keeps a copy of
// the table's rows on the host; the safety-net revert re-inserts every row missing from whichever instance is
// current, so even a failed runbook leaves no data behind.
import { randomUUID } from 'node:crypto';
import type { FaultInjector, FaultSpec, InjectedFault, Labels } from '../../scenarios/ports.ts';
import { FaultLedger, ledgerEntry } from '../state/ledger.ts';
import type { StartedPostgres } from './postgres.container.ts';

const IDENT = /^[a-z_][a-z0-9_]*$/;

export interface AccidentRecord {
  /** Server clock just before the statement, as a PostgreSQL timestamptz literal: the recovery target. */
  readonly beforeServerTime: string;
  readonly rowsAffected: number;
}

export class SqlAccidentInjector implements FaultInjector {
  readonly name = 'sql-accident';
  /** The accidents injected so far, newest last (the environment's runbook reads the recovery target here). */
  readonly accidents: AccidentRecord[] = [];
  readonly #current: () => StartedPostgres;
  readonly #ledger: FaultLedger;

  /** `current` returns the instance the application uses now (it changes after a restore). */
  constructor(current: () => StartedPostgres, ledger = new FaultLedger()) {
    this.#current = current;
    this.#ledger = ledger;
  }

  validate(spec: FaultSpec): string[] {
    if (spec.kind !== 'sql-accident') return [`unknown fault kind '${spec.kind}'; this injector supports: sql-accident`];
    const p: string[] = [];
    if (typeof spec.table !== 'string' || !IDENT.test(spec.table)) p.push(`table: '${String(spec.table)}' must be a plain lower-case table name`);
    if (spec.action !== 'delete-all' && spec.action !== 'truncate') p.push(`action: '${String(spec.action)}' must be 'delete-all' or 'truncate'`);
    return p;
  }

  async inject(spec: FaultSpec, options: { labels: Labels; signal?: AbortSignal }): Promise<InjectedFault> {
    const table = spec.table as string;
    const db = this.#current();
    const id = `sql-accident-${randomUUID().slice(0, 8)}`;
    // the safety copy: the whole table as JSON rows on the host (drill datasets are small by design)
    const saved = (await db.query(`SELECT to_jsonb(t) AS row FROM ${table} t`)).rows.map((r) => r.row as Record<string, unknown>);
    this.#ledger.record(ledgerEntry(id, spec.kind, options.labels, [])); // the drill's instances are labelled with the run id: gc removes them once the run is dead
    const before = await db.query<{ t: string }>("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS t");
    const statement = spec.action === 'truncate' ? `TRUNCATE ${table} CASCADE` : `DELETE FROM ${table}`;
    const result = await db.query(statement);
    const record: AccidentRecord = { beforeServerTime: before.rows[0]!.t, rowsAffected: result.rowCount ?? saved.length };
    this.accidents.push(record);
    const current = this.#current;
    const ledger = this.#ledger;
    return {
      id,
      spec,
      evidence: [
        { kind: 'command', label: 'statement', value: statement },
        { kind: 'json', label: 'accident', value: { ...record, savedRows: saved.length } },
      ],
      async revert() {
        const target = current();
        const { rows } = await target.query<{ n: string }>(
          `WITH incoming AS (SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)),
                added AS (INSERT INTO ${table} SELECT * FROM incoming ON CONFLICT DO NOTHING RETURNING 1)
           SELECT count(*)::text AS n FROM added`,
          [JSON.stringify(saved)],
        );
        ledger.remove(id);
        const n = Number(rows[0]!.n);
        return [{ kind: 'text', label: 'revert', value: n === 0 ? `all ${saved.length} rows present on ${target.name}: nothing to re-insert` : `re-inserted ${n} missing rows into ${target.name}` }];
      },
    };
  }
}
