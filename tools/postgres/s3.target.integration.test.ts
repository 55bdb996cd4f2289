// The S3 backup target against a real S3-compatible server (MinIO built here from its Go module), with real
// PostgreSQL 15: backup to a bucket, restore from it with validation, integrity failures caught before restore.
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../scenarios/clock.ts';
import { computeDataRto, computeRpo, dataRtoObjective, rpoObjective } from '../../scenarios/data-loss.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { SqlProbeTransport, SteadyWriteProbe } from './sql.probe.ts';
import { manifestKeyFor } from './backup-target.ts';
import { logicalBackup, restoreLogical } from './backup.procedure.ts';
import { PostgresContainer, type StartedPostgres } from './postgres.container.ts';
import { BackupIntegrityError } from './postgres.errors.ts';
import { postgresImage } from './postgres.image.ts';
import { S3Target } from './s3.target.ts';
import { scheduledBackupJob, weeklyRestoreTest } from './scheduled.procedure.ts';
import { unwrap } from './step-recorder.ts';
import { MinioServer, type StartedMinio } from './testing/minio.server.ts';
import { countRows, seedGravl, tableChecksum, testLabels } from './testing/fixtures.ts';

const labels = testLabels('backup-s3');
const bucket = 'gravl-backups-eu-north-1';
let minio: StartedMinio;
let image: string;
let source: StartedPostgres;
let target: S3Target;

beforeAll(async () => {
  minio = await new MinioServer().start();
  await minio.createBucket(bucket);
  target = new S3Target({ bucket, prefix: 'gravl/', client: minio.clientConfig() });
  image = await postgresImage();
  source = await new PostgresContainer(image).withLabels(labels).start();
  await seedGravl(source, { users: 150, logs: 3_000 });
});

afterAll(async () => {
  target?.[Symbol.dispose]();
  await source?.[Symbol.asyncDispose]();
  await minio?.[Symbol.asyncDispose]();
});

describe('S3 backup target (MinIO)', () => {
  it('stores the dump and its manifest in the bucket and restores from it into a fresh, validated instance', async () => {
    const backup = unwrap(await logicalBackup(source, { target }));
    const objects = await target.list('logical/');
    expect(objects.map((o) => o.key)).toEqual([backup.key, manifestKeyFor(backup.key)]);
    expect(objects[0]!.sizeBytes).toBe(backup.manifest.sizeBytes);

    await using fresh = await new PostgresContainer(image).withLabels(labels).withDatabase('postgres').start();
    const restored = await restoreLogical(fresh, { source: target, key: backup.key });
    expect(restored.ok).toBe(true);
    expect(restored.steps[1]!.name).toBe(`download from s3://${bucket}/gravl/`);
    expect(await countRows(fresh, 'logs', 'gravl')).toBe(3_000);
    expect(await tableChecksum(fresh, 'logs', 'gravl')).toBe(await tableChecksum(source, 'logs'));
  });

  it('detects a truncated object in the bucket before restoring, and the live database stays as it was', async () => {
    const backup = unwrap(await logicalBackup(source, { target }));
    // overwrite the object with its first half, straight through the S3 API
    const local = join(tmpdir(), `drillbook-whole-${Date.now()}.dump`);
    const s3 = new S3Client(minio.clientConfig());
    try {
      await target.get(backup.key, local);
      const bytes = await readFile(local);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `gravl/${backup.key}`, Body: bytes.subarray(0, Math.floor(bytes.length / 2)) }));
    } finally {
      s3.destroy();
      await rm(local, { force: true });
    }
    const before = await tableChecksum(source, 'users');
    const result = await restoreLogical(source, { source: target, key: backup.key });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(BackupIntegrityError);
    expect(result.error.message).toMatch(/truncated/);
    expect(await tableChecksum(source, 'users')).toBe(before);
  });

  it('a missing object is a clear integrity error naming the key', async () => {
    const result = await restoreLogical(source, { source: target, key: 'logical/does-not-exist.dump' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(BackupIntegrityError);
    expect(result.error.message).toContain('logical/does-not-exist.dump');
  });

  it('the scheduled job and the weekly restore test run against the bucket', async () => {
    const job = unwrap(await scheduledBackupJob(source, { target }));
    const test = unwrap(await weeklyRestoreTest({ target, image, labels, key: job.key }));
    expect(test.passed).toBe(true);
    expect((await target.list('reports/')).length).toBe(1);
  });

  it('DR drill from the bucket: the daily job backs up to S3, the primary is lost, the backup is restored; RPO/RTO against the DR objectives', async () => {
    await using primary = await new PostgresContainer(image).withLabels(labels).start();
    await seedGravl(primary, { users: 50, logs: 500 });
    const transport = new SqlProbeTransport(primary.connectionConfig());
    await using probe = await new SteadyWriteProbe(transport, { intervalMs: 25 }).start({ labels });
    await waitFor(systemClock, condition('30 acknowledged writes', async () => ({ ok: probe.acknowledged >= 30, value: probe.acknowledged })), { timeoutMs: 60_000, intervalMs: 50 });
    const job = unwrap(await scheduledBackupJob(primary, { target }));
    const atBackup = probe.acknowledged;
    await waitFor(systemClock, condition('30 more writes after the backup', async () => ({ ok: probe.acknowledged >= atBackup + 30, value: probe.acknowledged })), { timeoutMs: 60_000, intervalMs: 50 });

    const faultAtMs = systemClock.now();
    await primary.stop();
    await waitFor(systemClock, condition('probe sees the outage', async () => ({ ok: probe.failing, value: probe.failing })), { timeoutMs: 60_000, intervalMs: 50 });
    await using replacement = await new PostgresContainer(image).withLabels(labels).withDatabase('postgres').start();
    unwrap(await restoreLogical(replacement, { source: target, key: job.key }));
    transport.retarget(replacement.connectionConfig('gravl'));
    await waitFor(systemClock, condition('writes succeed on the replacement', async () => ({ ok: !probe.failing, value: probe.failing })), { timeoutMs: 60_000, intervalMs: 50 });
    const report = await probe.stop();
    const rpo = computeRpo(report);
    const rto = computeDataRto(report, faultAtMs);
    console.log(`[s3 dr drill] RPO ${rpo.valueMs} ms (${rpo.lostWrites}/${rpo.acknowledgedWrites} writes lost), RTO ${rto} ms`);
    expect(rpo.lostWrites).toBeGreaterThanOrEqual(30);
    expect(rpoObjective(rpo, 3_600_000).met).toBe(true);
    expect(dataRtoObjective(rto, 4 * 3_600_000).met).toBe(true);
    expect(rpoObjective(rpo, 50).met).toBe(false);
  });
});
