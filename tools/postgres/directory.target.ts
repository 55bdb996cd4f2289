// Backup target: a directory on the local filesystem (or a mounted volume).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { CallOptions } from '../../scenarios/ports.ts';
import { checkKey, type BackupTarget, type StoredObject } from './backup-target.ts';
import { BackupIntegrityError } from './postgres.errors.ts';

export class DirectoryTarget implements BackupTarget {
  readonly root: string;
  readonly description: string;

  constructor(root: string) {
    this.root = root;
    this.description = `dir:${root}`;
  }

  private path(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, localPath: string, options: CallOptions = {}): Promise<StoredObject> {
    const dest = this.path(key);
    await mkdir(dirname(dest), { recursive: true });
    const partial = `${dest}.partial`;
    // copy then rename: a reader never sees a half-written backup under its final name
    await pipeline(createReadStream(localPath), createWriteStream(partial), { signal: options.signal });
    await rename(partial, dest);
    return { key, sizeBytes: (await stat(dest)).size };
  }

  async putText(key: string, text: string, options: CallOptions = {}): Promise<StoredObject> {
    const dest = this.path(key);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(`${dest}.partial`, text, { signal: options.signal });
    await rename(`${dest}.partial`, dest);
    return { key, sizeBytes: Buffer.byteLength(text) };
  }

  async get(key: string, localPath: string, options: CallOptions = {}): Promise<StoredObject> {
    const src = this.path(key);
    const info = await stat(src).catch(() => null);
    if (!info) throw new BackupIntegrityError(key, [`no such object in ${this.description}`]);
    await mkdir(dirname(localPath), { recursive: true });
    await pipeline(createReadStream(src), createWriteStream(localPath), { signal: options.signal });
    return { key, sizeBytes: info.size };
  }

  async getText(key: string, options: CallOptions = {}): Promise<string> {
    const src = this.path(key);
    try {
      return await readFile(src, { encoding: 'utf8', signal: options.signal });
    } catch (cause) {
      throw new BackupIntegrityError(key, [`cannot read it from ${this.description}: ${(cause as Error).message}`], { cause });
    }
  }

  async list(prefix: string, options: CallOptions = {}): Promise<StoredObject[]> {
    void options;
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch(() => []);
    const out: StoredObject[] = [];
    for (const e of entries) {
      if (!e.isFile() || e.name.endsWith('.partial')) continue;
      const full = join(e.parentPath, e.name);
      const key = relative(this.root, full).split(sep).join('/');
      if (!key.startsWith(prefix)) continue;
      out.push({ key, sizeBytes: (await stat(full)).size });
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(key: string, options: CallOptions = {}): Promise<void> {
    void options;
    await rm(this.path(key), { force: true });
  }
}
