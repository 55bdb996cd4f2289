// A real HTTP server on loopback that answers like the reference backend's read/write paths, with switches
// for added latency and error responses. Runs in its own Node process so its CPU never counts as the harness's.
// Used by the k6 integration tests and the bench until (and besides) the reference backend container.
//
//   node tools/k6/testing/stub-backend.ts        prints "listening <port>" on stdout, serves 127.0.0.1:<port>
//   POST /__stub/mode {"delayMs":300,"failShare":1,"failStatus":503}   switches behaviour (not affected by it)
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ToolFailedError } from '../../../scenarios/errors.ts';

export interface StubMode {
  /** Added to every /api response. */
  delayMs: number;
  /** Share of /api responses that fail, 0..1 (deterministic: every k-th request). */
  failShare: number;
  failStatus: number;
}

const EXERCISES = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, name: `exercise ${i + 1}`, muscleGroup: ['legs', 'back', 'chest'][i % 3] }));

function serve(): void {
  let mode: StubMode = { delayMs: 0, failShare: 0, failStatus: 503 };
  let counter = 0;
  let writes = 0;
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    counter++;
    if (mode.failShare > 0 && counter % Math.max(1, Math.round(1 / mode.failShare)) === 0) {
      return send(res, mode.failStatus, { error: 'injected failure' });
    }
    if (req.method === 'GET' && req.url === '/api/health') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && req.url === '/api/exercises') return send(res, 200, EXERCISES);
    if (req.method === 'POST' && req.url === '/api/workouts') return send(res, 201, { id: ++writes });
    return send(res, 404, { error: 'not found' });
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/__stub/mode' && req.method === 'POST') {
        mode = { ...mode, ...(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Partial<StubMode>) };
        return send(res, 200, mode);
      }
      if (req.url === '/__stub/stats') return send(res, 200, { served: counter, writes });
      if (mode.delayMs > 0) setTimeout(() => answer(req, res), mode.delayMs);
      else answer(req, res);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(Number(process.env.STUB_PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') process.stdout.write(`listening ${address.port}\n`);
  });
  const shutdown = () => server.close(() => process.exit(0));
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // never outlive the harness that started us
  process.on('disconnect', shutdown);
}

export interface StartedStubBackend extends AsyncDisposable {
  readonly url: string;
  readonly pid: number;
  setMode(mode: Partial<StubMode>, options?: { signal?: AbortSignal }): Promise<StubMode>;
  /** Requests answered on /api so far (tests wait on it instead of sleeping). */
  served(options?: { signal?: AbortSignal }): Promise<number>;
}

/** Starts the stub in a child Node process on 127.0.0.1 (random port). */
export async function startStubBackend(options: { signal?: AbortSignal } = {}): Promise<StartedStubBackend> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, STUB_PORT: '0' },
  });
  const signal = AbortSignal.any([AbortSignal.timeout(15_000), ...(options.signal ? [options.signal] : [])]);
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new ToolFailedError('stub-backend', why));
    };
    const onAbort = () => fail('did not report its port within 15 s');
    const onExit = (code: number | null) => fail(`exited early with code ${code}`);
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const match = /listening (\d+)/.exec(buffered);
      if (match) {
        // the start-up deadline must not kill a stub that is already serving
        signal.removeEventListener('abort', onAbort);
        child.off('exit', onExit);
        resolve(Number(match[1]));
      }
    });
  });
  const url = `http://127.0.0.1:${port}`;
  let disposed = false;
  return {
    url,
    pid: child.pid!,
    async setMode(mode, opts = {}) {
      const res = await fetch(`${url}/__stub/mode`, { method: 'POST', body: JSON.stringify(mode), signal: opts.signal ?? null });
      if (!res.ok) throw new ToolFailedError('stub-backend', `mode switch answered ${res.status}`);
      return (await res.json()) as StubMode;
    },
    async served(opts = {}) {
      const res = await fetch(`${url}/__stub/stats`, { signal: opts.signal ?? null });
      return ((await res.json()) as { served: number }).served;
    },
    async [Symbol.asyncDispose]() {
      if (disposed) return;
      disposed = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (import.meta.main) serve();
