import { describe, expect, it } from 'vitest';
import { compareFacts, MANIFEST_FORMAT, parseManifest, type DatabaseFacts } from './backup-manifest.ts';
import { BackupIntegrityError } from './postgres.errors.ts';

const facts: DatabaseFacts = {
  serverVersion: '15.20',
  schemaVersion: '2',
  schemaFingerprint: 'abc',
  foreignKeys: 1,
  tables: [
    { schema: 'public', table: 'users', rows: 10, sample: { rows: 10, firstMd5: 'f1', lastMd5: 'l1' } },
    { schema: 'public', table: 'logs', rows: 100, sample: null },
  ],
};

describe('compareFacts', () => {
  it('finds nothing when the restored database matches', () => {
    expect(compareFacts(facts, structuredClone(facts))).toEqual([]);
  });
  it('names each difference: rows, checksums, schema, missing and extra tables', () => {
    const restored: DatabaseFacts = {
      ...facts,
      schemaVersion: '1',
      schemaFingerprint: 'zzz',
      tables: [
        { schema: 'public', table: 'users', rows: 9, sample: { rows: 9, firstMd5: 'f1', lastMd5: 'other' } },
        { schema: 'public', table: 'extra', rows: 1, sample: null },
      ],
    };
    const problems = compareFacts(facts, restored);
    expect(problems).toEqual([
      'schema fingerprint differs: manifest abc, restored zzz',
      'schema version differs: manifest 2, restored 1',
      'table public.users: 9 rows, manifest says 10',
      'table public.users: sampled row checksums differ from the manifest',
      'table public.logs is missing',
      'table public.extra is not in the manifest',
    ]);
  });
});

describe('parseManifest', () => {
  const good = {
    format: MANIFEST_FORMAT,
    kind: 'logical',
    key: 'logical/a.dump',
    database: 'gravl',
    createdAt: '2026-03-04T02:00:00.000Z',
    createdAtMs: 1,
    durationMs: 2,
    sizeBytes: 3,
    sha256: 'a'.repeat(64),
    tool: 'pg_dump 15.20',
    facts,
  };
  it('accepts a well-formed manifest', () => {
    expect(parseManifest('k', JSON.stringify(good)).sizeBytes).toBe(3);
  });
  it('rejects broken JSON and wrong fields as integrity errors', () => {
    expect(() => parseManifest('k', '{"format":')).toThrow(BackupIntegrityError);
    expect(() => parseManifest('k', JSON.stringify({ ...good, sha256: 'nothex' }))).toThrow(/manifest sha256/);
  });
});
