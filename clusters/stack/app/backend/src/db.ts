// PostgreSQL pool and a bounded start-up connection check (a clear error instead of a hang).
import pg from 'pg';
import type { DbConfig } from './config.ts';

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

export function createPool(db: DbConfig): pg.Pool {
  return new pg.Pool({
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    password: db.password,
    max: 10,
    connectionTimeoutMillis: Math.min(db.connectTimeoutMs, 5_000),
    idleTimeoutMillis: 30_000,
    statement_timeout: 10_000,
    application_name: 'gravl-backend',
  });
}

/** Retries `SELECT 1` until it works or `connectTimeoutMs` has passed, then throws with the last cause. */
export async function waitForDatabase(pool: pg.Pool, db: DbConfig, onRetry: (error: Error) => void): Promise<void> {
  const startedAt = Date.now();
  const deadline = startedAt + db.connectTimeoutMs;
  let last: Error | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT 1');
      return;
    } catch (error) {
      last = error as Error;
      // Wrong password or missing database will not fix themselves: fail now.
      const code = (error as { code?: string }).code;
      if (code === '28P01' || code === '28000' || code === '3D000') break;
      if (Date.now() + 500 >= deadline) break;
      onRetry(last);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new DatabaseUnavailableError(
    `cannot use database ${db.user}@${db.host}:${db.port}/${db.database} (gave up after ${Date.now() - startedAt} ms, budget DB_CONNECT_TIMEOUT_MS=${db.connectTimeoutMs}): ` +
      `${last?.message || (last as { code?: string } | undefined)?.code || 'unknown error'}. ` +
      'Check DB_HOST/DB_PORT/DB_NAME, the password secret, and that PostgreSQL is up.',
    { cause: last },
  );
}
