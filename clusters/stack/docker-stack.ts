// The reference Gravl stack on plain Docker (testcontainers), from locally built images only:
// postgres -> migrate (one-shot) -> backend -> frontend, plus prometheus, alertmanager, loki and promtail.
// Builder + Started type, AsyncDisposable, everything labelled; TESTCONTAINERS_RYUK_DISABLED=true is expected
// (no Ryuk image offline), so stop() cleans up itself, in reverse order, safe to call twice.
import { randomBytes } from 'node:crypto';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { DrillbookError } from '../../scenarios/errors.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { ensureImage, type ImageName } from '../../tools/images/images.ts';
import { run } from '../../tools/lib/exec.ts';
import '../../tools/lib/testcontainers-env.ts';

/** A GenericContainer whose published ports bind to 127.0.0.1 only (house rule), not 0.0.0.0. */
export class LoopbackContainer extends GenericContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}) as Array<Array<{ HostIp?: string }>>) {
      for (const binding of bindings) binding.HostIp = '127.0.0.1';
    }
  }
}

export type BackendVersion = 'v1' | 'v2';

export interface DbAccess {
  /** Host-side address (127.0.0.1) and mapped port. */
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

export interface StartedGravlDockerStack extends AsyncDisposable {
  readonly runId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly images: Readonly<Partial<Record<ImageName, string>>>;
  readonly backendUrl: string;
  readonly db: DbAccess;
  readonly frontendUrl: string | undefined;
  readonly prometheusUrl: string | undefined;
  readonly alertmanagerUrl: string | undefined;
  readonly lokiUrl: string | undefined;
  /** The backend container (e.g. to stop/restart it in a fault test). */
  readonly backend: StartedTestContainer;
  /** The PostgreSQL container (e.g. to crash it in a fault drill). */
  readonly postgres: StartedTestContainer;
  readonly network: StartedNetwork;
  stop(): Promise<void>;
}

export class GravlDockerStack {
  private version: BackendVersion = 'v2';
  private observability = true;
  private frontend = true;
  private backendEnv: Record<string, string> = {};
  private scenario = 'gravl-docker-stack';
  private runId = `stack-${randomBytes(4).toString('hex')}`;
  private log: (line: string) => void = () => {};
  private backendHostPort: number | undefined;
  private databaseHostPort: number | undefined;

  withBackendVersion(version: BackendVersion): this {
    this.version = version;
    return this;
  }
  /** Prometheus, AlertManager, Loki and promtail (on by default). */
  withObservability(on: boolean): this {
    this.observability = on;
    return this;
  }
  withFrontend(on: boolean): this {
    this.frontend = on;
    return this;
  }
  /** Extra backend env, e.g. { GRAVL_ADMIN_ENABLED: 'true', GRAVL_FAULT_LATENCY_MS: '200' }. */
  withBackendEnv(env: Record<string, string>): this {
    this.backendEnv = { ...this.backendEnv, ...env };
    return this;
  }
  withLabels(runId: string, scenario: string): this {
    this.runId = runId;
    this.scenario = scenario;
    return this;
  }
  /**
   * Publish the backend on this fixed 127.0.0.1 port. Needed when a fault restarts the container: Docker gives an
   * ephemeral port a new number on restart, which would pull the address from under k6 and the data probe.
   */
  withBackendHostPort(port: number): this {
    this.backendHostPort = port;
    return this;
  }

  /** Publish PostgreSQL on this fixed 127.0.0.1 port (same reason: `db.port` must survive a restart). */
  withDatabaseHostPort(port: number): this {
    this.databaseHostPort = port;
    return this;
  }

  withLog(log: (line: string) => void): this {
    this.log = log;
    return this;
  }

