// Test support: the reference backend (drillbook/gravl-backend, built by tools/images) with its PostgreSQL 15
// in Docker, on a labelled network of their own, the backend's port published on 127.0.0.1 only.
//
//   await using stack = await startGravlBackend({ variant: 'v2' });
//   stack.url                       // http://127.0.0.1:<port>
//   await stack.setFault({ latencyMs: 300 }); await stack.stopDatabase(); await stack.startDatabase();
import { randomBytes } from 'node:crypto';
import '../../lib/testcontainers-env.ts';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { systemClock } from '../../../scenarios/clock.ts';
import { LABELS, MANAGED_BY, type Labels } from '../../../scenarios/ports.ts';
import { condition, waitFor } from '../../../scenarios/wait.ts';
import { ensureImage } from '../../images/images.ts';
import { run, tryRun } from '../../lib/exec.ts';
import { setBackendFault, type BackendFault } from './stub-backend.ts';

/** GenericContainer that publishes its ports on 127.0.0.1 only (testcontainers binds 0.0.0.0 by default). */
class LoopbackContainer extends GenericContainer {
  withLoopbackPort(port: number): this {
    this.withExposedPorts(port);
    this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '0' }] };
    return this;
  }
}

export interface StartedGravlBackend extends AsyncDisposable {
  readonly url: string;
  readonly backendTag: string;
  readonly postgresTag: string;
  readonly backend: StartedTestContainer;
  readonly postgres: StartedTestContainer;
  setFault(fault: Partial<BackendFault>, options?: { signal?: AbortSignal }): Promise<BackendFault>;
  /** `docker stop` the database (the backend stays up and answers 503 on business routes). */
  stopDatabase(options?: { signal?: AbortSignal }): Promise<void>;
  /** `docker start` it again and wait until the backend reports ready. */
  startDatabase(options?: { signal?: AbortSignal }): Promise<void>;
  /** GET /api/ready answers 200. */
  waitReady(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<void>;
}

export async function startGravlBackend(
  options: { variant?: 'v1' | 'v2'; labels?: Labels; signal?: AbortSignal; log?: (line: string) => void } = {},
): Promise<StartedGravlBackend> {
  const variant = options.variant ?? 'v2';
  const suffix = randomBytes(4).toString('hex');
  const labels: Labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.scenario]: 'k6-gravl-backend', ...options.labels };
  const postgresTag = await ensureImage('postgres', { ...(options.signal ? { signal: options.signal } : {}), ...(options.log ? { log: options.log } : {}) });
  const backendTag = await ensureImage(`gravl-backend-${variant}`, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const network = `drillbook-k6-${suffix}`;
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    await run('docker', ['network', 'create', ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), network], { signal: options.signal });
    cleanups.push(() => tryRun('docker', ['network', 'rm', network]));
    const dbEnv = { POSTGRES_USER: 'gravl_user', POSTGRES_PASSWORD: password, POSTGRES_DB: 'gravl' };
    const postgres = await new GenericContainer(postgresTag)
      .withName(`drillbook-k6-pg-${suffix}`)
      .withLabels(labels)
      .withNetworkMode(network)
      .withNetworkAliases('pg')
      .withEnvironment(dbEnv)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/))
      .start();
    cleanups.push(() => postgres.stop({ remove: true, removeVolumes: true }));
    const appEnv = { DB_HOST: 'pg', DB_PASSWORD: password, LOG_LEVEL: 'warn' };
    const migrate = await new GenericContainer(backendTag)
      .withLabels(labels)
      .withNetworkMode(network)
      .withEnvironment(appEnv)
      .withCommand(['migrate'])
      .withWaitStrategy(Wait.forOneShotStartup())
      .start();
    await migrate.stop({ remove: true });
    const backend = await new LoopbackContainer(backendTag)
      .withName(`drillbook-k6-backend-${suffix}`)
      .withLabels(labels)
      .withNetworkMode(network)
      .withEnvironment({ ...appEnv, GRAVL_ADMIN_ENABLED: 'true', METRICS_PORT: '0' })
      .withLoopbackPort(3000)
      .withWaitStrategy(Wait.forHttp('/api/ready', 3000).forStatusCode(200))
      .start();
    cleanups.push(() => backend.stop({ remove: true }));
    const url = `http://127.0.0.1:${backend.getMappedPort(3000)}`;

    const waitReady = async (opts: { signal?: AbortSignal; timeoutMs?: number } = {}) => {
      await waitFor(
        systemClock,
        condition(`gravl backend ${url} ready`, async (signal) => {
          const res = await fetch(`${url}/api/ready`, { signal });
          return { ok: res.status === 200, value: `${res.status} ${await res.text()}` };
        }),
        { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 200, ...(opts.signal ? { signal: opts.signal } : {}) },
      );
    };
    let disposed = false;
    return {
      url,
      backendTag,
      postgresTag,
      backend,
      postgres,
      setFault: (fault, opts = {}) => setBackendFault(url, fault, opts),
      async stopDatabase(opts = {}) {
        await run('docker', ['stop', '--time', '5', postgres.getId()], { signal: opts.signal });
      },
      async startDatabase(opts = {}) {
        await run('docker', ['start', postgres.getId()], { signal: opts.signal });
        await waitReady(opts);
      },
      waitReady,
      async [Symbol.asyncDispose]() {
        if (disposed) return;
        disposed = true;
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
