import { describe, expect, it } from 'vitest';
import { createMetrics, type DatabaseFacts } from './metrics.ts';

const facts = (over: Partial<DatabaseFacts> = {}): DatabaseFacts => ({
  restoreTestOk: async () => true,
  lastFullBackup: async () => ({ sizeBytes: 123_456_789, uploadSeconds: 61.25 }),
  primaryUp: async () => true,
  walArchiveLagSeconds: async () => 42,
  replicationLagBytes: async () => [{ standby: 'region-b', bytes: 2_000_000_000 }],
  ...over,
});

const scrape = async (database: DatabaseFacts) => createMetrics('v2', async () => 1_700_000_000, database).registry.metrics();

describe('the DR metrics the alert rules evaluate', () => {
  it('exports restore-test result, writable primary, WAL archive lag and replication lag by standby', async () => {
    const text = await scrape(facts());
    expect(text).toContain('gravl_backup_restore_test_last_ok{source="backup_runs"} 1');
    expect(text).toContain('gravl_database_primary_up 1');
    expect(text).toContain('gravl_pg_wal_archive_lag_seconds{source="archive_status"} 42');
    expect(text).toContain('gravl_pg_replication_lag_bytes{standby="region-b"} 2000000000');
    expect(text).toContain('gravl_backup_last_success_timestamp_seconds{source="backup_runs"} 1700000000');
  });

  it('the newest backup: 0 when there is none, absent when the database cannot be read (not "no backup ever")', async () => {
    const none = await createMetrics('v2', async () => undefined, facts()).registry.metrics();
    expect(none).toContain('gravl_backup_last_success_timestamp_seconds{source="backup_runs"} 0');
    const down = await createMetrics('v2', () => Promise.reject(new Error('connection refused')), facts()).registry.metrics();
    expect(down).not.toMatch(/^gravl_backup_last_success_timestamp_seconds\{/m);
  });

  it("exports the newest full backup's size and upload duration, exactly", async () => {
    const text = await scrape(facts());
    expect(text).toMatch(/^gravl_backup_last_size_bytes\{source="backup_runs"\} 123456789$/m);
    expect(text).toMatch(/^gravl_backup_last_upload_duration_seconds\{source="backup_runs"\} 61\.25$/m);
    // a run recorded without one of them (an older backup_runs, a writer that does not know it) exports the other
    const sizeOnly = await scrape(facts({ lastFullBackup: async () => ({ sizeBytes: 0 }) }));
    expect(sizeOnly).toMatch(/^gravl_backup_last_size_bytes\{source="backup_runs"\} 0$/m);
    expect(sizeOnly).not.toMatch(/^gravl_backup_last_upload_duration_seconds\{/m);
  });

  it('reads the newest full backup once per scrape for both its gauges, and again on the next scrape', async () => {
    let reads = 0;
    const metrics = createMetrics('v2', async () => 1_700_000_000, facts({ lastFullBackup: async () => (reads++, { sizeBytes: 10, uploadSeconds: 2 }) }));
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^gravl_backup_last_size_bytes\{source="backup_runs"\} 10$/m);
    expect(text).toMatch(/^gravl_backup_last_upload_duration_seconds\{source="backup_runs"\} 2$/m);
    expect(reads).toBe(1);
    await metrics.registry.metrics();
    expect(reads).toBe(2);
  });

  it('a failed restore test is 0, and a database that answers in recovery (or not at all) is not a primary', async () => {
    const text = await scrape(facts({ restoreTestOk: async () => false, primaryUp: async () => false }));
    expect(text).toContain('gravl_backup_restore_test_last_ok{source="backup_runs"} 0');
    expect(text).toContain('gravl_database_primary_up 0');
    expect(await scrape(facts({ primaryUp: () => Promise.reject(new Error('connection refused')) }))).toContain('gravl_database_primary_up 0');
  });

  it('unknown is an absent series, never a 0 an alert would read as a failure', async () => {
    const down = () => Promise.reject(new Error('connection refused'));
    const text = await scrape(facts({ restoreTestOk: down, walArchiveLagSeconds: async () => undefined, replicationLagBytes: down }));
    expect(text).not.toMatch(/^gravl_backup_restore_test_last_ok\{/m);
    expect(text).not.toMatch(/^gravl_pg_wal_archive_lag_seconds\{/m);
    expect(text).not.toMatch(/^gravl_pg_replication_lag_bytes\{/m);
    // the last full backup: DB down or column missing (throws), no full backup yet, or neither value recorded
    for (const lastFullBackup of [down, async () => undefined, async () => ({})]) {
      const backup = await scrape(facts({ lastFullBackup }));
      expect(backup).not.toMatch(/^gravl_backup_last_size_bytes\{/m);
      expect(backup).not.toMatch(/^gravl_backup_last_upload_duration_seconds\{/m);
    }
    // and a standby that went away is gone from the next scrape
    let standbys = [{ standby: 'region-b', bytes: 1 }];
    const m = createMetrics('v2', async () => undefined, facts({ replicationLagBytes: async () => standbys }));
    expect(await m.registry.metrics()).toContain('standby="region-b"');
    standbys = [];
    expect(await m.registry.metrics()).not.toContain('standby="region-b"');
  });

  it('a database that does not answer (connect hanging) makes the scrape answer anyway: primary down, the rest absent', async () => {
    const hang = () => new Promise<never>(() => undefined);
    const m = createMetrics('v2', hang, { restoreTestOk: hang, lastFullBackup: hang, primaryUp: hang, walArchiveLagSeconds: hang, replicationLagBytes: hang }, { factTimeoutMs: 20 });
    const text = await m.registry.metrics();
    expect(text).toContain('gravl_database_primary_up 0');
    for (const name of ['gravl_backup_last_success_timestamp_seconds', 'gravl_backup_restore_test_last_ok', 'gravl_backup_last_size_bytes', 'gravl_pg_wal_archive_lag_seconds', 'gravl_pg_replication_lag_bytes']) {
      expect(text).not.toMatch(new RegExp(`^${name}\\{`, 'm'));
    }
  });
});
