// A PostgreSQL 15 instance in a Docker container from the locally built image, driven through the docker CLI
// (argument arrays via tools/lib/exec.ts). We own the entrypoint (a small sh script) so the same image serves a
// fresh primary (initdb), a WAL-archiving primary, and a point-in-time recovery from a base backup; only the
// Debian binaries (/usr/lib/postgresql/<major>/bin) are assumed.
//
//   await using pg = await new PostgresContainer(image).withLabels(labels).withWalArchive(dir).start({ signal });
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ToolFailedError } from '../../scenarios/errors.ts';
import { LABELS, MANAGED_BY, type CallOptions, type Clock, type Labels } from '../../scenarios/ports.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { run, tryRun, type RunResult } from '../lib/exec.ts';

/** Where the host folders are mounted inside the container. */
export const CONTAINER_WORK_DIR = '/drillbook/work';
export const CONTAINER_ARCHIVE_DIR = '/drillbook/archive';
const PGDATA = '/var/lib/drillbook/pgdata';
export const COMPONENT_LABEL = 'drillbook.io/component';

/** Where point-in-time recovery stops. `time` is a PostgreSQL timestamptz literal. */
export type RecoveryTarget =
  | { readonly time: string; readonly inclusive?: boolean }
  | { readonly xid: string; readonly inclusive?: boolean }
  | { readonly name: string }
  | { readonly immediate: true };

export interface PitrSource {
  /** Host folder holding base.tar.gz written by pg_basebackup -Ft -z. */
  readonly baseBackupDir: string;
  /** Host folder holding the archived WAL segments. */
  readonly walArchiveDir: string;
  readonly target: RecoveryTarget;
}

// The entrypoint. Runs as root, prepares PGDATA, then execs postgres as the postgres user (PID 1, so
// `docker stop` with SIGINT is a fast shutdown).
const ENTRYPOINT = String.raw`set -eu
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PGBIN" ]; then PGBIN=$(dirname "$(command -v postgres)"); fi
export PATH="$PGBIN:$PATH"
export PGDATA=${PGDATA}
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
case "$DRILLBOOK_MODE" in
  init)
    printf '%s\n' "$DRILLBOOK_PASSWORD" > /run/postgresql/.pw
    chown postgres /run/postgresql/.pw
    as_pg initdb -D "$PGDATA" -U postgres -E UTF8 --locale=C --auth-local=trust --auth-host=scram-sha-256 --pwfile=/run/postgresql/.pw --no-sync $(printenv DRILLBOOK_INITDB_ARGS || true) >/dev/null
    rm -f /run/postgresql/.pw
    ;;
  pitr)
    # as root: the host folders may be private to root; ownership is fixed right after
    tar -xzf "$DRILLBOOK_BASE_TAR" -C "$PGDATA"
    mkdir -p "$PGDATA/pg_wal"
    touch "$PGDATA/recovery.signal"
    chown -R postgres:postgres "$PGDATA"
    ;;
  *) echo "unknown DRILLBOOK_MODE $DRILLBOOK_MODE" >&2; exit 2 ;;
esac
grep -q '^host all all 0.0.0.0/0' "$PGDATA/pg_hba.conf" || echo 'host all all 0.0.0.0/0 scram-sha-256' >> "$PGDATA/pg_hba.conf"
echo "drillbook: starting postgres ($DRILLBOOK_MODE)"
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
`;

function recoverySettings(target: RecoveryTarget): string[] {
  const s = [`restore_command=cp ${CONTAINER_ARCHIVE_DIR}/%f %p`, 'recovery_target_action=promote'];
  if ('time' in target) s.push(`recovery_target_time=${target.time}`, `recovery_target_inclusive=${target.inclusive ?? false}`);
  else if ('xid' in target) s.push(`recovery_target_xid=${target.xid}`, `recovery_target_inclusive=${target.inclusive ?? false}`);
  else if ('name' in target) s.push(`recovery_target_name=${target.name}`);
  else s.push('recovery_target=immediate');
  return s;
}

export class PostgresContainer {
  private readonly image: string;
  private labels: Record<string, string> = {};
  private database = 'gravl';
  private namePrefix = 'drillbook-pg';
  private walArchiveDir: string | undefined;
  private archiveTimeoutSeconds = 60;
  private pitr: PitrSource | undefined;
  private settings: Record<string, string> = {};
  private clock: Clock = systemClock;
  private startTimeoutMs = 120_000;
  private password: string | undefined;

