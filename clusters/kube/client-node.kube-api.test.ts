import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { KubeConfig, loadYaml, type KubernetesObject } from '@kubernetes/client-node';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ClientNodeKubeApi, collectionPath, pluralOf, toWire } from './client-node.kube-api.ts';

describe('client-node adapter', () => {
  it('keeps NetworkPolicy peers through the typed serializer (a plain object loses `from`)', () => {
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'n' },
      spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { a: 'b' } } }] }] },
    };
    const typed = loadYaml<KubernetesObject>(JSON.stringify(policy));
    const wire = ObjectSerializer.serialize(typed, 'V1NetworkPolicy') as typeof policy;
    expect(wire.spec.ingress[0]?.from).toEqual([{ podSelector: { matchLabels: { a: 'b' } } }]);
  });

  it('turns what it reads back into the API’s JSON, so a saved NetworkPolicy re-applies with its peers', () => {
    const typed = loadYaml<KubernetesObject>(
      JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'p', namespace: 'n', creationTimestamp: '2026-12-01T20:00:00Z' },
        spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { a: 'b' } } }] }] },
      }),
    );
    expect(JSON.stringify(typed)).toContain('"_from"'); // what client-node hands back
    const wire = toWire(typed, 'networking.k8s.io/v1', 'NetworkPolicy') as unknown as { metadata: { creationTimestamp: unknown }; spec: { ingress: { from: unknown }[] } };
    expect(wire.spec.ingress[0]!.from).toEqual([{ podSelector: { matchLabels: { a: 'b' } } }]);
    expect(JSON.stringify(wire)).not.toContain('_from');
    expect(typeof wire.metadata.creationTimestamp).toBe('string');
  });

  it('builds collection paths for core and grouped kinds', () => {
    expect(pluralOf('NetworkPolicy')).toBe('networkpolicies');
    expect(pluralOf('Ingress')).toBe('ingresses');
    expect(pluralOf('PodChaos')).toBe('podchaos');
    expect(pluralOf('NetworkChaos')).toBe('networkchaos');
    expect(collectionPath({ apiVersion: 'v1', kind: 'Pod', namespace: 'x' })).toBe('/api/v1/namespaces/x/pods');
    expect(collectionPath({ apiVersion: 'apps/v1', kind: 'Deployment' })).toBe('/apis/apps/v1/deployments');
  });
});

describe('service proxy', () => {
  it('sends method, body and the kubeconfig credentials to services/NAME:PORT/proxy/PATH and returns any status', async () => {
    const seen: { method?: string; url?: string; auth?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
        res.writeHead(req.method === 'POST' ? 400 : 200).end(`answer ${seen.length}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
        users: [{ name: 'u', token: 'tok-1' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      const api = new ClientNodeKubeApi(kc);
      const service = { namespace: 'gravl-monitoring', name: 'alertmanager', port: 9093 };
      expect(await api.proxy(service, '/api/v2/status')).toEqual({ status: 200, body: 'answer 1' });
      expect(await api.proxy(service, 'api/v2/alerts', { method: 'POST', body: '[{"labels":{}}]', headers: { 'content-type': 'application/json' } })).toEqual({ status: 400, body: 'answer 2' });
      expect(seen).toEqual([
        { method: 'GET', url: '/api/v1/namespaces/gravl-monitoring/services/alertmanager:9093/proxy/api/v2/status', auth: 'Bearer tok-1', body: '' },
        { method: 'POST', url: '/api/v1/namespaces/gravl-monitoring/services/alertmanager:9093/proxy/api/v2/alerts', auth: 'Bearer tok-1', body: '[{"labels":{}}]' },
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
