import { describe, expect, it } from 'vitest';
import { FakeKubeApi } from './testing/fake-kube-api.ts';
import { startLoopbackRelay } from './loopback-service.relay.ts';

describe('startLoopbackRelay', () => {
  it('listens on 127.0.0.1 only and relays method, path, query and body through the service proxy', async () => {
    const api = new FakeKubeApi();
    api.onProxy = (service, path, request) => ({ status: request.method === 'POST' ? 201 : 200, body: JSON.stringify({ service: service.name, path, body: request.body ?? null }) });
    await using relay = await startLoopbackRelay(api, { namespace: 'gravl-staging', name: 'backend', port: 3000 });
    expect(relay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const got = await fetch(`${relay.url}/api/logs?clientId=a`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/json');
    expect(await got.json()).toEqual({ service: 'backend', path: '/api/logs?clientId=a', body: null });
    const posted = await fetch(`${relay.url}/api/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"seq":1}' });
    expect(posted.status).toBe(201);
    expect(await posted.json()).toMatchObject({ body: '{"seq":1}' });
    expect(api.proxied.map((p) => [p.service.namespace, p.request.method, p.request.headers])).toEqual([
      ['gravl-staging', 'GET', { accept: '*/*' }],
      ['gravl-staging', 'POST', { accept: '*/*', 'content-type': 'application/json' }],
    ]);
  });

  it('passes a Service without endpoints through as its 503, and is closed on dispose', async () => {
    const api = new FakeKubeApi();
    const relay = await startLoopbackRelay(api, { namespace: 'ns', name: 'backend', port: 3000 });
    expect((await fetch(`${relay.url}/api/ready`)).status).toBe(503);
    await relay[Symbol.asyncDispose]();
    await relay[Symbol.asyncDispose](); // twice is fine
    await expect(fetch(`${relay.url}/api/ready`)).rejects.toThrow();
  });
});
