// Where backups live. The DR document keeps them in S3; drills also use a plain directory. Keys are
// '/'-separated relative paths ('logical/gravl-20260304T020000Z.dump'); each backup has a sibling
// '<key>.manifest.json'.
import { InvalidInputError } from '../../scenarios/errors.ts';
import type { CallOptions } from '../../scenarios/ports.ts';

export interface StoredObject {
  readonly key: string;
  readonly sizeBytes: number;
}

export interface BackupTarget {
  /** Human form for evidence: 'dir:/var/backups' or 's3://bucket/prefix'. */
  readonly description: string;
  put(key: string, localPath: string, options?: CallOptions): Promise<StoredObject>;
  putText(key: string, text: string, options?: CallOptions): Promise<StoredObject>;
  /** Downloads `key` to `localPath`; throws BackupIntegrityError when the object does not exist. */
  get(key: string, localPath: string, options?: CallOptions): Promise<StoredObject>;
  getText(key: string, options?: CallOptions): Promise<string>;
  /** Objects whose key starts with `prefix`, sorted by key. */
  list(prefix: string, options?: CallOptions): Promise<StoredObject[]>;
  delete(key: string, options?: CallOptions): Promise<void>;
}

export function manifestKeyFor(key: string): string {
  return `${key}.manifest.json`;
}

/** Keys are relative, '/'-separated, without '..' or empty segments. */
export function checkKey(key: string): string {
  const problems: string[] = [];
  if (key.length === 0 || key.length > 900) problems.push('a key must have 1..900 characters');
  if (key.startsWith('/')) problems.push('a key must be relative (no leading /)');
  if (key.split('/').some((part) => part === '..' || part === '.' || part === '')) problems.push("a key must not contain '.', '..' or empty segments");
  if (/[\0\\]/.test(key)) problems.push('a key must not contain NUL or backslash');
  if (problems.length > 0) throw new InvalidInputError(`backup key ${JSON.stringify(key)}`, problems);
  return key;
}
