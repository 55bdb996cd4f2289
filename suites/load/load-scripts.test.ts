// The k6 scripts run inside k6, so the project typecheck excludes them (**/*.k6.ts); this typechecks them
// against @types/k6 with their own tsconfig (suites/load/tsconfig.json).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

describe('suites/load k6 scripts', () => {
  it('typecheck against @types/k6', async () => {
    const result = await execa(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { reject: false, cwd: root });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  }, 60_000);

  it('the same typecheck catches a wrong k6 API use', async () => {
    const dir = await mkdtemp(join(here, '.tsc-probe-'));
    try {
      await writeFile(join(dir, 'broken.k6.ts'), "import http from 'k6/http';\nhttp.get(42);\n");
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ extends: '../tsconfig.json', include: ['*.k6.ts'], compilerOptions: { typeRoots: [join(root, 'node_modules', '@types')] } }),
      );
      const result = await execa(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { reject: false, cwd: root });
      expect(result.exitCode).not.toBe(0);
      expect(result.stdout).toMatch(/broken\.k6\.ts/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
