// The SQL accident on a real PostgreSQL: the ledger holds the rows before the DELETE, and gc's replay of that undo
// alone (the harness gone: no live revert) puts every row back through psql in the container.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultLedger } from '../state/ledger.ts';
import { performUndo } from '../state/undo.ts';
import { PostgresContainer, type StartedPostgres } from '../postgres/postgres.container.ts';
import { postgresImage } from '../postgres/postgres.image.ts';
import { countRows, seedGravl, testLabels } from '../postgres/testing/fixtures.ts';
import { SqlAccidentInjector } from './sql-accident.fault.ts';

const labels = testLabels('sql-accident-ledger');
let db: StartedPostgres;

beforeAll(async () => {
  db = await new PostgresContainer(await postgresImage()).withLabels(labels).start();
  await seedGravl(db, { users: 20, logs: 150 });
});
afterAll(async () => {
  await db?.[Symbol.asyncDispose]();
});

describe('sql-accident (real PostgreSQL)', () => {
  it("gc's replay of the ledger's undo puts back every row the DELETE removed", async () => {
    const ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'sql-ledger-')), 'faults'));
    await new SqlAccidentInjector(() => db, ledger).inject({ kind: 'sql-accident', table: 'logs', action: 'delete-all' }, { labels });
    expect(await countRows(db, 'logs')).toBe(0);
    const [entry] = ledger.list();
    expect(entry!.undo).toMatchObject([{ kind: 'sql-reinsert', container: db.id, table: 'logs' }]);
    // the harness is gone: only the ledger's data is left
    const said = await performUndo(entry!.undo[0]!);
    expect(said).toBe(`re-inserted 150 of 150 saved rows into logs on container ${db.id}`);
    expect(await countRows(db, 'logs')).toBe(150);
    expect(await performUndo(entry!.undo[0]!)).toMatch(/^re-inserted 0 of 150/); // idempotent
  });
});
