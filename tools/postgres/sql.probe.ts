// The data probe behind the DataProbe port: writes sequence-numbered records at a steady rate, remembers
// every acknowledged write with its monotonic ack time, tracks failed-operation windows, and after recovery
// reads back which writes survived. The transport is pluggable: direct SQL (here) or the backend's HTTP API.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { LABELS, type CallOptions, type Clock, type DataProbe, type DataProbeReport, type Labels, type RunningDataProbe } from '../../scenarios/ports.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';

/** How the probe reaches the data. Each call either succeeds (the write is committed) or throws. */
export interface ProbeTransport {
  readonly description: string;
  prepare(runId: string, options: CallOptions): Promise<void>;
  /** Resolves once the record is committed (the acknowledgement). */
  write(runId: string, seq: number, options: CallOptions): Promise<void>;
  /** A read that must succeed for the data path to count as working. */
  read(runId: string, options: CallOptions): Promise<void>;
  /** Every sequence number of this run that the store holds now. */
  readBack(runId: string, options: CallOptions): Promise<Set<number>>;
  close(): Promise<void>;
}

/** Direct SQL: a probe table with (run_id, seq), one autocommit INSERT per write. */
export class SqlProbeTransport implements ProbeTransport {
  private config: pg.ClientConfig;
  private client: pg.Client | null = null;
  readonly table: string;

  constructor(config: pg.ClientConfig, options: { table?: string } = {}) {
    this.config = config;
    this.table = options.table ?? 'drillbook_probe';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.table)) throw new InvalidInputError('probe table name', [`${this.table} must be a lower-case SQL identifier`]);
  }

  get description(): string {
    return `sql ${this.config.host}:${this.config.port}/${this.config.database} table ${this.table}`;
  }

  /** Point the probe at another instance (after a restore or failover). The next operation reconnects. */
  retarget(config: pg.ClientConfig): void {
    this.config = config;
    this.drop();
  }

  private drop(): void {
    const c = this.client;
    this.client = null;
    c?.end().catch(() => undefined);
  }

  private async conn(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionTimeoutMillis: 1_000, query_timeout: 2_000, ...this.config });
    client.on('error', () => {
      if (this.client === client) this.client = null;
    });
    try {
      await client.connect();
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  private async q(sql: string, params: unknown[]): Promise<pg.QueryResult> {
    const client = await this.conn();
    try {
      return await client.query(sql, params);
    } catch (error) {
      if (this.client === client) this.drop();
      throw error;
    }
  }

  async prepare(): Promise<void> {
    await this.q(
      `CREATE TABLE IF NOT EXISTS ${this.table} (run_id text NOT NULL, seq bigint NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (run_id, seq))`,
      [],
    );
  }
  async write(runId: string, seq: number): Promise<void> {
    await this.q(`INSERT INTO ${this.table} (run_id, seq) VALUES ($1, $2)`, [runId, seq]);
  }
  async read(runId: string): Promise<void> {
    await this.q(`SELECT max(seq) FROM ${this.table} WHERE run_id = $1`, [runId]);
  }
  async readBack(runId: string): Promise<Set<number>> {
    const r = await this.q(`SELECT seq::text AS seq FROM ${this.table} WHERE run_id = $1`, [runId]);
    return new Set(r.rows.map((row: { seq: string }) => Number(row.seq)));
  }
  async close(): Promise<void> {
    this.drop();
  }
}

export interface ProbeOptions {
  readonly clock?: Clock;
  /** Pause between operations (default 50 ms: ~20 writes/s). */
  readonly intervalMs?: number;
  /** Hard bound on writes (default 100 000): the loop can never run unbounded. */
  readonly maxWrites?: number;
  /** How long stop() keeps trying to read back (default 60 s). */
  readonly readBackTimeoutMs?: number;
}

interface MutableAck {
  seq: number;
  ackAtMs: number;
}

/** Starts writing; `stop()` reads back and returns the DataProbeReport. */
export class SteadyWriteProbe implements DataProbe {
  private readonly transport: ProbeTransport;
  private readonly options: ProbeOptions;

  constructor(transport: ProbeTransport, options: ProbeOptions = {}) {
    this.transport = transport;
    this.options = options;
  }

