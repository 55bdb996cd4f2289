// A stand-in backend for scenario unit tests whose probes do real HTTP: every request answers 200 '{}', on a free
// port of 127.0.0.1. Registers its own beforeAll/afterAll; `url()` is valid inside the tests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

export function loopbackBackend(): { url: () => string } {
  let server: Server | undefined;
  let url = '';
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200).end('{}'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  return { url: () => url };
}
