import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { HttpProbeTransport } from './http.probe.ts';

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
