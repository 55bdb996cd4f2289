// A real S3-compatible server for the S3 backup target's integration tests: MinIO built from its Go module by
// tools/setup/40-minio.sh (cached under ~/.cache/drillbook/minio/<version>), run as a local process bound to
// 127.0.0.1 with a throw-away data folder.
//
//   await using minio = await new MinioServer().start({ signal });
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { execa, type ResultPromise } from 'execa';
import { ToolFailedError } from '../../../scenarios/errors.ts';
import type { CallOptions, Clock } from '../../../scenarios/ports.ts';
import { systemClock } from '../../../scenarios/clock.ts';
import { condition, waitFor } from '../../../scenarios/wait.ts';
import { cacheDir } from '../../lib/cache.ts';
import { run } from '../../lib/exec.ts';

/** Keep in step with tools/setup/40-minio.sh. */
export const MINIO_MODULE_VERSION = process.env.DRILLBOOK_MINIO_VERSION ?? 'v0.0.0-20260212201848-7aac2a2c5b7c';
const SETUP_SCRIPT = fileURLToPath(new URL('../../setup/40-minio.sh', import.meta.url));

export function minioBinary(): string {
  return join(cacheDir('minio', MINIO_MODULE_VERSION), 'bin', 'minio');
}

/** Builds MinIO from its Go module when the cache does not have it (cold: many minutes; then instant). */
export async function ensureMinio(options: CallOptions = {}): Promise<string> {
  const bin = minioBinary();
  if (existsSync(bin)) return bin;
  await run('bash', [SETUP_SCRIPT], {
    signal: options.signal,
    env: { ...process.env, DRILLBOOK_MINIO_VERSION: MINIO_MODULE_VERSION },
    hint: 'MinIO is built from its Go module: it needs Go >= 1.24 and the Go module proxy (run tools/bootstrap.sh)',
  });
  if (!existsSync(bin)) throw new ToolFailedError('minio', `build finished but ${bin} is missing`, { hint: 'run bash tools/setup/40-minio.sh and read its output' });
  return bin;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export class MinioServer {
  private clock: Clock = systemClock;
  withClock(clock: Clock): this {
    this.clock = clock;
    return this;
  }

  async start(options: CallOptions = {}): Promise<StartedMinio> {
    const bin = await ensureMinio(options);
    const dataDir = await mkdtemp(join(tmpdir(), 'drillbook-minio-'));
    const port = await freePort();
    const consolePort = await freePort();
    const accessKeyId = `drillbook${randomBytes(4).toString('hex')}`;
    const secretAccessKey = randomBytes(18).toString('base64url');
    const proc = execa(bin, ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
      env: { MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' },
      reject: false,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let exitCode: number | null = null;
    void proc.then((r) => (exitCode = r.exitCode ?? -1));
    const started = new StartedMinio(proc, dataDir, port, accessKeyId, secretAccessKey);
    try {
      await waitFor(
        this.clock,
        condition(`minio on 127.0.0.1:${port} is live`, async (signal) => {
          if (exitCode !== null) throw new ToolFailedError('minio', `exited with code ${exitCode} before it was ready`);
          const r = await fetch(`http://127.0.0.1:${port}/minio/health/live`, { signal }).catch(() => null);
          return { ok: r?.ok === true, value: r ? r.status : 'no answer' };
        }),
        { timeoutMs: 60_000, intervalMs: 200, signal: options.signal },
      );
    } catch (error) {
      await started[Symbol.asyncDispose]();
      throw error;
    }
    return started;
  }
}

export class StartedMinio implements AsyncDisposable {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  private readonly proc: ResultPromise;
  private readonly dataDir: string;
  private disposed = false;

  constructor(proc: ResultPromise, dataDir: string, port: number, accessKeyId: string, secretAccessKey: string) {
    this.proc = proc;
    this.dataDir = dataDir;
    this.endpoint = `http://127.0.0.1:${port}`;
    this.accessKeyId = accessKeyId;
    this.secretAccessKey = secretAccessKey;
  }

  get secrets(): string[] {
    return [this.secretAccessKey];
  }

  clientConfig(): S3ClientConfig {
    return {
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey },
    };
  }

  async createBucket(name: string, options: CallOptions = {}): Promise<void> {
    const s3 = new S3Client(this.clientConfig());
    try {
      await s3.send(new CreateBucketCommand({ Bucket: name }), { abortSignal: options.signal });
    } finally {
      s3.destroy();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.proc.kill('SIGTERM');
    await this.proc;
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
