import { describe, expect, it } from 'vitest';
import { credentialFrom, toSecretMeta, toTlsFact } from './collect.ts';

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
    expect(fact).toEqual({ secret: 'gravl-tls', namespace: 'gravl', subject: 'CN=gravl.example.com', notAfter: '2036-11-20T18:13:43.000Z', selfSigned: true });
    expect(toTlsFact({ metadata: { name: 'x' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('garbage') } })).toBeNull();
    expect(toTlsFact({ metadata: { name: 'x' }, type: 'Opaque', data: { 'tls.crt': b64(CERT) } })).toBeNull();
  });

  it('takes a credential only when asked for by reference', () => {
    const secrets = [{ metadata: { name: 'postgres-secret', namespace: 'gravl' }, data: { POSTGRES_PASSWORD: b64(PASSWORD) } }];
    expect(credentialFrom(secrets, { namespace: 'gravl', secret: 'postgres-secret', key: 'POSTGRES_PASSWORD', user: 'gravl_user' })).toEqual({ ref: 'gravl/postgres-secret#POSTGRES_PASSWORD', user: 'gravl_user', value: PASSWORD });
    expect(credentialFrom(secrets, { namespace: 'gravl', secret: 'postgres-secret', key: 'MISSING' })).toBeNull();
  });
});
