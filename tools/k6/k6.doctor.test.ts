import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checks } from '../doctor/doctor.ts';
import { k6Check } from './k6.doctor.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fakeK6(output: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'drillbook-k6-doctor-'));
  dirs.push(dir);
  const path = join(dir, 'k6');
  await writeFile(path, `#!/bin/sh\necho "${output}"\n`);
  await chmod(path, 0o755);
  return path;
}

describe('k6 doctor check', () => {
  it('is registered with drillbook doctor', () => {
    expect(checks.map((c) => c.name)).toContain('k6');
  });

  it('says how to build k6 when it is missing', async () => {
    const line = await k6Check('/nonexistent/bin/k6').run();
    expect(line).toMatchObject({ ok: false, detail: 'not built (expected /nonexistent/bin/k6)' });
    expect(line.fix).toMatch(/tools\/setup\/30-k6\.sh/);
  });

  it('reports the version the binary prints, and flags one that is not the pinned release', async () => {
    expect(await k6Check(await fakeK6('k6 v1.8.1 (go1.26.8, linux/amd64)')).run()).toMatchObject({ ok: true, detail: expect.stringMatching(/^k6 v1\.8\.1 /) });
    const old = await k6Check(await fakeK6('k6 v0.99.0 (fake)')).run();
    expect(old.ok).toBe(false);
    expect(old.detail).toMatch(/expected v1\.8\.1/);
  });
});
