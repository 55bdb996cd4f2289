import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { collectSnapshot, credentialFrom, describeListError, secretWrittenAt, toSecretMeta, toTlsFact } from './collect.ts';
import { evaluateReadiness } from './readiness.ts';

// A self-signed test certificate (no key): CN=gravl.example.com, valid until 2036-11-20T18:13:43Z.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBjDCCATOgAwIBAgIUK28Z1e6BKJo1gvjX/xiRdmxr7l4wCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRZ3JhdmwuZXhhbXBsZS5jb20wHhcNMjYxMTIzMTgxMzQzWhcN
MzYxMTIwMTgxMzQzWjAcMRowGAYDVQQDDBFncmF2bC5leGFtcGxlLmNvbTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABMPiZJRWWrs9+4FicIEClj++djFbpmlezSOT
Jl2VtEx2wTrNfyXnBBo9TX+u4JDo3kUIpnU1bGic9wki0CCyxbijUzBRMB0GA1Ud
DgQWBBTBGN5lPng7agembgzq5HL/23cp7zAfBgNVHSMEGDAWgBTBGN5lPng7agem
bgzq5HL/23cp7zAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIHHG
m2xguELpkov8yVZTREYQvwSFV8P5SsbyTVhDA0qdAiA0fWWBiLVkynKu0p7abCcg
zCCH8GmACPu4fGd/zNG7+w==
-----END CERTIFICATE-----
`;
// A leaf issued by a separate CA (CN=drillbook drill CA, the kind signoff's case): not self-signed.
const CA_ISSUED = `-----BEGIN CERTIFICATE-----
MIIBNDCB2gIUJxPFtHVDgjVsF967YbtBvwilLV0wCgYIKoZIzj0EAwIwHTEbMBkG
A1UEAwwSZHJpbGxib29rIGRyaWxsIENBMB4XDTI2MTIwNDE2MzE0MloXDTM2MTIw
MTE2MzE0MlowHDEaMBgGA1UEAwwRZ3JhdmwuZXhhbXBsZS5jb20wWTATBgcqhkjO
PQIBBggqhkjOPQMBBwNCAAQRF3kREAhaJ6ZpCUwai7cCgjHzDRZSdA5383hPeqNR
rSsYRVROAdHgXu+PpZbMdElVknop6zOUz+/+heBvTSFrMAoGCCqGSM49BAMCA0kA
MEYCIQDw+ZAEy9klgzNBy9ypL3iw69JMqY76vZdPvZzcMqlgTgIhAIV85g5DoVCh
INBf+L+3RplSd9sB3Ds2HB2GMuhiYGQM
-----END CERTIFICATE-----
`;
// Names a CA as issuer (CN=Trusted Looking CA) but is signed by its own key: self-signed whatever the names say.
const SELF_SIGNED_OTHER_NAME = `-----BEGIN CERTIFICATE-----
MIIBMzCB2gIUdJnjcTz76VWUEdNXF//u8ZWGw7cwCgYIKoZIzj0EAwIwHTEbMBkG
A1UEAwwSVHJ1c3RlZCBMb29raW5nIENBMB4XDTI2MTIwNDE2MzE0OVoXDTM2MTIw
MTE2MzE0OVowHDEaMBgGA1UEAwwRZ3JhdmwuZXhhbXBsZS5jb20wWTATBgcqhkjO
PQIBBggqhkjOPQMBBwNCAAQRF3kREAhaJ6ZpCUwai7cCgjHzDRZSdA5383hPeqNR
rSsYRVROAdHgXu+PpZbMdElVknop6zOUz+/+heBvTSFrMAoGCCqGSM49BAMCA0gA
MEUCIQD2InyV1FAicpEUovyHkC0NbtFQB315L+m1OjxVqqQdsgIgaTGgcAnmxDij
wBRz4Em081CRQN0CpjkXHjo4mcz+MiA=
-----END CERTIFICATE-----
`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const PASSWORD = 'k9Qz2Lm7Xv4Tp8Rw1Ns6Jd3Hf5Gb0Cy2Ae';

describe('collector mapping', () => {
  it('reduces a Secret to names, keys and provenance, dropping every value', () => {
    const meta = toSecretMeta({
      metadata: { name: 'postgres-secret', namespace: 'gravl', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"data":{"POSTGRES_PASSWORD":"${b64(PASSWORD)}"}}` }, ownerReferences: [] },
      type: 'Opaque',
      data: { POSTGRES_PASSWORD: b64(PASSWORD), POSTGRES_USER: b64('gravl_user') },
    });
    expect(meta).toEqual({ name: 'postgres-secret', namespace: 'gravl', type: 'Opaque', keys: ['POSTGRES_PASSWORD', 'POSTGRES_USER'], ownerKinds: [], appliedFromManifest: true, labels: {} });
    expect(JSON.stringify(meta)).not.toContain(b64(PASSWORD));
  });

  it('reads a TLS secret certificate validity and self-signedness', () => {
    const fact = toTlsFact({ metadata: { name: 'gravl-tls', namespace: 'gravl' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(CERT), 'tls.key': b64('not a key') } });
    expect(fact).toEqual({ secret: 'gravl-tls', namespace: 'gravl', subject: 'CN=gravl.example.com', issuer: 'CN=gravl.example.com', notAfter: '2036-11-20T18:13:43.000Z', selfSigned: true });
    expect(toTlsFact({ metadata: { name: 'x' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('garbage') } })).toBeNull();
    expect(toTlsFact({ metadata: { name: 'x' }, type: 'Opaque', data: { 'tls.crt': b64(CERT) } })).toBeNull();
  });

  it('takes a credential only when asked for by reference', () => {
    const secrets = [{ metadata: { name: 'postgres-secret', namespace: 'gravl' }, data: { POSTGRES_PASSWORD: b64(PASSWORD) } }];
    expect(credentialFrom(secrets, { namespace: 'gravl', secret: 'postgres-secret', key: 'POSTGRES_PASSWORD', user: 'gravl_user' })).toEqual({ ref: 'gravl/postgres-secret#POSTGRES_PASSWORD', user: 'gravl_user', value: PASSWORD });
    expect(credentialFrom(secrets, { namespace: 'gravl', secret: 'postgres-secret', key: 'MISSING' })).toBeNull();
  });

  it('tells a CA-issued leaf from one signed by its own key under another issuer name', () => {
    const tls = (pem: string) => toTlsFact({ metadata: { name: 't', namespace: 'gravl' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(pem) } });
    expect(tls(CA_ISSUED)).toMatchObject({ subject: 'CN=gravl.example.com', issuer: 'CN=drillbook drill CA', selfSigned: false });
    expect(tls(SELF_SIGNED_OTHER_NAME)).toMatchObject({ subject: 'CN=gravl.example.com', issuer: 'CN=Trusted Looking CA', selfSigned: true });
  });

  it("dates a Secret's data by the newest managedFields write of f:data, else its creationTimestamp", () => {
    const secret = {
      metadata: {
        name: 'postgres-secret',
        namespace: 'gravl',
        creationTimestamp: new Date('2026-01-01T00:00:00Z'),
        managedFields: [
          { manager: 'kubectl-client-side-apply', operation: 'Update', time: new Date('2026-01-01T00:00:00Z'), fieldsV1: { 'f:data': { 'f:POSTGRES_PASSWORD': {} } } },
          { manager: 'rotate-db-password', operation: 'Update', time: new Date('2026-02-20T10:00:00Z'), fieldsV1: { 'f:data': { 'f:POSTGRES_PASSWORD': {} } } },
          { manager: 'kubectl-label', operation: 'Update', time: new Date('2026-03-01T00:00:00Z'), fieldsV1: { 'f:metadata': { 'f:labels': {} } } },
        ],
      },
      data: { POSTGRES_PASSWORD: b64(PASSWORD) },
    };
    // The label edit on 03-01 is not a write of the password.
    expect(secretWrittenAt(secret)).toEqual({ at: '2026-02-20T10:00:00.000Z', source: 'managedFields: rotate-db-password Update of the data' });
    expect(secretWrittenAt({ metadata: { creationTimestamp: new Date('2026-01-01T00:00:00Z') } })).toEqual({ at: '2026-01-01T00:00:00.000Z', source: 'creationTimestamp (no managedFields entry for the data)' });
    expect(secretWrittenAt({ metadata: {} })).toBeNull();
    expect(credentialFrom([secret], { namespace: 'gravl', secret: 'postgres-secret', key: 'POSTGRES_PASSWORD' })).toMatchObject({ writtenAt: '2026-02-20T10:00:00.000Z' });
  });

  it('describes a list failure in one line with its HTTP status and the API message', () => {
    const forbidden = Object.assign(new Error('HTTP-Code: 403\nMessage: ...'), { code: 403, body: JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'clusterrolebindings is forbidden: User "drill" cannot list resource' }) });
    expect(describeListError(forbidden)).toBe('HTTP 403 Forbidden: clusterrolebindings is forbidden: User "drill" cannot list resource');
    expect(describeListError(Object.assign(new Error('x'), { code: 404, body: '' }))).toBe('HTTP 404 NotFound');
    expect(describeListError(new Error('connect ECONNREFUSED 127.0.0.1:6443\nmore'))).toBe('connect ECONNREFUSED 127.0.0.1:6443');
  });
});