  constructor(image: string) {
    this.image = image;
  }
  withLabels(labels: Labels): this {
    this.labels = { ...this.labels, ...labels };
    return this;
  }
  /** The database the harness works in (created at start on a fresh instance). */
  withDatabase(name: string): this {
    this.database = name;
    return this;
  }
  withNamePrefix(prefix: string): this {
    this.namePrefix = prefix;
    return this;
  }
  /** Continuous WAL archiving into a host folder (archive_command = cp). archive_timeout bounds the RPO of idle periods. */
  withWalArchive(hostDir: string, options: { archiveTimeoutSeconds?: number } = {}): this {
    this.walArchiveDir = hostDir;
    if (options.archiveTimeoutSeconds !== undefined) this.archiveTimeoutSeconds = options.archiveTimeoutSeconds;
    return this;
  }
  /** Start by recovering a base backup plus archived WAL up to `target`, then promote. */
  withPointInTimeRecovery(source: PitrSource): this {
    this.pitr = source;
    return this;
  }
  /** Extra server settings (`-c name=value`). */
  withSetting(name: string, value: string): this {
    this.settings[name] = value;
    return this;
  }
  /** A PITR instance keeps the roles of the primary its base backup came from: give it that password. */
  withPassword(password: string): this {
    this.password = password;
    return this;
  }
  withClock(clock: Clock): this {
    this.clock = clock;
    return this;
  }
  withStartTimeout(ms: number): this {
    this.startTimeoutMs = ms;
    return this;
  }

  async start(options: CallOptions = {}): Promise<StartedPostgres> {
    const password = this.password ?? randomBytes(18).toString('base64url');
    const workDir = await mkdtemp(join(tmpdir(), 'drillbook-pgwork-'));
    await chmod(workDir, 0o777); // the container's postgres user writes dumps here
    const name = `${this.namePrefix}-${randomBytes(4).toString('hex')}`;
    const labels: Record<string, string> = { [LABELS.managedBy]: MANAGED_BY, [COMPONENT_LABEL]: 'postgres', ...this.labels };
    const serverSettings: Record<string, string> = {
      listen_addresses: '*',
      wal_level: 'replica',
      max_wal_senders: '4',
      fsync: 'on',
      ...this.settings,
    };
    const args = ['run', '-d', '--name', name, '--stop-signal', 'SIGINT', '--shm-size', '256m', '-p', '127.0.0.1::5432'];
    for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
    args.push('-v', `${workDir}:${CONTAINER_WORK_DIR}`);
    if (this.pitr) {
      args.push('-v', `${this.pitr.baseBackupDir}:/drillbook/base:ro`, '-v', `${this.pitr.walArchiveDir}:${CONTAINER_ARCHIVE_DIR}:ro`);
      args.push('-e', 'DRILLBOOK_MODE=pitr', '-e', 'DRILLBOOK_BASE_TAR=/drillbook/base/base.tar.gz');
      serverSettings.archive_mode = 'off';
    } else {
      args.push('-e', 'DRILLBOOK_MODE=init', '-e', `DRILLBOOK_PASSWORD=${password}`);
      if (this.walArchiveDir) {
        await chmod(this.walArchiveDir, 0o777);
        args.push('-v', `${this.walArchiveDir}:${CONTAINER_ARCHIVE_DIR}`);
        // 1 MB segments: archive_timeout then costs at most 1 MB per interval, so a short timeout stays cheap
        args.push('-e', 'DRILLBOOK_INITDB_ARGS=--wal-segsize=1');
        serverSettings.archive_mode = 'on';
        serverSettings.archive_command = `test ! -f ${CONTAINER_ARCHIVE_DIR}/%f && cp %p ${CONTAINER_ARCHIVE_DIR}/%f`;
        serverSettings.archive_timeout = String(this.archiveTimeoutSeconds);
      }
    }
    args.push('--entrypoint', '/bin/sh', this.image, '-c', ENTRYPOINT, 'drillbook-postgres');
    for (const [k, v] of Object.entries(serverSettings)) args.push('-c', `${k}=${v}`);
    if (this.pitr) for (const s of recoverySettings(this.pitr.target)) args.push('-c', s);

    const created = await run('docker', args, {
      signal: options.signal,
      hint: `is the image ${this.image} built? (tools/postgres/postgres.image.ts ensures it)`,
    });
    const id = created.stdout.trim();
    const started = new StartedPostgres({ id, name, image: this.image, password, database: this.database, workDir, walArchiveDir: this.walArchiveDir, clock: this.clock, pitr: this.pitr !== undefined });
    try {
      await started.waitReady({ signal: options.signal, timeoutMs: this.startTimeoutMs });
      if (!this.pitr) await started.ensureDatabase(this.database);
    } catch (error) {
      await started[Symbol.asyncDispose]();
      throw error;
    }
    return started;
  }
}

interface StartedInit {
  id: string;
  name: string;
  image: string;
  password: string;
  database: string;
  workDir: string;
  walArchiveDir: string | undefined;
  clock: Clock;
  pitr: boolean;
}

export class StartedPostgres implements AsyncDisposable {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly database: string;
  /** Host folder mounted at CONTAINER_WORK_DIR. */
  readonly workDir: string;
  readonly walArchiveDir: string | undefined;
  readonly user = 'postgres';
  readonly host = '127.0.0.1';
  /** Test-instance credential; pass `secrets` to redact() before writing evidence. */
  readonly password: string;
  private readonly clock: Clock;
  private readonly fromPitr: boolean;
  private hostPort: number | undefined;
  private disposed = false;

