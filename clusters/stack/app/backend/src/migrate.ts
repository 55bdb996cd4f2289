// Versioned SQL migrations (migrations/NNN_name.sql), applied by `main.ts migrate`, each in its own transaction,
// serialised across pods with an advisory lock. The server never migrates: a migration can fail on its own.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Logger } from './log.ts';

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface Migration {
  version: number;
  name: string;
  file: string;
}

const LOCK_ID = 4_711_2026;

export async function listMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return files.map((file) => ({ version: Number(file.slice(0, 3)), name: file.replace(/\.sql$/, ''), file: join(dir, file) }));
}

export async function appliedVersion(client: pg.Pool | pg.PoolClient): Promise<number> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('public.schema_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return 0;
  const result = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return Number(result.rows[0]?.v ?? 0);
}

export interface MigrateOptions {
  /** Inject a failure into the last pending migration (GRAVL_FAULT_MIGRATION=fail): it runs, then rolls back. */
  failLast?: boolean;
  /** Apply migrations up to this version only (a build's own release); default: every file. */
  maxVersion?: number;
}

/** Applies pending migrations; returns the versions applied. Throws MigrationError naming the failed one. */
export async function migrate(pool: pg.Pool, dir: string, log: Logger, opts: MigrateOptions = {}): Promise<number[]> {
  const migrations = (await listMigrations(dir)).filter((m) => opts.maxVersion === undefined || m.version <= opts.maxVersion);
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const current = await appliedVersion(client);
    const pending = migrations.filter((m) => m.version > current);
    log.log('info', 'migrations: starting', { schemaVersion: current, pending: pending.map((m) => m.name), available: migrations.length });
    for (const [i, m] of pending.entries()) {
      const sql = await readFile(m.file, 'utf8');
      const started = performance.now();
      await client.query('BEGIN');
      try {
        await client.query(sql);
        if (opts.failLast && i === pending.length - 1) {
          await client.query(`DO $$ BEGIN RAISE EXCEPTION 'injected migration failure (GRAVL_FAULT_MIGRATION=fail)'; END $$`);
        }
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw new MigrationError(`Migration failed: ${m.name}: ${(error as Error).message}`, { cause: error });
      }
      applied.push(m.version);
      log.log('info', 'migration applied', { migration: m.name, migrationVersion: m.version, durationMs: Math.round(performance.now() - started) });
    }
    log.log('info', 'migrations: done', { schemaVersion: await appliedVersion(client), applied });
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => {});
    client.release();
  }
}
