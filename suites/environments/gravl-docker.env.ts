// The Gravl stack on the local Docker engine, wired to the ports: container faults, real k6, the data probe
// writing through the backend. Everything it starts carries the run's labels; the backend is published on a
// fixed 127.0.0.1 port so a restarted container keeps its address, like a Kubernetes Service.
import { GravlDockerStack, type StartedGravlDockerStack } from '../../clusters/stack/docker-stack.ts';
import type { GravlComponent, GravlEnv } from '../../scenarios/catalog/gravl.env.ts';
import { systemClock } from '../../scenarios/clock.ts';
import type { Ports } from '../../scenarios/ports.ts';
import { ContainerFaultInjector } from '../../tools/docker/container.fault.ts';
import { ensureK6 } from '../../tools/k6/k6.installer.ts';
import { K6LoadGenerator } from '../../tools/k6/k6.driver.ts';
import { freePort } from '../../tools/lib/free-port.ts';
import { run } from '../../tools/lib/exec.ts';
import { HttpProbeTransport } from '../../tools/postgres/http.probe.ts';
import { SteadyWriteProbe } from '../../tools/postgres/sql.probe.ts';

export interface GravlDockerEnvironment extends AsyncDisposable {
  readonly env: GravlEnv;
  readonly ports: Ports;
  readonly stack: StartedGravlDockerStack;
  readonly secrets: readonly string[];
}

export async function startGravlDocker(options: { runId: string; suite: string; signal: AbortSignal; log: (line: string) => void }): Promise<GravlDockerEnvironment> {
  const k6 = await ensureK6({ signal: options.signal, log: options.log });
  const stack = await new GravlDockerStack()
    .withBackendVersion('v2')
    .withObservability(false)
    .withFrontend(false)
    .withLabels(options.runId, options.suite)
    .withBackendHostPort(await freePort())
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
  const ports: Ports = {
    clock: systemClock,
    faults: new ContainerFaultInjector(containers),
    load: new K6LoadGenerator().withK6(k6.path, k6.version),
    data: new SteadyWriteProbe(new HttpProbeTransport(stack.backendUrl), { intervalMs: 50 }),
    cluster: { name: 'docker', context: 'docker', provider: 'docker', destructiveAllowed: true },
  };
  return { env, ports, stack, secrets: [stack.db.password], [Symbol.asyncDispose]: () => stack.stop() };
}
