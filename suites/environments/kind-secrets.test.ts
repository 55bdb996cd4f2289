// adoptSecrets behind the kube fake: a fake kubeseal (records what it is given) and a fake controller that takes a
// Secret over only as the real one does (the existing Secret annotated managed=true), replacing its annotations.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { KubeClient } from '../../clusters/kube/kube-client.ts';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { ADOPT_FIELD_MANAGER, adoptSecrets, LAST_APPLIED_ANNOTATION, MANAGED_ANNOTATION, parseSealed, type Sealer } from './kind-secrets.ts';

const NS = 'gravl';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const PASSWORD = 'correct-horse-battery';

type Secret = KubeObject & { data?: Record<string, string>; type?: string };

function plainSecret(name: string, data: Record<string, string>): Secret {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)]));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: NS,
      labels: { app: 'gravl' },
      annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify({ data: encoded }), 'team/owner': 'db' },
      resourceVersion: '7',
      uid: `uid-${name}`,
    },
    type: 'Opaque',
    data: encoded,
  };
}

/** kubeseal's shape: encryptedData per key, the input's metadata as the template's. */
function fakeSealer(calls: Secret[], events: string[]): Sealer {
  return {
    async seal(json) {
      const input = JSON.parse(json) as Secret;
      calls.push(input);
      events.push('seal');
      const encryptedData = Object.fromEntries(Object.keys(input.data ?? {}).map((k) => [k, `AgB${Buffer.from(`sealed:${k}`).toString('hex')}`]));
      return JSON.stringify({
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata: { name: input.metadata.name, namespace: input.metadata.namespace },
        spec: { encryptedData, template: { metadata: input.metadata, type: input.type } },
      });
    },
  };
}

/** The controller's takeover (pkg/controller/controller.go): only a Secret annotated managed=true is overwritten. */
function fakeController(api: FakeKubeApi, opts: { unsealable?: boolean } = {}) {
  api.onApply = (o) => {
    if (o.kind !== 'SealedSecret') return;
    const ref = { apiVersion: 'v1', kind: 'Secret', namespace: o.metadata.namespace!, name: o.metadata.name };
    void api.read(ref).then((secret) => {
      const status = (message?: string) => api.set({ ...o, status: { conditions: [{ type: 'Synced', status: message ? 'False' : 'True', ...(message ? { message } : {}) }] } });
      if (opts.unsealable) return status('no key could decrypt secret (password)');
      if (!secret || secret.metadata.annotations?.[MANAGED_ANNOTATION] !== 'true') return status(`Resource "${o.metadata.name}" already exists and is not managed by SealedSecret`);
      const template = (o.spec as { template: { metadata: KubeObject['metadata'] } }).template;
      api.set({ ...secret, metadata: { ...template.metadata, uid: secret.metadata.uid, ownerReferences: [{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: o.metadata.name, controller: true }] } });
      status();
    });
  };
}

function setup(secrets: Secret[], controller: { unsealable?: boolean } = {}) {
  const api = new FakeKubeApi();
  for (const s of secrets) api.set(s);
  fakeController(api, controller);
  const calls: Secret[] = [];
  const events: string[] = [];
  const client = new KubeClient(api, { labels: { [LABELS.runId]: 'r1' } });
  return { api, calls, events, deps: { client, sealer: fakeSealer(calls, events), certificate: CERT } };
}

const stored = (api: FakeKubeApi, name: string) => api.objects.get(`v1/Secret/${NS}/${name}`) as Secret;

