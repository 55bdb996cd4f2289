import { describe, expect, it } from 'vitest';
import { stackOptions } from './stack-options.ts';
import { TLS_EDGE, tlsEdge } from './tls-edge.manifest.ts';

const stack = stackOptions({
  images: { postgres: 'drillbook/postgres:15-a', backend: 'drillbook/gravl-backend:v2-b', alertmanager: 'drillbook/alertmanager:0.25-c' },
  db: { user: 'u', password: 'p', name: 'gravl' },
  jwtSecret: 'j',
});
const edge = (cert: string) => tlsEdge(stack, { host: 'gravl.example.test', cert, key: 'KEY', nodePort: 30443, image: 'drillbook/gravl-frontend:v1-d' });
const templateAnnotations = (objects: ReturnType<typeof edge>) => {
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === TLS_EDGE)!;
  return (deployment.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations ?? {};
};

describe('TLS edge manifests', () => {
  it('roll the edge when applied with another certificate (nginx reads it at start), not when applied again with the same', () => {
    const a = templateAnnotations(edge('CERT-A'))['drillbook.io/tls-cert-sha256'];
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(templateAnnotations(edge('CERT-A'))['drillbook.io/tls-cert-sha256']).toBe(a);
    expect(templateAnnotations(edge('CERT-B'))['drillbook.io/tls-cert-sha256']).not.toBe(a);
  });
});
