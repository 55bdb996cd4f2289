// The Gravl stack on the local Docker engine, wired to the ports: container faults, real k6, the data probe
// writing through the backend. Everything it starts carries the run's labels; the backend is published on a
// fixed 127.0.0.1 port so a restarted container keeps its address, like a Kubernetes Service.
import { join } from 'node:path';
import { GravlDockerStack, type StartedGravlDockerStack } from '../../clusters/stack/docker-stack.ts';
import type { GravlComponent, GravlEnv } from '../../scenarios/catalog/gravl.env.ts';
import { systemClock } from '../../scenarios/clock.ts';
import type { Ports } from '../../scenarios/ports.ts';
import { ContainerFaultInjector } from '../../tools/faults/container.fault.ts';
import { ensureK6 } from '../../tools/k6/k6.installer.ts';
import { K6LoadGenerator } from '../../tools/k6/k6.driver.ts';
import { freePort } from '../../tools/lib/free-port.ts';
import { run } from '../../tools/lib/exec.ts';
import { HttpProbeTransport } from '../../tools/postgres/http.probe.ts';
import { SteadyWriteProbe } from '../../tools/postgres/sql.probe.ts';

export interface GravlDockerEnvironment extends AsyncDisposable {
  readonly env: GravlEnv;
  readonly ports: Ports;
  /** The k6 generator behind ports.load, for load tests that run to their natural end (sign-off). */
  readonly k6: K6LoadGenerator;
  readonly stack: StartedGravlDockerStack;
  readonly secrets: readonly string[];
}

export async function startGravlDocker(options: {
  runId: string;
  suite: string;
  outDir: string;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Prometheus, AlertManager, Loki and promtail too (sign-off reads them). Default false: faster. */
  observability?: boolean;
}): Promise<GravlDockerEnvironment> {
  const k6 = await ensureK6({ signal: options.signal, log: options.log });
  const stack = await new GravlDockerStack()
    .withBackendVersion('v2')
    .withObservability(options.observability ?? false)
    .withFrontend(false)
    .withLabels(options.runId, options.suite)
    // fixed ports: a container restarted by a fault drill keeps its address (Docker renumbers ephemeral ones)
    .withBackendHostPort(await freePort())
    .withDatabaseHostPort(await freePort())
    .withLog(options.log)
    .start({ signal: options.signal });
  const containers: Record<GravlComponent, string> = {
    backend: stack.backend.getName().replace(/^\//, ''),
    database: stack.postgres.getName().replace(/^\//, ''),
  };
  options.log(`gravl stack on docker: backend ${stack.backendUrl} (${containers.backend}), database ${containers.database}`);
  const env: GravlEnv = {
    backendUrl: stack.backendUrl,
    platform: 'docker',
    crashFault: (component) => ({ kind: 'container-kill', target: component }),
    restart: async (component, signal) => {
      const r = await run('docker', ['start', containers[component]], { signal });
      return `docker start ${containers[component]} (${r.durationMs} ms)`;
    },
  };
  // k6's summary, log and series stay with the run's evidence
  const k6Generator = new K6LoadGenerator().withK6(k6.path, k6.version).withOutputDir(join(options.outDir, 'k6'));
  const ports: Ports = {
    clock: systemClock,
    faults: new ContainerFaultInjector(containers),
    load: k6Generator,
    data: new SteadyWriteProbe(new HttpProbeTransport(stack.backendUrl), { intervalMs: 50 }),
    cluster: { name: 'docker', context: 'docker', provider: 'docker', createdByDrillbook: true },
  };
  return { env, ports, k6: k6Generator, stack, secrets: [stack.db.password], [Symbol.asyncDispose]: () => stack.stop() };
}
