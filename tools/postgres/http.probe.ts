// Probe transport through the Gravl backend (clusters/stack/app/README.md, "POST /api/logs contract"):
// every write carries the client's sequence number and the 201/200 comes back only after PostgreSQL committed
// it; lost writes are acknowledged seqs that `GET /api/logs?clientId=` no longer returns.
import { InvalidInputError, ToolFailedError } from '../../scenarios/errors.ts';
import type { CallOptions } from '../../scenarios/ports.ts';
import type { ProbeTransport } from './sql.probe.ts';

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

export interface HttpProbeOptions {
  /** Per-request timeout (default 2 s). */
  readonly requestTimeoutMs?: number;
  /** Exercise the probe logs (default: the first one the backend lists). */
  readonly exerciseId?: number;
}

export class HttpProbeTransport implements ProbeTransport {
  private baseUrl: string;
  private readonly timeoutMs: number;
  private exerciseId: number | undefined;

  constructor(baseUrl: string, options: HttpProbeOptions = {}) {
    this.baseUrl = HttpProbeTransport.check(baseUrl);
    this.timeoutMs = options.requestTimeoutMs ?? 2_000;
    this.exerciseId = options.exerciseId;
  }

  /** Probe traffic goes to loopback only (house rule): published ports of containers the run created. */
  static check(baseUrl: string): string {
    if (!LOOPBACK.test(baseUrl)) throw new InvalidInputError('probe base URL', [`${baseUrl} is not a loopback address; publish the backend on 127.0.0.1`]);
    return baseUrl.replace(/\/+$/, '');
  }

  get description(): string {
    return `http ${this.baseUrl}/api/logs`;
  }

  /** Point the probe at another backend (after a restore or failover). */
  retarget(baseUrl: string): void {
    this.baseUrl = HttpProbeTransport.check(baseUrl);
  }

  private async call(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined): Promise<{ status: number; json: unknown }> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  }

  async prepare(_runId: string, options: CallOptions): Promise<void> {
    if (this.exerciseId !== undefined) return;
    const r = await this.call('GET', '/api/exercises', undefined, options.signal);
    const list = (r.json as { exercises?: { id: number }[] } | null)?.exercises ?? [];
    if (r.status !== 200 || list.length === 0) throw new ToolFailedError('gravl-backend', `GET /api/exercises answered ${r.status} with ${list.length} exercises`, { hint: 'is the backend migrated and ready (GET /api/ready)?' });
    this.exerciseId = list[0]!.id;
  }

  async write(runId: string, seq: number, options: CallOptions): Promise<void> {
    const r = await this.call('POST', '/api/logs', { clientId: runId, seq, exerciseId: this.exerciseId ?? 1, reps: 5, weightKg: 100 }, options.signal);
    // 201 committed; 200 duplicate (already committed by an earlier attempt): both are acknowledgements
    if (r.status !== 201 && r.status !== 200) throw new ToolFailedError('gravl-backend', `POST /api/logs seq ${seq} answered ${r.status}`);
  }

  async read(runId: string, options: CallOptions): Promise<void> {
    const r = await this.call('GET', `/api/logs?clientId=${encodeURIComponent(runId)}&afterSeq=${Number.MAX_SAFE_INTEGER - 1}&limit=1`, undefined, options.signal);
    if (r.status !== 200) throw new ToolFailedError('gravl-backend', `GET /api/logs answered ${r.status}`);
  }

  async readBack(runId: string, options: CallOptions): Promise<Set<number>> {
    const seqs = new Set<number>();
    let after = -1;
    for (let page = 0; page < 1_000; page++) {
      const r = await this.call('GET', `/api/logs?clientId=${encodeURIComponent(runId)}&afterSeq=${after}&limit=10000`, undefined, options.signal);
      if (r.status !== 200) throw new ToolFailedError('gravl-backend', `GET /api/logs answered ${r.status} while reading back`);
      const logs = (r.json as { logs?: { seq: number }[] }).logs ?? [];
      for (const l of logs) seqs.add(l.seq);
      if (logs.length < 10_000) break;
      after = logs.at(-1)!.seq;
    }
    return seqs;
  }

  async close(): Promise<void> {}
}
