// gravl-backend entry point: `node src/main.ts serve` (default) or `node src/main.ts migrate`.
// Exit codes: 0 ok, 1 migration failed, 69 database unavailable at start, 70 deliberately broken build,
// 78 configuration error (missing secret, bad env). Every failure is one JSON log line with level "fatal".
import { once } from 'node:events';
import type { Server } from 'node:http';
import { ConfigError, loadConfig } from './config.ts';
import { createPool, DatabaseUnavailableError, waitForDatabase } from './db.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { migrate, MigrationError } from './migrate.ts';
import { createApp, gracefulClose } from './server.ts';

const command = process.argv[2] ?? 'serve';
let log: Logger = createLogger({ service: 'gravl-backend', version: process.env.GRAVL_VERSION ?? 'dev', command });

function fatal(code: number, msg: string, error: unknown): never {
  log.log('fatal', msg, { error: (error as Error).message, errorName: (error as Error).name, exitCode: code });
  process.exit(code);
}

async function listen(server: Server, port: number): Promise<void> {
  server.listen(port, '0.0.0.0');
  await once(server, 'listening');
}

async function main(): Promise<void> {
  if (command !== 'serve' && command !== 'migrate') {
    throw new ConfigError(`unknown command ${JSON.stringify(command)}: use "serve" or "migrate"`);
  }
  // The broken build crashes before reading any config, so it fails the same way in every environment.
  if (process.env.GRAVL_CRASH_ON_START === '1') {
    log.log('fatal', 'deliberately broken build: crashing at start (GRAVL_CRASH_ON_START=1)', { exitCode: 70 });
    process.exit(70);
  }
  const config = loadConfig();
  log = createLogger({ service: 'gravl-backend', version: config.version, command }, config.logLevel);
  const pool = createPool(config.db);
  pool.on('error', (error) => log.log('error', 'idle database connection failed', { error: error.message }));
  await waitForDatabase(pool, config.db, (error) => log.log('warn', 'database not reachable yet, retrying', { error: error.message || (error as { code?: string }).code }));

  if (command === 'migrate') {
    await migrate(pool, config.migrationsDir, log, { failLast: config.failMigration, maxVersion: config.maxMigration });
    await pool.end();
    return;
  }

  const metrics = createMetrics(
    config.version,
    async () => {
      // full backups only: a restore test's row (kind 'restore-test') is not a backup
      const r = await pool.query<{ ts: number | null }>("SELECT extract(epoch FROM max(finished_at))::float8 AS ts FROM backup_runs WHERE ok AND kind = 'full'");
      return r.rows[0]?.ts ?? undefined;
    },
    {
      async restoreTestOk() {
        const r = await pool.query<{ ok: boolean }>("SELECT ok FROM backup_runs WHERE kind = 'restore-test' ORDER BY finished_at DESC, id DESC LIMIT 1");
        return r.rows[0]?.ok;
      },
      async lastFullBackup() {
        // float8: pg hands bigint back as a string. A backup_runs older than these columns throws: absent, not 0.
        const r = await pool.query<{ size: number | null; seconds: number | null }>(
          "SELECT size_bytes::float8 AS size, upload_seconds AS seconds FROM backup_runs WHERE ok AND kind = 'full' ORDER BY finished_at DESC, id DESC LIMIT 1",
        );
        const row = r.rows[0];
        return row && { sizeBytes: row.size ?? undefined, uploadSeconds: row.seconds ?? undefined };
      },
      async primaryUp() {
        const r = await pool.query<{ primary: boolean }>('SELECT NOT pg_is_in_recovery() AS primary');
        return r.rows[0]?.primary === true;
      },
      async walArchiveLagSeconds() {
        // How long the oldest finished WAL segment has waited for the archive (its .ready status file), 0 when none
        // waits: a failing archive_command shows, a quiet database (nothing to archive) does not. The time since the
        // last archive (pg_stat_archiver) would page on every quiet night. pg_ls_archive_statusdir: superuser or pg_monitor.
        const r = await pool.query<{ on: boolean; lag: number | null }>(
          "SELECT current_setting('archive_mode') <> 'off' AS on, coalesce((SELECT extract(epoch FROM now() - min(modification)) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'), 0)::float8 AS lag",
        );
        const row = r.rows[0];
        return row?.on && row.lag !== null ? Math.max(0, row.lag) : undefined;
      },
      async replicationLagBytes() {
        // On a standby pg_current_wal_lsn() raises: no standbys of its own to report.
        const r = await pool.query<{ standby: string; bytes: number }>(
          "SELECT coalesce(nullif(application_name, ''), client_addr::text, pid::text) AS standby, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS bytes FROM pg_stat_replication WHERE replay_lsn IS NOT NULL AND NOT pg_is_in_recovery()",
        );
        return r.rows;
      },
    },
  );
  const { server, metricsServer } = createApp({ config, pool, log, metrics });
  const closeServer = gracefulClose(server);
  await listen(server, config.port);
  const extra = config.metricsPort > 0 && config.metricsPort !== config.port ? metricsServer() : undefined;
  const closeExtra = extra ? gracefulClose(extra) : undefined;
  if (extra) await listen(extra, config.metricsPort);
  log.log('info', 'gravl-backend listening', { port: config.port, metricsPort: extra ? config.metricsPort : config.port, db: `${config.db.host}:${config.db.port}/${config.db.database}`, requiredMigration: config.requiredMigration, adminEnabled: config.adminEnabled, fault: config.fault });

  const shutdown = async (signal: string) => {
    log.log('info', 'shutting down', { signal });
    await Promise.all([closeServer(), closeExtra?.()]);
    await pool.end().catch(() => {});
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) fatal(78, `configuration error: ${(error as Error).message}`, error);
  if (error instanceof DatabaseUnavailableError) fatal(69, `startup failed: ${(error as Error).message}`, error);
  if (error instanceof MigrationError) fatal(1, (error as Error).message, error);
  fatal(1, `startup failed: ${(error as Error).message}`, error);
});
