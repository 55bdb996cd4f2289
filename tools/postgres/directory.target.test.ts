import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { manifestKeyFor } from './backup-target.ts';
import { DirectoryTarget } from './directory.target.ts';
import { BackupIntegrityError } from './postgres.errors.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drillbook-dirtarget-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DirectoryTarget', () => {
  it('puts, lists, gets and deletes objects by key', async () => {
    const target = new DirectoryTarget(join(dir, 'store'));
    const src = join(dir, 'a.dump');
    await writeFile(src, 'dump-bytes');
    expect(await target.put('logical/a.dump', src)).toEqual({ key: 'logical/a.dump', sizeBytes: 10 });
    await target.putText(manifestKeyFor('logical/a.dump'), '{"x":1}');
    expect((await target.list('logical/')).map((o) => o.key)).toEqual(['logical/a.dump', 'logical/a.dump.manifest.json']);
    expect(await target.list('other/')).toEqual([]);
    await target.get('logical/a.dump', join(dir, 'back.dump'));
    expect(await readFile(join(dir, 'back.dump'), 'utf8')).toBe('dump-bytes');
    expect(await target.getText('logical/a.dump.manifest.json')).toBe('{"x":1}');
    await target.delete('logical/a.dump');
    expect((await target.list('')).map((o) => o.key)).toEqual(['logical/a.dump.manifest.json']);
  });

  it('a missing object is an integrity error naming the key', async () => {
    const target = new DirectoryTarget(dir);
    await expect(target.get('logical/nope.dump', join(dir, 'x'))).rejects.toThrow(BackupIntegrityError);
    await expect(target.getText('logical/nope.dump.manifest.json')).rejects.toThrow(/nope\.dump\.manifest\.json/);
  });

  it('refuses keys that escape the directory', async () => {
    const target = new DirectoryTarget(dir);
    await expect(target.putText('../evil', 'x')).rejects.toThrow(InvalidInputError);
    await expect(target.putText('/abs', 'x')).rejects.toThrow(InvalidInputError);
    await expect(target.putText('a//b', 'x')).rejects.toThrow(InvalidInputError);
  });
});
