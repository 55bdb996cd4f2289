// The real kubeseal built here (tools/images/sealed-secrets.prerequisite.ts) seals a Secret offline with a
// certificate made in the test: the output is a SealedSecret with encryptedData for every key, no value in clear,
// and each value opens with the test's private key under the strict scope's label (namespace/name), i.e. it was
// sealed for that certificate and that Secret only.
import { createDecipheriv, constants, privateDecrypt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSealedSecretsBuild, type SealedSecretsBuild } from '../../tools/images/sealed-secrets.prerequisite.ts';
import { run } from '../../tools/lib/exec.ts';
import { kubesealSealer, parseSealed } from './kind-secrets.ts';

const VALUES = { username: 'gravl', password: `pw-${Math.random().toString(36).slice(2)}-secret` };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db-credentials', namespace: 'gravl', labels: { app: 'gravl' } },
  type: 'Opaque',
  data: { username: b64(VALUES.username), password: b64(VALUES.password) },
};

/** sealed-secrets' hybrid format: u16 length, RSA-OAEP(sha256, label) of a 32-byte key, AES-256-GCM with a zero nonce. */
function open(sealed: string, privateKeyPem: string, label: string): string {
  const bytes = Buffer.from(sealed, 'base64');
  const rsaLength = bytes.readUInt16BE(0);
  const sessionKey = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) }, bytes.subarray(2, 2 + rsaLength));
  const body = bytes.subarray(2 + rsaLength);
  const decipher = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
}

let build: SealedSecretsBuild;
let dir: string;
let cert: string;
let key: string;

beforeAll(async () => {
  build = await ensureSealedSecretsBuild({ log: (l) => console.error(`[sealed-secrets] ${l}`) });
  dir = await mkdtemp(join(tmpdir(), 'drillbook-kubeseal-test-'));
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=drillbook-sealed-secrets-test', '-days', '1']);
  cert = await readFile(join(dir, 'cert.pem'), 'utf8');
  key = await readFile(join(dir, 'key.pem'), 'utf8');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kubeseal (built here) sealing offline with --cert', () => {
  it('is the pinned version', async () => {
    expect((await run(build.kubeseal, ['--version'])).stdout).toContain(build.version);
  });

  it('gives a SealedSecret with encryptedData for every key and no value in clear, sealed for that certificate and Secret', async () => {
    const output = await kubesealSealer(build.kubeseal).seal(JSON.stringify(secret), cert);
    for (const value of [...Object.values(VALUES).filter((v) => v !== 'gravl'), ...Object.values(secret.data)]) expect(output).not.toContain(value);
    const sealed = parseSealed(output, secret) as unknown as { metadata: { name: string; namespace: string }; spec: { encryptedData: Record<string, string>; template: { metadata: { labels: Record<string, string> } } } };
    expect(sealed.metadata).toMatchObject({ name: 'db-credentials', namespace: 'gravl' });
    expect(Object.keys(sealed.spec.encryptedData).sort()).toEqual(['password', 'username']);
    expect(sealed.spec.template.metadata.labels).toEqual({ app: 'gravl' });
    expect(open(sealed.spec.encryptedData.password!, key, 'gravl/db-credentials')).toBe(VALUES.password);
    expect(open(sealed.spec.encryptedData.username!, key, 'gravl/db-credentials')).toBe(VALUES.username);
    // strict scope: the label binds it to gravl/db-credentials; under another name it does not open
    expect(() => open(sealed.spec.encryptedData.password!, key, 'gravl/other')).toThrow();
  });

  it('refuses a certificate that is not one, in its own words and without the values', async () => {
    const error = await kubesealSealer(build.kubeseal).seal(JSON.stringify(secret), 'not a certificate\n').catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^kubeseal could not seal the Secret: .+/);
    expect((error as Error).message).not.toContain(VALUES.password);
    expect((error as Error).message).not.toContain(secret.data.password);
  });
});
