// A Service of a cluster drillbook does not own, reached from loopback: an HTTP server on 127.0.0.1 (a port the OS
// picks) that sends each request through the API server's service proxy with the kubeconfig's credentials. Nothing
// is published on the cluster's side (no NodePort, no LoadBalancer) and every request goes to the Service, so it
// follows the Service's endpoints while pods are killed and replaced (a port-forward is pinned to one pod and dies
// with it). Closed on dispose. k6 and the data probe get a plain loopback URL, as on a kind cluster.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { KubeApi, ProxyRequest, ServiceRef } from './kube-api.ts';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** Request headers worth passing on (the API server sets its own for the rest). */
const FORWARDED = ['content-type', 'accept'];
/** A request that takes longer than this answers 504 (the caller's own timeout is usually shorter). */
const REQUEST_TIMEOUT_MS = 30_000;

export interface StartedLoopbackRelay extends AsyncDisposable {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly service: ServiceRef;
}

export async function startLoopbackRelay(api: KubeApi, service: ServiceRef): Promise<StartedLoopbackRelay> {
  const inFlight = new Set<AbortController>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (!METHODS.has(method)) {
      res.writeHead(405).end(`method ${method} is not relayed`);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(FORWARDED.flatMap((h) => (typeof req.headers[h] === 'string' ? [[h, req.headers[h] as string]] : [])));
    const request: ProxyRequest = { method: method as NonNullable<ProxyRequest['method']>, headers, ...(chunks.length ? { body: Buffer.concat(chunks).toString('utf8') } : {}) };
    const controller = new AbortController();
    inFlight.add(controller);
    try {
      const answer = await api.proxy(service, req.url ?? '/', request, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) });
      res.writeHead(answer.status, looksLikeJson(answer.body) ? { 'content-type': 'application/json' } : {}).end(answer.body);
    } catch (error) {
      // the transport failed (the API server unreachable): the caller sees a gateway error, as through a proxy
      if (!res.headersSent) res.writeHead(502).end(`relay to ${service.namespace}/${service.name}:${service.port}: ${(error as Error).message}`);
    } finally {
      inFlight.delete(controller);
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    service,
    [Symbol.asyncDispose]: () =>
      (closed ??= new Promise<void>((resolve) => {
        for (const c of inFlight) c.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/** The service proxy does not hand back the upstream's headers: JSON bodies are labelled as such again. */
function looksLikeJson(body: string): boolean {
  const first = body.trimStart()[0];
  return first === '{' || first === '[';
}
