// The Gravl backend (locally built image from tools/images) in front of a StartedPostgres, for the HTTP data
// probe: migrate once, then serve on a port published on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { LABELS, MANAGED_BY, type CallOptions, type Labels } from '../../../scenarios/ports.ts';
import { systemClock } from '../../../scenarios/clock.ts';
import { condition, waitFor } from '../../../scenarios/wait.ts';
import { run, tryRun } from '../../lib/exec.ts';
import { COMPONENT_LABEL, type StartedPostgres } from '../postgres.container.ts';

export interface BackendOptions extends CallOptions {
  readonly labels: Labels;
  /** Database on `pg` (default pg.database). */
  readonly database?: string;
  /** Run `migrate` first (default true). A restored database already has its schema. */
  readonly migrate?: boolean;
}

export class StartedGravlBackend implements AsyncDisposable {
  readonly id: string;
  readonly baseUrl: string;
  private disposed = false;
  constructor(id: string, baseUrl: string) {
    this.id = id;
    this.baseUrl = baseUrl;
  }
  async stop(options: CallOptions = {}): Promise<void> {
    await run('docker', ['stop', '-t', '5', this.id], { signal: options.signal });
  }
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await tryRun('docker', ['rm', '-f', '-v', this.id]);
  }
}

export async function startGravlBackend(image: string, pg: StartedPostgres, options: BackendOptions): Promise<StartedGravlBackend> {
  const ip = (await run('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', pg.id], { signal: options.signal })).stdout.trim();
  const labels = { [LABELS.managedBy]: MANAGED_BY, [COMPONENT_LABEL]: 'gravl-backend', ...options.labels };
  const labelArgs = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const env = ['-e', `DB_HOST=${ip}`, '-e', 'DB_PORT=5432', '-e', `DB_NAME=${options.database ?? pg.database}`, '-e', `DB_USER=${pg.user}`, '-e', `DB_PASSWORD=${pg.password}`, '-e', 'METRICS_PORT=0'];
  if (options.migrate ?? true) {
    await run('docker', ['run', '--rm', ...labelArgs, ...env, image, 'migrate'], { signal: options.signal, timeoutMs: 120_000 });
  }
  const name = `drillbook-gravl-${randomBytes(4).toString('hex')}`;
  const id = (await run('docker', ['run', '-d', '--name', name, ...labelArgs, ...env, '-p', '127.0.0.1::3000', image, 'serve'], { signal: options.signal })).stdout.trim();
  const started = new StartedGravlBackend(id, '');
  try {
    const port = (await run('docker', ['port', id, '3000/tcp'], { signal: options.signal })).stdout.trim().split('\n')[0]!.split(':').at(-1);
    const backend = new StartedGravlBackend(id, `http://127.0.0.1:${port}`);
    await waitFor(
      systemClock,
      condition(`gravl backend ${name} ready`, async (signal) => {
        const r = await fetch(`${backend.baseUrl}/api/ready`, { signal }).catch(() => null);
        return { ok: r?.status === 200, value: r ? r.status : 'no answer' };
      }),
      { timeoutMs: 60_000, intervalMs: 200, signal: options.signal, hint: `docker logs ${name}` },
    );
    return backend;
  } catch (error) {
    await started[Symbol.asyncDispose]();
    throw error;
  }
}