  constructor(init: StartedInit) {
    this.id = init.id;
    this.name = init.name;
    this.image = init.image;
    this.password = init.password;
    this.database = init.database;
    this.workDir = init.workDir;
    this.walArchiveDir = init.walArchiveDir;
    this.clock = init.clock;
    this.fromPitr = init.pitr;
  }

  /** Secrets to pass to redact() before anything is written. */
  get secrets(): string[] {
    return [this.password];
  }

  get port(): number {
    if (this.hostPort === undefined) throw new ToolFailedError('docker', `postgres container ${this.name} has no published port yet`);
    return this.hostPort;
  }

  /** pg client configuration; a PITR instance has the password of the primary it came from (see withPassword). */
  connectionConfig(database = this.database): pg.ClientConfig {
    return {
      host: this.host,
      port: this.port,
      user: this.user,
      password: this.password,
      database,
      connectionTimeoutMillis: 5_000,
      query_timeout: 600_000,
    };
  }

  /** A connected client; the caller ends it (or uses `await using`-style try/finally). */
  async connect(database = this.database): Promise<pg.Client> {
    const client = new pg.Client(this.connectionConfig(database));
    client.on('error', () => undefined); // a dropped connection surfaces on the next query
    await client.connect();
    return client;
  }

  /** Runs one query on a short-lived connection. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], database = this.database): Promise<pg.QueryResult<R>> {
    const client = await this.connect(database);
    try {
      return await client.query<R>(sql, params);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** `docker exec` as the postgres user (local socket, trust auth). */
  async exec(args: readonly string[], options: CallOptions & { timeoutMs?: number; user?: string } = {}): Promise<RunResult> {
    return run('docker', ['exec', '-u', options.user ?? 'postgres', this.id, ...args], { signal: options.signal, timeoutMs: options.timeoutMs });
  }

  async state(options: CallOptions = {}): Promise<{ running: boolean; exitCode: number; status: string }> {
    const r = await run('docker', ['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}} {{.State.Status}}', this.id], { signal: options.signal });
    const [running, exitCode, status] = r.stdout.trim().split(' ');
    return { running: running === 'true', exitCode: Number(exitCode), status: status ?? 'unknown' };
  }

  async logs(options: CallOptions & { tail?: number } = {}): Promise<string> {
    const r = await tryRun('docker', ['logs', '--tail', String(options.tail ?? 200), this.id], { signal: options.signal });
    if (r instanceof ToolFailedError) return r.stderrTail;
    return `${r.stdout}\n${r.stderr}`.trim();
  }

  /** Waits until the container publishes its port and accepts queries (and, after PITR, has promoted). */
  async waitReady(options: CallOptions & { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    // A container that exited is final: stop polling at once and say why.
    const fatal = new AbortController();
    let exited: ToolFailedError | undefined;
    const signal = options.signal ? AbortSignal.any([options.signal, fatal.signal]) : fatal.signal;
    try {
      await waitFor(
        this.clock,
        condition<string>(`postgres ${this.name} accepts connections${this.fromPitr ? ' and has promoted' : ''}`, async (sig) => {
          const st = await this.state({ signal: sig });
          if (!st.running) {
            exited = new ToolFailedError('postgres', `container ${this.name} exited (${st.status}, code ${st.exitCode}) before it was ready`, {
              stderr: await this.logs({ tail: 30 }),
              hint: this.fromPitr
                ? 'recovery stopped: is the recovery target inside the archived WAL, after the base backup ended?'
                : 'see the container log above',
            });
            fatal.abort(exited);
            return { ok: false, value: `exited: ${st.status}` };
          }
          if (this.hostPort === undefined) {
            const p = await run('docker', ['port', this.id, '5432/tcp'], { signal: sig });
            const match = /:(\d+)\s*$/m.exec(p.stdout);
            if (!match) return { ok: false, value: `no port yet: ${p.stdout}` };
            this.hostPort = Number(match[1]);
          }
          const r = await this.query<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec', [], 'postgres');
          return { ok: r.rows[0]?.rec === false, value: r.rows[0]?.rec ? 'still in recovery' : 'ready' };
        }),
        { timeoutMs, intervalMs: 200, signal, hint: `docker logs ${this.name}` },
      );
    } catch (error) {
      if (exited) throw exited;
      throw error;
    }
  }

  async ensureDatabase(name: string): Promise<void> {
    const exists = await this.query('SELECT 1 FROM pg_database WHERE datname = $1', [name], 'postgres');
    if (exists.rowCount === 0) await this.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`, [], 'postgres');
  }

  /** Fence the instance: fast shutdown (the runbook's "stop writes to the damaged primary"). */
  async stop(options: CallOptions = {}): Promise<void> {
    await run('docker', ['stop', '-t', '30', this.id], { signal: options.signal });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await tryRun('docker', ['rm', '-f', '-v', this.id]);
    // files in workDir belong to the container's postgres uid; root (us) can remove them
    await rm(this.workDir, { recursive: true, force: true });
  }
}
