// Backup target: an S3-compatible bucket through the AWS SDK v3 (the DR document stores backups in S3).
// Works against AWS and against MinIO (forcePathStyle + endpoint).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { CallOptions } from '../../scenarios/ports.ts';
import { checkKey, type BackupTarget, type StoredObject } from './backup-target.ts';
import { BackupIntegrityError } from './postgres.errors.ts';

export interface S3TargetOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket, e.g. 'gravl/' */
  readonly prefix?: string;
  /** S3 client settings: region, endpoint, credentials, forcePathStyle... */
  readonly client: S3ClientConfig;
  /** Server-side encryption as in the DR document (AES256); leave undefined for servers without it. */
  readonly serverSideEncryption?: 'AES256';
}

function isNotFound(error: unknown): boolean {
  if (error instanceof NoSuchKey) return true;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

export class S3Target implements BackupTarget, Disposable {
  readonly description: string;
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly sse: 'AES256' | undefined;

  constructor(options: S3TargetOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.sse = options.serverSideEncryption;
    this.s3 = new S3Client(options.client);
    this.description = `s3://${this.bucket}/${this.prefix}`;
  }

  private k(key: string): string {
    return `${this.prefix}${checkKey(key)}`;
  }

  async put(key: string, localPath: string, options: CallOptions = {}): Promise<StoredObject> {
    const size = (await stat(localPath)).size;
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.k(key),
        Body: createReadStream(localPath),
        ContentLength: size,
        ServerSideEncryption: this.sse,
      }),
      { abortSignal: options.signal },
    );
    return { key, sizeBytes: size };
  }

  async putText(key: string, text: string, options: CallOptions = {}): Promise<StoredObject> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.k(key), Body: text, ContentType: 'application/json', ServerSideEncryption: this.sse }),
      { abortSignal: options.signal },
    );
    return { key, sizeBytes: Buffer.byteLength(text) };
  }

  private async open(key: string, options: CallOptions): Promise<{ body: Readable & { transformToString(): Promise<string> }; size: number }> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.k(key) }), { abortSignal: options.signal });
      return { body: r.Body as Readable & { transformToString(): Promise<string> }, size: r.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) throw new BackupIntegrityError(key, [`no such object in ${this.description}`], { cause: error });
      throw error;
    }
  }

  async get(key: string, localPath: string, options: CallOptions = {}): Promise<StoredObject> {
    const { body } = await this.open(key, options);
    await mkdir(dirname(localPath), { recursive: true });
    await pipeline(body, createWriteStream(localPath), { signal: options.signal });
    return { key, sizeBytes: (await stat(localPath)).size };
  }

  async getText(key: string, options: CallOptions = {}): Promise<string> {
    const { body } = await this.open(key, options);
    return body.transformToString();
  }

  async list(prefix: string, options: CallOptions = {}): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const r = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}${prefix}`, ContinuationToken: token }),
        { abortSignal: options.signal },
      );
      for (const o of r.Contents ?? []) {
        if (o.Key === undefined) continue;
        out.push({ key: o.Key.slice(this.prefix.length), sizeBytes: o.Size ?? 0 });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(key: string, options: CallOptions = {}): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.k(key) }), { abortSignal: options.signal });
  }

  [Symbol.dispose](): void {
    this.s3.destroy();
  }
}