  async start(opts: { signal?: AbortSignal } = {}): Promise<StartedGravlDockerStack> {
    const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: this.runId, [LABELS.scenario]: this.scenario };
    const images: Partial<Record<ImageName, string>> = {};
    const want: ImageName[] = ['postgres', `gravl-backend-${this.version}`];
    if (this.frontend) want.push('gravl-frontend');
    if (this.observability) want.push('prometheus', 'alertmanager', 'loki', 'promtail');
    for (const name of want) images[name] = await ensureImage(name, { signal: opts.signal, log: this.log });

    const started: StartedTestContainer[] = [];
    let network: StartedNetwork | undefined;
    const stop = async () => {
      for (const c of started.splice(0).reverse()) await c.stop({ remove: true, removeVolumes: true }).catch(() => {});
      const n = network;
      network = undefined;
      await n?.stop().catch(() => {});
    };
    try {
      network = await new Network().start();
      const net = network;
      const container = (image: string, alias: string) =>
        new LoopbackContainer(image).withNetwork(net).withNetworkAliases(alias).withLabels({ ...labels, 'drillbook.io/component': alias });
      const db = { database: 'gravl', user: 'gravl_user', password: randomBytes(12).toString('hex') };

      const pg = await container(images.postgres!, 'postgres')
        .withEnvironment({ POSTGRES_USER: db.user, POSTGRES_PASSWORD: db.password, POSTGRES_DB: db.database })
        .withExposedPorts(this.databaseHostPort ? { container: 5432, host: this.databaseHostPort } : 5432)
        .withWaitStrategy(Wait.forHealthCheck())
        .withStartupTimeout(120_000)
        .start();
      started.push(pg);
      this.log(`postgres up (${pg.getId().slice(0, 12)})`);

      const backendImage = images[`gravl-backend-${this.version}`]!;
      const dbEnv = { DB_HOST: 'postgres', DB_NAME: db.database, DB_USER: db.user, GRAVL_SECRETS_DIR: '/etc/gravl/secrets' };
      const secret = [{ content: db.password, target: '/etc/gravl/secrets/db-password', mode: 0o444 }];
      // The migration runs as its own one-shot container, like a Kubernetes Job; start() rejects if it exits non-zero.
      const migrate = await container(backendImage, 'migrate')
        .withEnvironment(dbEnv)
        .withCopyContentToContainer(secret)
        .withCommand(['migrate'])
        .withWaitStrategy(Wait.forOneShotStartup())
        .withStartupTimeout(60_000)
        .start();
      await migrate.stop({ remove: true }).catch(() => {});
      this.log('migrations applied');

      const backend = await container(backendImage, 'gravl-backend')
        .withEnvironment({ ...dbEnv, ...this.backendEnv })
        .withCopyContentToContainer(secret)
        .withExposedPorts(this.backendHostPort ? { container: 3000, host: this.backendHostPort } : 3000, 3001)
        .withWaitStrategy(Wait.forHttp('/api/ready', 3000).forStatusCode(200))
        // ~2 s on an idle machine; generous for 2 cores shared with builds or a kind cluster
        .withStartupTimeout(120_000)
        .start();
      started.push(backend);
      this.log(`backend ${this.version} ready`);

      let frontendUrl: string | undefined;
      if (this.frontend) {
        const fe = await container(images['gravl-frontend']!, 'gravl-frontend')
          .withEnvironment({ GRAVL_BACKEND_URL: 'http://gravl-backend:3000' })
          .withExposedPorts(8080)
          .withWaitStrategy(Wait.forHttp('/healthz', 8080))
          .start();
        started.push(fe);
        frontendUrl = url(fe, 8080);
      }

      let prometheusUrl: string | undefined;
      let alertmanagerUrl: string | undefined;
      let lokiUrl: string | undefined;
      if (this.observability) {
        const am = await container(images.alertmanager!, 'alertmanager').withExposedPorts(9093).withWaitStrategy(Wait.forHttp('/-/ready', 9093)).start();
        started.push(am);
        alertmanagerUrl = url(am, 9093);
        const prom = await container(images.prometheus!, 'prometheus')
          .withEnvironment({ GRAVL_SCRAPE_TARGETS: 'gravl-backend:3001', ALERTMANAGER_TARGETS: 'alertmanager:9093', SCRAPE_INTERVAL: '2s' })
          .withExposedPorts(9090)
          .withWaitStrategy(Wait.forHttp('/-/ready', 9090))
          .start();
        started.push(prom);
        prometheusUrl = url(prom, 9090);
        const loki = await container(images.loki!, 'loki')
          .withExposedPorts(3100)
          .withWaitStrategy(Wait.forHttp('/ready', 3100).forStatusCode(200))
          // ~20 s idle (ingester min_ready_duration 15 s); once seen >120 s with load average 10 on 2 cores.
          .withStartupTimeout(240_000)
          .start();
        started.push(loki);
        lokiUrl = url(loki, 3100);
        // promtail reads the backend's Docker json-file log (like /var/log/pods on a node), nothing else.
        const dockerRoot = (await run('docker', ['info', '--format', '{{.DockerRootDir}}'], { signal: opts.signal })).stdout.trim();
        const containersDir = `${dockerRoot}/containers`;
        const shipper = await container(images.promtail!, 'promtail')
          .withEnvironment({ LOKI_PUSH_URL: 'http://loki:3100/loki/api/v1/push', DOCKER_LOG_GLOB: `${containersDir}/${backend.getId()}/*-json.log` })
          .withBindMounts([{ source: containersDir, target: containersDir, mode: 'ro' }])
          .withExposedPorts(9080)
          .withWaitStrategy(Wait.forHttp('/ready', 9080))
          .start();
        started.push(shipper);
        this.log('observability up');
      }

      let stopped = false;
      const stopOnce = async () => {
        if (stopped) return;
        stopped = true;
        await stop();
      };
      return {
        runId: this.runId,
        labels,
        images,
        backendUrl: url(backend, 3000),
        db: { host: pg.getHost(), port: pg.getMappedPort(5432), ...db },
        frontendUrl,
        prometheusUrl,
        alertmanagerUrl,
        lokiUrl,
        backend,
        postgres: pg,
        network: net,
        stop: stopOnce,
        [Symbol.asyncDispose]: stopOnce,
      };
    } catch (error) {
      // A container whose wait strategy failed was never handed back: say what it printed, then remove it too.
      const diagnosis = await strays(labels[LABELS.runId]!, started, opts.signal);
      await stop();
      if (diagnosis) throw new DrillbookError(`${(error as Error).message}\n${diagnosis}`, { cause: error });
      throw error;
    }
  }
}

/** State and last log lines of this run's containers that start() did not get back, which are then removed. */
async function strays(runId: string, started: readonly StartedTestContainer[], signal?: AbortSignal): Promise<string> {
  const known = new Set(started.map((c) => c.getId()));
  const ps = await run('docker', ['ps', '-a', '--no-trunc', '--filter', `label=${LABELS.runId}=${runId}`, '--format', '{{.ID}}\t{{.Label "drillbook.io/component"}}\t{{.Status}}'], { signal }).catch(() => undefined);
  const lines: string[] = [];
  for (const row of ps?.stdout.split('\n').filter(Boolean) ?? []) {
    const [id = '', component, status] = row.split('\t');
    if (known.has(id)) continue;
    const logs = await run('docker', ['logs', '--tail', '30', id], { signal }).catch((e: Error) => ({ stdout: '', stderr: e.message }));
    lines.push(`container ${component} (${status}), last log lines:\n${`${logs.stdout}${logs.stderr}`.trim() || '(none)'}`);
    await run('docker', ['rm', '-f', '-v', id], { signal }).catch(() => undefined);
  }
  return lines.join('\n');
}

function url(c: StartedTestContainer, port: number): string {
  return `http://127.0.0.1:${c.getMappedPort(port)}`;
}
