// Issue 13: the SQL accident's ledger entry carries a real undo (the saved rows and where they go back), not an
// empty list that gc would "undo" by forgetting it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../scenarios/ports.ts';
import { FaultLedger, type LedgerEntry } from '../state/ledger.ts';
import type { StartedPostgres } from '../postgres/postgres.container.ts';
import { SqlAccidentInjector } from './sql-accident.fault.ts';

const labels = { [LABELS.runId]: 'unit', [LABELS.scenario]: 'pitr' };

/** Enough of a PostgreSQL instance: a table of rows, DELETE, the server clock. */
function fakePostgres(rows: Record<string, unknown>[]) {
  const seen: { sql: string; ledger: LedgerEntry[] }[] = [];
  let ledger: FaultLedger;
  const db = {
    id: 'c0ffee',
    name: 'drillbook-pg-primary',
    database: 'gravl',
    user: 'postgres',
    watch(l: FaultLedger) {
      ledger = l;
    },
    async query(sql: string) {
      seen.push({ sql, ledger: ledger.list() });
      if (sql.startsWith('SELECT to_jsonb')) return { rows: rows.map((row) => ({ row })), rowCount: rows.length };
      if (sql.includes('clock_timestamp')) return { rows: [{ t: '2026-12-04 16:00:00.000000+00' }], rowCount: 1 };
      if (sql.startsWith('DELETE')) return { rows: [], rowCount: rows.length };
      return { rows: [{ n: '0' }], rowCount: 1 };
    },
  };
  return { db, seen };
}

describe('sql-accident in the ledger', () => {
  it('records the rows and the instance they go back to before the DELETE runs', async () => {
    const ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'sql-')), 'faults'));
    const { db, seen } = fakePostgres([{ id: 1, message: 'a' }, { id: 2, message: 'b' }]);
    db.watch(ledger);
    const injector = new SqlAccidentInjector(() => db as unknown as StartedPostgres, ledger);
    await injector.inject({ kind: 'sql-accident', table: 'logs', action: 'delete-all' }, { labels });
    const atDelete = seen.find((s) => s.sql.startsWith('DELETE'))!.ledger;
    expect(atDelete).toHaveLength(1);
    expect(atDelete[0]!.undo).toEqual([{ kind: 'sql-reinsert', container: 'c0ffee', database: 'gravl', table: 'logs', rows: [{ id: 1, message: 'a' }, { id: 2, message: 'b' }] }]);
  });
});