describe('adoptSecrets', () => {
  it('seals each Secret, annotates it managed, applies the SealedSecret and waits until the controller owns it', async () => {
    const { api, calls, deps } = setup([plainSecret('db-credentials', { username: 'gravl', password: PASSWORD }), plainSecret('api-token', { token: 'tok-123456789' })]);
    const before = stored(api, 'db-credentials').data;
    const adopted = await adoptSecrets(deps, NS, ['db-credentials', 'api-token'], { timeoutMs: 2_000 });
    expect(adopted).toEqual([
      { namespace: NS, name: 'db-credentials', keys: ['password', 'username'], changed: true },
      { namespace: NS, name: 'api-token', keys: ['token'], changed: true },
    ]);
    const secret = stored(api, 'db-credentials');
    expect((secret.metadata as { ownerReferences?: unknown[] }).ownerReferences).toEqual([expect.objectContaining({ kind: 'SealedSecret', name: 'db-credentials' })]);
    expect(secret.data).toEqual(before);
    expect(secret.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBeUndefined();
    expect(secret.metadata.annotations?.['team/owner']).toBe('db');
    // what kubeseal was given: the manifest without server fields, the plaintext annotation or the takeover flag
    expect(calls[0]).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-credentials', namespace: NS, labels: { app: 'gravl' }, annotations: { 'team/owner': 'db' } }, type: 'Opaque', data: before });
  });

  it("annotates the existing Secret with its own field manager before the SealedSecret, which carries drillbook's labels", async () => {
    const { api, deps } = setup([plainSecret('db-credentials', { password: PASSWORD })]);
    await adoptSecrets(deps, NS, ['db-credentials'], { timeoutMs: 2_000 });
    const kinds = api.applied.map((o, i) => `${o.kind}:${api.managers[i]}`);
    expect(kinds).toEqual([`Secret:${ADOPT_FIELD_MANAGER}`, 'SealedSecret:drillbook']);
    expect(api.applied[0]).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-credentials', namespace: NS, annotations: { [MANAGED_ANNOTATION]: 'true' } } });
    expect(api.applied[1]!.metadata.labels).toMatchObject({ [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: 'r1' });
    expect(JSON.stringify(api.applied)).not.toContain(PASSWORD);
    expect(JSON.stringify(api.applied)).not.toContain(b64(PASSWORD));
  });

  it('registers every secret value (plain and base64) with the redactor before sealing; a user name is an identifier, not a secret', async () => {
    const { deps, events } = setup([plainSecret('db-credentials', { username: 'gravl', password: PASSWORD })]);
    await adoptSecrets(deps, NS, ['db-credentials'], { timeoutMs: 2_000, secret: (v) => events.push(`secret:${v}`) });
    expect(events.indexOf('seal')).toBeGreaterThan(-1);
    const registered = events.slice(0, events.indexOf('seal'));
    expect(registered).toEqual(expect.arrayContaining([`secret:${PASSWORD}`, `secret:${b64(PASSWORD)}`]));
    // registering 'gravl' blanked the namespace gravl-signoff in the sign-off's evidence ("[REDACTED]-signoff")
    expect(events).not.toContain('secret:gravl');
  });

  it('leaves a Secret its SealedSecret already owns alone', async () => {
    const owned = plainSecret('db-credentials', { password: PASSWORD });
    owned.metadata.annotations = {};
    owned.metadata.ownerReferences = [{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: 'db-credentials', controller: true }];
    const { api, calls, deps } = setup([owned]);
    expect(await adoptSecrets(deps, NS, ['db-credentials'])).toEqual([{ namespace: NS, name: 'db-credentials', keys: ['password'], changed: false }]);
    expect(calls).toHaveLength(0);
    expect(api.applied).toHaveLength(0);
  });

  it('refuses bad names, missing and empty Secrets, and a certificate that is not PEM, before changing anything', async () => {
    const empty = plainSecret('empty', {});
    const { api, calls, deps } = setup([plainSecret('db-credentials', { password: PASSWORD }), empty]);
    await expect(adoptSecrets(deps, NS, ['db-credentials', 'missing', 'empty'])).rejects.toThrow(/Secret gravl\/missing does not exist[\s\S]*Secret gravl\/empty has no data/);
    await expect(adoptSecrets(deps, NS, ['Bad_Name'])).rejects.toThrow(/"Bad_Name" is not a Secret name/);
    await expect(adoptSecrets(deps, NS, [])).rejects.toThrow(/no Secret names given/);
    await expect(adoptSecrets({ ...deps, certificate: 'nope' }, NS, ['db-credentials'])).rejects.toThrow(/not a PEM certificate/);
    expect(calls).toHaveLength(0);
    expect(api.applied).toHaveLength(0);
  });

  it("says what the controller said when it does not take the Secret over", async () => {
    const { deps } = setup([plainSecret('db-credentials', { password: PASSWORD })], { unsealable: true });
    const error = await adoptSecrets(deps, NS, ['db-credentials'], { timeoutMs: 300 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/not taken over by its SealedSecret: the controller says: no key could decrypt secret/);
    expect((error as { hint?: string }).hint).toMatch(/describe sealedsecret db-credentials/);
    expect((error as Error).message).not.toContain(PASSWORD);
  });
});

describe("kubeseal's output", () => {
  const secret = plainSecret('db-credentials', { username: 'gravl', password: PASSWORD });
  const output = (encryptedData: Record<string, string>, template: Record<string, unknown> = { metadata: { name: 'db-credentials', namespace: NS, labels: { app: 'gravl' } } }) =>
    JSON.stringify({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'db-credentials', namespace: NS }, spec: { encryptedData, template } });

  it('is accepted when a short value equals a label value of the metadata (not a leak)', () => {
    expect(parseSealed(output({ username: 'AgBxx1', password: 'AgBxx2' }), secret).kind).toBe('SealedSecret');
  });

  it('is refused with a value in clear, a key missing, or data in the template', () => {
    expect(() => parseSealed(output({ username: 'AgBxx1', password: b64(PASSWORD) }), secret)).toThrow(/holds the value of password in clear/);
    expect(() => parseSealed(output({ username: 'gravl', password: 'AgBxx2' }), secret)).toThrow(/holds the value of username in clear/);
    expect(() => parseSealed(output({ password: 'AgBxx2' }), secret)).toThrow(/not a SealedSecret with encryptedData for \[password,username\]/);
    expect(() => parseSealed(output({ username: 'AgBxx1', password: 'AgBxx2' }, { data: { x: 'y' } }), secret)).toThrow(/holds data in clear/);
    expect(() => parseSealed('not json', secret)).toThrow(/is not JSON/);
  });
});
