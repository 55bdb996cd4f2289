// The manifest that travels with every backup, and the database facts it records: per-table row counts, a
// schema fingerprint and version, and checksums of a deterministic sample of rows (first and last rows by
// primary key). Facts are read inside the same snapshot pg_dump uses, so they describe exactly the dump.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { z } from 'zod';
import { BackupIntegrityError } from './postgres.errors.ts';

export const MANIFEST_FORMAT = 'drillbook-backup/1';

const tableFacts = z.object({
  schema: z.string(),
  table: z.string(),
  rows: z.number().int().nonnegative(),
  /** null when the table has no primary key (no deterministic sample) */
  sample: z
    .object({
      rows: z.number().int().nonnegative(),
      firstMd5: z.string(),
      lastMd5: z.string(),
    })
    .nullable(),
});

export const databaseFactsSchema = z.object({
  serverVersion: z.string(),
  schemaVersion: z.string().nullable(),
  schemaFingerprint: z.string(),
  foreignKeys: z.number().int().nonnegative(),
  tables: z.array(tableFacts),
});
export type DatabaseFacts = z.infer<typeof databaseFactsSchema>;

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  kind: z.enum(['logical', 'base']),
  key: z.string(),
  database: z.string(),
  createdAt: z.string(),
  createdAtMs: z.number(),
  durationMs: z.number(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  tool: z.string(),
  facts: databaseFactsSchema.nullable(),
  /** base backups: the WAL range the backup needs */
  wal: z.object({ startLsn: z.string(), endLsn: z.string() }).optional(),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

export function parseManifest(key: string, text: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new BackupIntegrityError(key, [`manifest is not JSON: ${(cause as Error).message}`], { cause });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new BackupIntegrityError(key, parsed.error.issues.map((i) => `manifest ${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash, { signal });
  return hash.digest('hex');
}

export interface FactsOptions {
  /** Rows per sample end (first N and last N by primary key). */
  readonly sampleRows?: number;
  /** Table holding applied migrations; max(version) is the schema version. */
  readonly schemaVersionTable?: string;
}

const q = (ident: string) => `"${ident.replaceAll('"', '""')}"`;

/**
 * Reads the facts of the connected database. Call inside a REPEATABLE READ transaction to pin a snapshot.
 * Sets TimeZone/DateStyle/extra_float_digits locally so row text is comparable across instances.
 */
export async function readDatabaseFacts(client: pg.Client, options: FactsOptions = {}): Promise<DatabaseFacts> {
  const sampleRows = options.sampleRows ?? 200;
  const versionTable = options.schemaVersionTable ?? 'schema_migrations';
  await client.query("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 3; SET LOCAL IntervalStyle = 'postgres'");
  const server = await client.query<{ v: string }>('SHOW server_version');
  const fingerprint = await client.query<{ md5: string }>(`
    SELECT md5(coalesce(string_agg(line, E'\n' ORDER BY line), '')) AS md5 FROM (
      SELECT format('col %s.%s.%s %s %s %s', n.nspname, c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull) AS line
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      UNION ALL
      SELECT format('con %s.%s.%s %s', n.nspname, c.relname, con.conname, pg_get_constraintdef(con.oid))
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      UNION ALL
      SELECT format('idx %s.%s %s', schemaname, indexname, indexdef) FROM pg_indexes
       WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\\_%'
    ) lines`);
  const fkCount = await client.query<{ n: number }>(`
    SELECT count(*)::int AS n FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
     WHERE con.contype = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema')`);
  const versionTableExists = await client.query<{ reg: string | null }>('SELECT to_regclass($1)::text AS reg', [versionTable]);
  let schemaVersion: string | null = null;
  if (versionTableExists.rows[0]?.reg) {
    const v = await client.query<{ v: string | null }>(`SELECT max(version)::text AS v FROM ${versionTableExists.rows[0].reg}`);
    schemaVersion = v.rows[0]?.v ?? null;
  }
  const tables = await client.query<{ schema: string; table: string; pk: string[] | null }>(`
    SELECT n.nspname AS schema, c.relname AS table,
           (SELECT array_agg(a.attname::text ORDER BY k.ord)
              FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY 1, 2`);
  const facts: DatabaseFacts['tables'] = [];
  for (const t of tables.rows) {
    const rel = `${q(t.schema)}.${q(t.table)}`;
    const count = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${rel}`);
    let sample: DatabaseFacts['tables'][number]['sample'] = null;
    if (t.pk && t.pk.length > 0) {
      const asc = t.pk.map((c) => `${q(c)} ASC`).join(', ');
      const desc = t.pk.map((c) => `${q(c)} DESC`).join(', ');
      const digest = (order: string) => `
        SELECT count(*)::int AS n, md5(coalesce(string_agg(md5(s::text), '' ORDER BY rn), '')) AS md5
          FROM (SELECT x, row_number() OVER () AS rn FROM (SELECT * FROM ${rel} ORDER BY ${order} LIMIT ${sampleRows}) x) s0(s, rn)`;
      const first = await client.query<{ n: number; md5: string }>(digest(asc));
      const last = await client.query<{ n: number; md5: string }>(digest(desc));
      sample = { rows: first.rows[0]?.n ?? 0, firstMd5: first.rows[0]?.md5 ?? '', lastMd5: last.rows[0]?.md5 ?? '' };
    }
    facts.push({ schema: t.schema, table: t.table, rows: Number(count.rows[0]?.n ?? 0), sample });
  }
  return {
    serverVersion: server.rows[0]?.v ?? 'unknown',
    schemaVersion,
    schemaFingerprint: fingerprint.rows[0]?.md5 ?? '',
    foreignKeys: fkCount.rows[0]?.n ?? 0,
    tables: facts,
  };
}

/** Every foreign key whose child rows point at a missing parent row; empty when all hold. */
export async function findForeignKeyViolations(client: pg.Client): Promise<string[]> {
  const fks = await client.query<{ name: string; child: string; parent: string; child_cols: string[]; parent_cols: string[] }>(`
    SELECT con.conname AS name, con.conrelid::regclass::text AS child, con.confrelid::regclass::text AS parent,
           (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS child_cols,
           (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS parent_cols
      FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
     WHERE con.contype = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema')`);
  const problems: string[] = [];
  for (const fk of fks.rows) {
    const notNull = fk.child_cols.map((c) => `c.${q(c)} IS NOT NULL`).join(' AND ');
    const join = fk.child_cols.map((c, i) => `p.${q(fk.parent_cols[i]!)} = c.${q(c)}`).join(' AND ');
    const r = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${fk.child} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${join})`,
    );
    const n = Number(r.rows[0]?.n ?? 0);
    if (n > 0) problems.push(`foreign key ${fk.name} on ${fk.child}: ${n} row(s) point at missing ${fk.parent} rows`);
  }
  const unvalidated = await client.query<{ name: string }>(
    `SELECT conname AS name FROM pg_constraint WHERE contype = 'f' AND NOT convalidated AND connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`,
  );
  for (const u of unvalidated.rows) problems.push(`foreign key ${u.name} is NOT VALID (never checked)`);
  return problems;
}

/** Differences between what the manifest promised and what the restored database holds. */
export function compareFacts(expected: DatabaseFacts, actual: DatabaseFacts): string[] {
  const problems: string[] = [];
  if (expected.schemaFingerprint !== actual.schemaFingerprint) problems.push(`schema fingerprint differs: manifest ${expected.schemaFingerprint}, restored ${actual.schemaFingerprint}`);
  if (expected.schemaVersion !== actual.schemaVersion) problems.push(`schema version differs: manifest ${expected.schemaVersion}, restored ${actual.schemaVersion}`);
  if (expected.foreignKeys !== actual.foreignKeys) problems.push(`foreign key count differs: manifest ${expected.foreignKeys}, restored ${actual.foreignKeys}`);
  const byName = new Map(actual.tables.map((t) => [`${t.schema}.${t.table}`, t]));
  for (const t of expected.tables) {
    const name = `${t.schema}.${t.table}`;
    const got = byName.get(name);
    byName.delete(name);
    if (!got) {
      problems.push(`table ${name} is missing`);
      continue;
    }
    if (got.rows !== t.rows) problems.push(`table ${name}: ${got.rows} rows, manifest says ${t.rows}`);
    if (t.sample && (!got.sample || got.sample.firstMd5 !== t.sample.firstMd5 || got.sample.lastMd5 !== t.sample.lastMd5)) {
      problems.push(`table ${name}: sampled row checksums differ from the manifest`);
    }
  }
  for (const extra of byName.keys()) problems.push(`table ${extra} is not in the manifest`);
  return problems;
}
