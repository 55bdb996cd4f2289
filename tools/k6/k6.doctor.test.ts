import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { k6Doctor } from './k6.doctor.ts';

describe('k6Doctor', () => {
  it('says how to build k6 when it is missing', async () => {
    const line = await k6Doctor({ path: '/nonexistent/k6' });
    expect(line).toMatchObject({ name: 'k6', ok: false });
    expect(line.hint).toMatch(/tools\/setup\/30-k6\.sh/);
  });

  it('reports the version a binary prints, and flags one that is not the pinned release', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drillbook-k6-doctor-'));
    const fake = join(dir, 'k6');
    await writeFile(fake, '#!/bin/sh\necho "k6 v0.99.0 (fake)"\n');
    await chmod(fake, 0o755);
    const line = await k6Doctor({ path: fake });
    expect(line.ok).toBe(false);
    expect(line.detail).toMatch(/^k6 v0\.99\.0 \(fake\) at /);
    expect(line.hint).toMatch(/expected v1\.8\.1/);
  });
});
