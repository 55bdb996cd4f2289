import { describe, expect, it } from 'vitest';
import { checks } from '../doctor/doctor.ts';
import { k6OperatorCheck } from './k6-operator.doctor.ts';

const tag = async (name: string) => `drillbook/${name}:x-00000000`;

describe('k6-operator doctor check', () => {
  it('is registered with drillbook doctor', () => {
    expect(checks.map((c) => c.name)).toContain('k6-operator');
  });

  it('names what is missing and the command that builds it', async () => {
    const line = await k6OperatorCheck({ cached: () => undefined, exists: async () => false, tag }).run();
    expect(line.ok).toBe(false);
    expect(line.detail).toMatch(/controller build .*k6-operator\/1\.6\.0.*image drillbook\/k6-operator:x-00000000, image drillbook\/k6-runner:x-00000000/);
    expect(line.fix).toMatch(/DRILLBOOK_IMAGES="k6-operator k6-runner" bash tools\/setup\/20-images\.sh/);
  });

  it('is fine when the build and both images are there', async () => {
    const line = await k6OperatorCheck({ cached: () => ({ dir: '/c/k6-operator/1.6.0', manager: '/c/m', crds: ['a', 'b'] }), exists: async () => true, tag }).run();
    expect(line).toMatchObject({ ok: true, detail: expect.stringMatching(/^k6-operator v1\.6\.0 /) });
  });
});
