// Probe transports through a backend's own HTTP API. HttpProbeTransport speaks the Gravl backend's contract
// (clusters/stack/app/README.md, "POST /api/logs contract"): every write carries the client's sequence number and
// the 201/200 comes back only after PostgreSQL committed it; lost writes are acknowledged seqs that
// `GET /api/logs?clientId=` no longer returns. ContractHttpProbeTransport speaks the contract a stack description
// gives (drillbook.yaml's stack.probe): a write template with {{seq}} and {{runId}}, the statuses that acknowledge
// it, and a read of the run's records, each carrying its sequence number in `seqField`.
import { InvalidInputError, ToolFailedError } from '../../scenarios/errors.ts';
import type { CallOptions } from '../../scenarios/ports.ts';
import type { ProbeTransport } from './sql.probe.ts';
import { fillProbeTemplate, type StackProbe } from '../config/stack-description.ts';

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

  private call(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined): Promise<{ status: number; json: unknown }> {
    return httpCall(`${this.baseUrl}${path}`, method, body === undefined ? undefined : JSON.stringify(body), this.timeoutMs, signal);
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

/** One JSON request with a per-request timeout; the answer's body parsed as JSON when it is JSON, else the text. */
async function httpCall(url: string, method: string, body: string | undefined, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ status: number; json: unknown }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body,
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

/**
 * The data probe through the contract a stack description gives (stack.probe): each write is the template filled
 * with the run id and the sequence number (the run id URL-encoded in paths, JSON-escaped in the body), acknowledged
 * by one of `acceptedStatus`; the read-back is the read path filled with the run id, a JSON answer whose records
 * (the top-level array, or the first array-valued field of an object) carry the sequence number in `seqField`.
 */
export class ContractHttpProbeTransport implements ProbeTransport {
  private baseUrl: string;
  private readonly timeoutMs: number;
  private readonly contract: StackProbe;

  constructor(baseUrl: string, contract: StackProbe, options: Pick<HttpProbeOptions, 'requestTimeoutMs'> = {}) {
    this.contract = contract;
    this.baseUrl = HttpProbeTransport.check(baseUrl);
    this.timeoutMs = options.requestTimeoutMs ?? 2_000;
  }

  get description(): string {
    return `http ${this.contract.write.method} ${this.baseUrl}${this.contract.write.path}, read back ${this.contract.read.method} ${this.contract.read.path} (${this.contract.seqField})`;
  }

  retarget(baseUrl: string): void {
    this.baseUrl = HttpProbeTransport.check(baseUrl);
  }

  /** The write request for one record: what the probe sends (exported for tests and evidence). */
  writeRequest(runId: string, seq: number): { method: string; path: string; body: string } {
    const w = this.contract.write;
    return {
      method: w.method,
      path: fillProbeTemplate(w.path, { seq, runId }, encodeURIComponent),
      // the run id sits inside a JSON string: escaped as JSON, without the quotes the template already has
      body: fillProbeTemplate(w.body, { seq, runId }, (v) => JSON.stringify(v).slice(1, -1)),
    };
  }

  private readPath(runId: string): string {
    return fillProbeTemplate(this.contract.read.path, { runId }, encodeURIComponent);
  }

  async prepare(): Promise<void> {}

  async write(runId: string, seq: number, options: CallOptions): Promise<void> {
    const r = this.writeRequest(runId, seq);
    const answer = await httpCall(`${this.baseUrl}${r.path}`, r.method, r.body, this.timeoutMs, options.signal);
    if (!this.contract.write.acceptedStatus.includes(answer.status)) {
      throw new ToolFailedError('probe write', `${r.method} ${r.path} seq ${seq} answered ${answer.status} (acknowledged only by ${this.contract.write.acceptedStatus.join(', ')})`);
    }
  }

  private async records(runId: string, options: CallOptions): Promise<unknown[]> {
    const path = this.readPath(runId);
    const answer = await httpCall(`${this.baseUrl}${path}`, this.contract.read.method, undefined, this.timeoutMs, options.signal);
    if (answer.status !== 200) throw new ToolFailedError('probe read', `${this.contract.read.method} ${path} answered ${answer.status}`);
    const list = Array.isArray(answer.json) ? answer.json : answer.json && typeof answer.json === 'object' ? Object.values(answer.json).find(Array.isArray) : undefined;
    if (!list) {
      throw new ToolFailedError('probe read', `${this.contract.read.method} ${path} answered no JSON array of records`, {
        hint: 'stack.probe.read must return the run\'s records as a JSON array (or an object with one array field)',
      });
    }
    return list as unknown[];
  }

  async read(runId: string, options: CallOptions): Promise<void> {
    await this.records(runId, options);
  }

  async readBack(runId: string, options: CallOptions): Promise<Set<number>> {
    const seqs = new Set<number>();
    const field = this.contract.seqField;
    for (const record of await this.records(runId, options)) {
      const seq = record && typeof record === 'object' ? (record as Record<string, unknown>)[field] : undefined;
      if (typeof seq !== 'number' || !Number.isInteger(seq)) {
        throw new ToolFailedError('probe read', `a record of ${this.readPath(runId)} has no integer '${field}' (got ${JSON.stringify(record).slice(0, 120)})`, {
          hint: 'stack.probe.seqField names the field carrying the sequence number the write sent',
        });
      }
      seqs.add(seq);
    }
    return seqs;
  }

  async close(): Promise<void> {}
}
