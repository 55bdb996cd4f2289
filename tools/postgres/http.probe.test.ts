import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { ContractHttpProbeTransport, HttpProbeTransport } from './http.probe.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A stand-in for the backend's /api/logs contract: 201 new, 200 duplicate, 503 while `down`. */
async function fakeBackend(state: { down: boolean; seqs: number[] }): Promise<string> {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (state.down && url.pathname === '/api/logs') return send(503, { error: 'database unavailable' });
    if (url.pathname === '/api/exercises') return send(200, { exercises: [{ id: 7, name: 'Deadlift' }] });
    if (url.pathname === '/api/logs' && req.method === 'POST') {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const b = JSON.parse(raw) as { seq: number; exerciseId: number };
        if (b.exerciseId !== 7) return send(400, { error: 'unknown exercise' });
        const dup = state.seqs.includes(b.seq);
        if (!dup) state.seqs.push(b.seq);
        send(dup ? 200 : 201, { seq: b.seq, duplicate: dup });
      });
      return;
    }
    if (url.pathname === '/api/logs') {
      const after = Number(url.searchParams.get('afterSeq'));
      const limit = Number(url.searchParams.get('limit'));
      const logs = state.seqs.filter((s) => s > after).sort((a, b) => a - b).slice(0, limit).map((seq) => ({ seq }));
      return send(200, { logs });
    }
    send(404, {});
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`;
}

describe('HttpProbeTransport', () => {
  it('accepts only loopback addresses', () => {
    expect(() => new HttpProbeTransport('http://example.com')).toThrow(InvalidInputError);
    expect(() => new HttpProbeTransport('http://192.168.1.2:3000')).toThrow(/not a loopback address/);
    expect(new HttpProbeTransport('http://127.0.0.1:3000/').description).toBe('http http://127.0.0.1:3000/api/logs');
  });

  it('treats 201 and 200 (duplicate) as acknowledged, anything else as not, and reads back the seqs', async () => {
    const state = { down: false, seqs: [] as number[] };
    const t = new HttpProbeTransport(await fakeBackend(state));
    await t.prepare('run', {});
    await t.write('run', 1, {});
    await t.write('run', 1, {}); // idempotent retry
    await t.write('run', 2, {});
    await t.read('run', {});
    expect([...(await t.readBack('run', {}))].sort()).toEqual([1, 2]);
    state.down = true;
    await expect(t.write('run', 3, {})).rejects.toThrow(/answered 503/);
    await expect(t.read('run', {})).rejects.toThrow(/answered 503/);
  });
});

describe('ContractHttpProbeTransport (a stack description’s probe contract)', () => {
  const contract = {
    write: { method: 'POST' as const, path: '/v1/entries', body: '{"writer": "{{runId}}", "seq": {{seq}}, "note": "drillbook probe"}', acceptedStatus: [200, 201] },
    read: { method: 'GET' as const, path: '/v1/entries?writer={{runId}}' },
    seqField: 'seq',
  };

  /** A stand-in for the ledger: POST /v1/entries 201 new, 200 duplicate, 503 while down; GET lists a writer's entries. */
  async function fakeLedger(state: { down: boolean; entries: { writer: string; seq: number }[]; bodies: string[] }, answer: 'array' | 'object' | 'no-seq' = 'array'): Promise<string> {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (state.down) return send(503, { error: 'entry not written' });
      if (url.pathname === '/v1/entries' && req.method === 'POST') {
        let raw = '';
        req.on('data', (c) => (raw += c));
        req.on('end', () => {
          state.bodies.push(raw);
          const b = JSON.parse(raw) as { writer: string; seq: number };
          const dup = state.entries.some((e) => e.writer === b.writer && e.seq === b.seq);
          if (!dup) state.entries.push({ writer: b.writer, seq: b.seq });
          send(dup ? 200 : 201, b);
        });
        return;
      }
      if (url.pathname === '/v1/entries') {
        const mine = state.entries.filter((e) => e.writer === url.searchParams.get('writer'));
        if (answer === 'object') return send(200, { count: mine.length, entries: mine });
        if (answer === 'no-seq') return send(200, mine.map((e) => ({ writer: e.writer })));
        return send(200, mine);
      }
      send(404, {});
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  it('fills the write template (run id JSON-escaped in the body, URL-encoded in paths) and counts the accepted statuses as acknowledgements', async () => {
    const state = { down: false, entries: [] as { writer: string; seq: number }[], bodies: [] as string[] };
    const t = new ContractHttpProbeTransport(await fakeLedger(state), contract);
    expect(t.writeRequest('run "a"', 7)).toEqual({ method: 'POST', path: '/v1/entries', body: '{"writer": "run \\"a\\"", "seq": 7, "note": "drillbook probe"}' });
    await t.prepare();
    await t.write('run&1', 1, {});
    await t.write('run&1', 1, {}); // a retried write: 200, acknowledged again
    await t.write('run&1', 2, {});
    await t.write('other', 9, {});
    await t.read('run&1', {});
    expect(JSON.parse(state.bodies[0]!)).toEqual({ writer: 'run&1', seq: 1, note: 'drillbook probe' });
    expect([...(await t.readBack('run&1', {}))].sort()).toEqual([1, 2]);
    state.down = true;
    await expect(t.write('run&1', 3, {})).rejects.toThrow(/POST \/v1\/entries seq 3 answered 503 \(acknowledged only by 200, 201\)/);
    await expect(t.read('run&1', {})).rejects.toThrow(/answered 503/);
  });

  it('a status outside acceptedStatus is not an acknowledgement', async () => {
    const state = { down: false, entries: [] as { writer: string; seq: number }[], bodies: [] as string[] };
    const t = new ContractHttpProbeTransport(await fakeLedger(state), { ...contract, write: { ...contract.write, acceptedStatus: [201] } });
    await t.write('r', 1, {});
    await expect(t.write('r', 1, {})).rejects.toThrow(/answered 200 \(acknowledged only by 201\)/);
  });

  it('reads records from an object with one array field, and names a record without seqField', async () => {
    const state = { down: false, entries: [{ writer: 'r', seq: 4 }], bodies: [] as string[] };
    expect([...(await new ContractHttpProbeTransport(await fakeLedger(state, 'object'), contract).readBack('r', {}))]).toEqual([4]);
    await new Promise((r) => server!.close(r));
    const t = new ContractHttpProbeTransport(await fakeLedger(state, 'no-seq'), contract);
    await expect(t.readBack('r', {})).rejects.toThrow(/has no integer 'seq'/);
  });

  it('probes loopback only', () => {
    expect(() => new ContractHttpProbeTransport('http://10.0.0.1:9090', contract)).toThrow(/not a loopback address/);
  });
});
