// A Gravl-shaped dataset for drills and tests: applied migrations, users, and logs referencing users (a foreign
// key), plus the helpers that count and fingerprint it.
import type { StartedPostgres } from './postgres.container.ts';

export interface SeedOptions {
  users?: number;
  logs?: number;
  /** Bytes of random hex text per log row (to reach a target database size; compresses like real text, ~2:1). */
  payloadBytes?: number;
}

export async function seedGravl(pg: StartedPostgres, options: SeedOptions = {}): Promise<void> {
  const users = options.users ?? 500;
  const logs = options.logs ?? 5_000;
  const payload = options.payloadBytes ?? 64;
  const client = await pg.connect();
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO schema_migrations (version) VALUES (1), (2) ON CONFLICT DO NOTHING;
      CREATE TABLE IF NOT EXISTS users (id int PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE IF NOT EXISTS logs (
        id bigserial PRIMARY KEY,
        user_id int NOT NULL REFERENCES users(id),
        level text NOT NULL,
        message text NOT NULL,
        at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX IF NOT EXISTS logs_user_at ON logs (user_id, at);
      CREATE TABLE IF NOT EXISTS backup_runs (id bigserial PRIMARY KEY, kind text NOT NULL DEFAULT 'full', location text, ok boolean NOT NULL, finished_at timestamptz NOT NULL DEFAULT now(),
        size_bytes bigint, upload_seconds double precision);`);
    await client.query(`INSERT INTO users (id, email) SELECT g, 'user' || g || '@gravl.test' FROM generate_series(1, $1::int) g ON CONFLICT DO NOTHING`, [users]);
    // batches keep memory and WAL bursts bounded
    const batch = 50_000;
    for (let done = 0; done < logs; done += batch) {
      const n = Math.min(batch, logs - done);
      await client.query(
        `INSERT INTO logs (user_id, level, message)
         SELECT 1 + (g % $1::int), (ARRAY['info','warn','error'])[1 + g % 3],
                md5(g::text) || array_to_string(ARRAY(SELECT md5(random()::text || g) FROM generate_series(1, $2::int)), '')
           FROM generate_series($3::bigint + 1, $3::bigint + $4::bigint) g`,
        [users, Math.max(0, Math.round(payload / 32)), done, n],
      );
    }
  } finally {
    await client.end();
  }
}

export async function countRows(pg: StartedPostgres, table: string, database = pg.database): Promise<number> {
  const r = await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`, [], database);
  return Number(r.rows[0]!.n);
}

/** md5 of a whole table's rows in primary-key order: equal before and after means untouched. */
export async function tableChecksum(pg: StartedPostgres, table: string, database = pg.database): Promise<string> {
  const r = await pg.query<{ md5: string }>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) AS md5 FROM ${table} t`, [], database);
  return r.rows[0]!.md5;
}
