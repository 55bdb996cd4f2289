import { describe, expect, it } from 'vitest';
import { checks } from './doctor.ts';
import { sealedSecretsCheck } from './sealed-secrets.doctor.ts';

const tag = async (name: string) => `drillbook/${name}:x-00000000`;

describe('sealed-secrets doctor check', () => {
  it('is registered with drillbook doctor', () => {
    expect(checks.map((c) => c.name)).toContain('sealed-secrets');
  });

  it('names what is missing and the command that builds it', async () => {
    const line = await sealedSecretsCheck({ cached: () => undefined, exists: async () => false, tag }).run();
    expect(line.ok).toBe(false);
    expect(line.detail).toMatch(/controller \+ kubeseal build \(.*sealed-secrets\/v0\.40\.0\), image drillbook\/sealed-secrets-controller:x-00000000/);
    expect(line.fix).toMatch(/DRILLBOOK_IMAGES="sealed-secrets-controller" bash tools\/setup\/20-images\.sh/);
  });

  it('is fine when the build and the image are there', async () => {
    const build = { dir: '/c/sealed-secrets/v0.40.0', version: 'v0.40.0', controller: '/c/controller', kubeseal: '/c/kubeseal', crd: '/c/crd.yaml' };
    const line = await sealedSecretsCheck({ cached: () => build, exists: async () => true, tag }).run();
    expect(line).toMatchObject({ ok: true, detail: expect.stringMatching(/^sealed-secrets v0\.40\.0 /) });
  });
});
