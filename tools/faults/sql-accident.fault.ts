// FaultInjector 'sql-accident': an operator's destructive statement on a table (the DR document's "accidental
// DELETE"). Before it runs, the injector notes the server time (the runbook's recovery target) and keeps a copy of
// the table's rows on the host; the safety-net revert re-inserts every row missing from whichever instance is
// current, so even a failed runbook leaves no data behind. Through the fault transaction: the same rows and the
// instance's container are in the ledger (undo `sql-reinsert`, psql inside the container: no password there)
// before the statement runs, so `drillbook gc` can put them back after a kill -9.
import type { FaultSpec } from '../../scenarios/ports.ts';
import type { FaultLedger } from '../state/ledger.ts';
import type { StartedPostgres } from '../postgres/postgres.container.ts';
import { FaultAdapter, SpecReader, type Parsed } from './fault-adapter.ts';
import type { FaultPlan, FaultTransactions } from './fault-transaction.ts';

const IDENT = /^[a-z_][a-z0-9_]*$/;

export interface SqlAccidentSpec {
  readonly kind: 'sql-accident';
  /** A plain lower-case table name. */
  readonly table: string;
  readonly action: 'delete-all' | 'truncate';
}

export interface AccidentRecord {
  /** Server clock just before the statement, as a PostgreSQL timestamptz literal: the recovery target. */
  readonly beforeServerTime: string;
  readonly rowsAffected: number;
}

export class SqlAccidentInjector extends FaultAdapter<SqlAccidentSpec> {
  readonly name = 'sql-accident';
  readonly kinds = ['sql-accident'] as const;
  /** The accidents injected so far, newest last (the environment's runbook reads the recovery target here). */
  readonly accidents: AccidentRecord[] = [];
  readonly #current: () => StartedPostgres;

  /** `current` returns the instance the application uses now (it changes after a restore). */
  constructor(current: () => StartedPostgres, ledger?: FaultLedger | FaultTransactions) {
    super(ledger);
    this.#current = current;
  }

  protected parseKind(spec: FaultSpec): Parsed<SqlAccidentSpec> {
    const r = new SpecReader(spec);
    const table = r.matching('table', IDENT, `table: '${String(spec.table)}' must be a plain lower-case table name`);
    if (spec.action !== 'delete-all' && spec.action !== 'truncate') r.problem(`action: '${String(spec.action)}' must be 'delete-all' or 'truncate'`);
    return r.done({ kind: 'sql-accident', table, action: spec.action as SqlAccidentSpec['action'] });
  }

  protected async plan({ table, action }: SqlAccidentSpec): Promise<FaultPlan> {
    const db = this.#current();
    // the safety copy: the whole table as JSON rows on the host (drill datasets are small by design)
    const saved = (await db.query(`SELECT to_jsonb(t) AS row FROM ${table} t`)).rows.map((r) => r.row as Record<string, unknown>);
    const statement = action === 'truncate' ? `TRUNCATE ${table} CASCADE` : `DELETE FROM ${table}`;
    const current = this.#current;
    return {
      undo: [{ kind: 'sql-reinsert', container: db.id, database: db.database, table, rows: saved }],
      act: async () => {
        const before = await db.query<{ t: string }>("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS t");
        const result = await db.query(statement);
        const record: AccidentRecord = { beforeServerTime: before.rows[0]!.t, rowsAffected: result.rowCount ?? saved.length };
        this.accidents.push(record);
        return [
          { kind: 'command', label: 'statement', value: statement },
          { kind: 'json', label: 'accident', value: { ...record, savedRows: saved.length } },
        ];
      },
      // live: into whichever instance the application uses now (the recovered one after a restore)
      revert: async () => {
        const target = current();
        const { rows } = await target.query<{ n: string }>(
          `WITH incoming AS (SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)),
                added AS (INSERT INTO ${table} SELECT * FROM incoming ON CONFLICT DO NOTHING RETURNING 1)
           SELECT count(*)::text AS n FROM added`,
          [JSON.stringify(saved)],
        );
        const n = Number(rows[0]!.n);
        return [{ kind: 'text', label: 'revert', value: n === 0 ? `all ${saved.length} rows present on ${target.name}: nothing to re-insert` : `re-inserted ${n} missing rows into ${target.name}` }];
      },
    };
  }
}