describe('collectSnapshot against an API server that refuses some lists', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  /** A loopback API server: 403 on the paths in `forbidden`, an empty list elsewhere, one Ready node. */
  async function fakeApi(forbidden: readonly string[]): Promise<KubeConfig> {
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0]!;
      res.setHeader('content-type', 'application/json');
      if (forbidden.includes(path)) {
        res.statusCode = 403;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: `${path} is forbidden: User "drill" cannot list it` }));
        return;
      }
      const items = path === '/api/v1/nodes' ? [{ metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }] : path === '/api/v1/namespaces' ? [{ metadata: { name: 'gravl' } }] : [];
      res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: {}, items }));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'drill', token: 't' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'drill' }],
      currentContext: 'fake',
    });
    return kc;
  }

  it('records a 403 on ClusterRoleBindings as unreadable (with why), not as an empty list, and rbac is not PASS', async () => {
    const kubeConfig = await fakeApi(['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings']);
    const { snapshot } = await collectSnapshot({ appNamespace: 'gravl', kubeConfig });
    expect(snapshot.unreadable).toEqual({ clusterRoleBindings: expect.stringMatching(/^HTTP 403 Forbidden: .*clusterrolebindings is forbidden/) });
    const rbac = evaluateReadiness(snapshot).find((r) => r.id === 'rbac-least-privilege')!;
    expect(rbac.status).toBe('PENDING');
    expect(rbac.action).toMatch(/kubectl auth can-i list clusterrolebindings/);
  });

  it('a Secrets list refused makes certificates and the asked-for credential unreadable too', async () => {
    const kubeConfig = await fakeApi(['/api/v1/namespaces/gravl/secrets']);
    const { snapshot, secrets } = await collectSnapshot({ appNamespace: 'gravl', kubeConfig, credentialRefs: [{ namespace: 'gravl', secret: 'postgres-secret', key: 'POSTGRES_PASSWORD' }] });
    expect(Object.keys(snapshot.unreadable).sort()).toEqual(['credentials', 'secrets', 'tlsCertificates']);
    expect(secrets).toEqual([]);
    const byId = Object.fromEntries(evaluateReadiness(snapshot).map((r) => [r.id, r.status]));
    expect(byId).toMatchObject({ tls: 'PENDING', 'secrets-management': 'PENDING', 'db-credentials': 'PENDING' });
  });

  it('a TLS secret whose certificate does not parse makes the certificates unreadable, and tls not PASS', async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0]!;
      res.setHeader('content-type', 'application/json');
      const items =
        path === '/api/v1/nodes'
          ? [{ metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }]
          : path === '/api/v1/namespaces/gravl/secrets'
            ? [{ metadata: { name: 'staging-tls', namespace: 'gravl' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('not a certificate'), 'tls.key': b64('k') } }]
            : [];
      res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: {}, items }));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'drill', token: 't' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'drill' }],
      currentContext: 'fake',
    });
    const { snapshot } = await collectSnapshot({ appNamespace: 'gravl', kubeConfig });
    expect(snapshot.unreadable).toEqual({ tlsCertificates: 'gravl/staging-tls: tls.crt holds no parsable PEM certificate' });
    expect(evaluateReadiness(snapshot).find((r) => r.id === 'tls')!.status).toBe('PENDING');
  });

  it('a credential ref that names no Secret is unreadable with the ref, not silently skipped', async () => {
    const kubeConfig = await fakeApi([]);
    const { snapshot } = await collectSnapshot({ appNamespace: 'gravl', kubeConfig, credentialRefs: [{ namespace: 'gravl', secret: 'postgres-secret', key: 'POSTGRES_PASSWORD' }] });
    expect(snapshot.unreadable.credentials).toMatch(/gravl\/postgres-secret#POSTGRES_PASSWORD: no such Secret/);
  });
});
