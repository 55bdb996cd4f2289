// Backup and restore times on real PostgreSQL 15 for databases of about 10 MB, 100 MB and 1 GB, and the
// cost of the harness's restore (integrity checks + validation + swap) relative to a bare pg_restore of the
// same dump into the same instance.
//
//   node tools/bench/backup.bench.ts                 # 10, 100, 1000 MB
//   node tools/bench/backup.bench.ts --sizes=10,100  # MB
//
// Prints one table and a JSON line (`BENCH_JSON {...}`) for npm run bench to collect.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { systemClock } from '../../scenarios/clock.ts';
import { logicalBackup, restoreLogical } from '../postgres/backup.procedure.ts';
import { DirectoryTarget } from '../postgres/directory.target.ts';
import { CONTAINER_WORK_DIR, PostgresContainer, type StartedPostgres } from '../postgres/postgres.container.ts';
import { postgresImage } from '../postgres/postgres.image.ts';
import { unwrap } from '../postgres/step-recorder.ts';
import { seedGravl, testLabels } from '../postgres/testing/fixtures.ts';

const sizesArg = process.argv.find((a) => a.startsWith('--sizes='));
const sizesMb = (sizesArg ? sizesArg.slice('--sizes='.length) : '10,100,1000').split(',').map(Number).filter((n) => n > 0);
const PAYLOAD = 512; // random hex bytes per row
const BYTES_PER_ROW = 640; // measured on PG 15 with this schema: 538 MB for 839k rows (heap + pk + secondary index)
const EMPTY_DB_MB = 8; // an empty database with the schema

interface Row {
  targetMb: number;
  dbMb: number;
  dumpMb: number;
  backupMs: number;
  pgDumpMs: number;
  restoreMs: number;
  bareRestoreMs: number;
  ratio: number;
}

const ms = (a: number, b: number) => Math.round(b - a);

async function benchOne(image: string, targetMb: number): Promise<Row> {
  const labels = testLabels('bench-backup');
  const store = await mkdtemp(join(tmpdir(), 'drillbook-bench-store-'));
  const source = await new PostgresContainer(image).withLabels(labels).withSetting('max_wal_size', '4GB').start();
  const restoreInto = await new PostgresContainer(image).withLabels(labels).withSetting('max_wal_size', '4GB').start();
  try {
    const rows = Math.max(1_000, Math.round(((targetMb - EMPTY_DB_MB) * 1024 * 1024) / BYTES_PER_ROW));
    process.stderr.write(`[bench] seeding ~${targetMb} MB (${rows} rows)...\n`);
    await seedGravl(source, { users: 1_000, logs: rows, payloadBytes: PAYLOAD });
    await source.query('VACUUM ANALYZE');
    const size = await source.query<{ b: string }>('SELECT pg_database_size(current_database())::text AS b');
    const dbMb = Number(size.rows[0]!.b) / 1024 / 1024;

    const target = new DirectoryTarget(store);
    const t0 = systemClock.now();
    const backup = await logicalBackup(source, { target });
    const t1 = systemClock.now();
    const b = unwrap(backup);
    const pgDumpMs = Number(backup.steps.find((s) => s.name === 'pg_dump custom format')!.endMs - backup.steps.find((s) => s.name === 'pg_dump custom format')!.startMs);

    // bare baseline: the same dump, the same instance, pg_restore with the same --jobs, nothing else
    await copyFile(b.localPath, join(restoreInto.workDir, 'bare.dump'));
    const t2 = systemClock.now();
    await restoreInto.query(`CREATE DATABASE ${pg.escapeIdentifier('bare')}`, [], 'postgres');
    await restoreInto.exec(['pg_restore', '--exit-on-error', '--no-owner', '--jobs=2', '-d', 'bare', `${CONTAINER_WORK_DIR}/bare.dump`]);
    const t3 = systemClock.now();
    await restoreInto.query('DROP DATABASE bare', [], 'postgres');

    const t4 = systemClock.now();
    const restored = await restoreLogical(restoreInto, { source: target, key: b.key, jobs: 2 });
    const t5 = systemClock.now();
    unwrap(restored);
    for (const s of restored.steps) process.stderr.write(`[bench]   ${targetMb} MB restore step ${s.name}: ${Math.round(s.endMs - s.startMs)} ms\n`);
    return {
      targetMb,
      dbMb: Math.round(dbMb),
      dumpMb: Math.round((b.manifest.sizeBytes / 1024 / 1024) * 10) / 10,
      backupMs: ms(t0, t1),
      pgDumpMs: Math.round(pgDumpMs),
      restoreMs: ms(t4, t5),
      bareRestoreMs: ms(t2, t3),
      ratio: Math.round((ms(t4, t5) / Math.max(1, ms(t2, t3))) * 100) / 100,
    };
  } finally {
    await restoreInto[Symbol.asyncDispose]();
    await source[Symbol.asyncDispose]();
    await rm(store, { recursive: true, force: true });
  }
}

const image = await postgresImage();
const results: Row[] = [];
for (const size of sizesMb) results.push(await benchOne(image, size));

const header = ['target', 'db size', 'dump', 'backup (harness)', 'pg_dump', 'restore (harness, validated)', 'bare pg_restore', 'ratio'];
console.log(header.join(' | '));
for (const r of results) {
  console.log([`${r.targetMb} MB`, `${r.dbMb} MB`, `${r.dumpMb} MB`, `${r.backupMs} ms`, `${r.pgDumpMs} ms`, `${r.restoreMs} ms`, `${r.bareRestoreMs} ms`, `${r.ratio}x`].join(' | '));
}
console.log(`BENCH_JSON ${JSON.stringify({ bench: 'backup', results })}`);