  async start(options: CallOptions & { labels: Labels }): Promise<RunningSteadyWriteProbe> {
    // unique per probe, traceable to the run: '<run-id>/<random>' (two probes never share sequence numbers)
    const runId = `${options.labels[LABELS.runId] ?? 'probe'}/${randomBytes(3).toString('hex')}`;
    await this.transport.prepare(runId, { signal: options.signal });
    const running = new RunningSteadyWriteProbe(this.transport, runId, this.options);
    running.begin(options.signal);
    return running;
  }
}

export class RunningSteadyWriteProbe implements RunningDataProbe, AsyncDisposable {
  readonly runId: string;
  private readonly transport: ProbeTransport;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly maxWrites: number;
  private readonly readBackTimeoutMs: number;
  private readonly acks: MutableAck[] = [];
  private readonly outages: { fromMs: number; toMs: number }[] = [];
  private openOutageFrom: number | null = null;
  private lastFailureAtMs: number | null = null;
  private recoveredAtMs: number | null = null;
  private attempted = 0;
  private readonly stopper = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private report: DataProbeReport | null = null;

  constructor(transport: ProbeTransport, runId: string, options: ProbeOptions) {
    this.transport = transport;
    this.runId = runId;
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? 50;
    this.maxWrites = options.maxWrites ?? 100_000;
    this.readBackTimeoutMs = options.readBackTimeoutMs ?? 60_000;
  }

  /** Acknowledged writes so far. */
  get acknowledged(): number {
    return this.acks.length;
  }
  /** Ack time of the newest acknowledged write, or null. */
  get lastAckAtMs(): number | null {
    return this.acks.at(-1)?.ackAtMs ?? null;
  }
  /** Is the data path failing right now? */
  get failing(): boolean {
    return this.openOutageFrom !== null;
  }

  begin(signal?: AbortSignal): void {
    const stop = signal ? AbortSignal.any([signal, this.stopper.signal]) : this.stopper.signal;
    this.loop = this.run(stop);
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.attempted < this.maxWrites) {
      const seq = ++this.attempted;
      try {
        await this.transport.write(this.runId, seq, { signal });
        const ackAtMs = this.clock.now();
        this.acks.push({ seq, ackAtMs });
        await this.transport.read(this.runId, { signal });
        const okAt = this.clock.now();
        if (this.openOutageFrom !== null) {
          this.outages.push({ fromMs: this.openOutageFrom, toMs: okAt });
          this.openOutageFrom = null;
        }
        // first success after the latest failure (or the first success ever)
        if (this.recoveredAtMs === null || (this.lastFailureAtMs !== null && this.recoveredAtMs < this.lastFailureAtMs)) this.recoveredAtMs = ackAtMs;
      } catch {
        if (signal.aborted) break;
        const at = this.clock.now();
        this.lastFailureAtMs = at;
        if (this.openOutageFrom === null) this.openOutageFrom = at;
      }
      try {
        await this.clock.sleep(this.intervalMs, signal); // pacing of a steady write rate, not a wait for a condition
      } catch {
        break;
      }
    }
  }

  /** Stops writing, reads back what survived (retrying while the store comes back), returns the report. */
  async stop(options: CallOptions = {}): Promise<DataProbeReport> {
    if (this.report) return this.report;
    this.stopper.abort();
    await this.loop;
    const endMs = this.clock.now();
    if (this.openOutageFrom !== null) this.outages.push({ fromMs: this.openOutageFrom, toMs: endMs });
    const stillFailing = this.openOutageFrom !== null;
    const survivors = await waitFor(
      this.clock,
      condition(`probe ${this.runId} can read back its writes via ${this.transport.description}`, async (signal) => {
        const set = await this.transport.readBack(this.runId, { signal });
        return { ok: true, value: set };
      }),
      { timeoutMs: this.readBackTimeoutMs, intervalMs: 500, signal: options.signal, hint: 'the recovered database must be reachable for the probe to read back' },
    );
    await this.transport.close();
    const recovered = stillFailing || this.recoveredAtMs === null || (this.lastFailureAtMs !== null && this.recoveredAtMs < this.lastFailureAtMs) ? null : this.recoveredAtMs;
    this.report = {
      writesAttempted: this.attempted,
      writes: this.acks.map((a) => ({ seq: a.seq, ackAtMs: a.ackAtMs, survived: survivors.has(a.seq) })),
      outages: [...this.outages],
      recoveredAtMs: recovered,
    };
    return this.report;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.stopper.abort();
    await this.loop;
    await this.transport.close();
  }
}
