// A real HTTP server on loopback that answers like the reference backend (clusters/stack/app/backend) on the
// paths the load profiles use, including its fault switch POST /api/admin/fault {latencyMs, errorRate}, so the
// same test code drives the stub and the real backend container. Runs in its own Node process so its CPU never
// counts as the harness's. Used by the k6 tests and the bench where no Docker backend is needed.
//
//   node tools/k6/testing/stub-backend.ts        prints "listening <port>" on stdout, serves 127.0.0.1:<port>
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ToolFailedError } from '../../../scenarios/errors.ts';

/** The reference backend's fault switch (business routes only; health never fails). */
export interface BackendFault {
  latencyMs: number;
  /** Share of business requests answered 500, 0..1 (the stub fails every k-th request: deterministic). */
  errorRate: number;
}

const EXERCISES = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, name: `exercise ${i + 1}`, muscleGroup: ['legs', 'back', 'chest'][i % 3] }));

function serve(): void {
  let fault: BackendFault = { latencyMs: 0, errorRate: 0 };
  let served = 0;
  let writes = 0;
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const business = (req: IncomingMessage, res: ServerResponse) => {
    served++;
    if (fault.errorRate > 0 && served % Math.max(1, Math.round(1 / fault.errorRate)) === 0) {
      return send(res, 500, { error: 'injected fault' });
    }
    if (req.method === 'GET' && req.url === '/api/exercises') return send(res, 200, { exercises: EXERCISES });
    if (req.method === 'POST' && req.url === '/api/logs') return send(res, 201, { id: ++writes, duplicate: false });
    return send(res, 404, { error: 'not found' });
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/api/health') return send(res, 200, { status: 'ok', version: 'stub' });
      if (req.url === '/api/admin/fault') {
        if (req.method === 'POST') fault = { ...fault, ...(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Partial<BackendFault>) };
        return send(res, 200, fault);
      }
      if (req.url === '/__stub/stats') return send(res, 200, { served, writes });
      if (fault.latencyMs > 0) setTimeout(() => business(req, res), fault.latencyMs);
      else business(req, res);
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

/** POST /api/admin/fault on the stub or on the reference backend (needs GRAVL admin enabled there). */
export async function setBackendFault(baseUrl: string, fault: Partial<BackendFault>, options: { signal?: AbortSignal } = {}): Promise<BackendFault> {
  const body = { latencyMs: fault.latencyMs ?? 0, errorRate: fault.errorRate ?? 0 };
  const res = await fetch(`${baseUrl}/api/admin/fault`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: options.signal ?? null,
  });
  if (!res.ok) throw new ToolFailedError('backend', `POST /api/admin/fault answered ${res.status}: ${await res.text()}`, { hint: 'is the admin endpoint enabled on the backend?' });
  return (await res.json()) as BackendFault;
}

export interface StartedStubBackend extends AsyncDisposable {
  readonly url: string;
  readonly pid: number;
  /** Sets the fault switch (omitted fields reset to 0, like the backend's endpoint). */
  setFault(fault: Partial<BackendFault>, options?: { signal?: AbortSignal }): Promise<BackendFault>;
  /** Business requests answered so far (tests wait on it instead of sleeping). */
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
    setFault: (fault, opts = {}) => setBackendFault(url, fault, opts),
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
