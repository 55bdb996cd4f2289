// selftest: proves the harness itself on any machine (no Docker, no cluster): a loopback service the run starts,
// real signals (SIGKILL, SIGSTOP), the runbook's restart, measured detection and RTO.
import { localServiceCrash, localServiceFreeze, type LocalServiceEnv } from '../scenarios/catalog/local-service-crash.scenario.ts';
import { systemClock } from '../scenarios/clock.ts';
import type { Ports } from '../scenarios/ports.ts';
import { LocalService } from '../tools/local/local-service.ts';
import { LocalProcessInjector } from '../tools/faults/local-process.fault.ts';
import type { SuiteContext, SuiteDefinition, SuiteItem } from './suite.ts';

/** The loopback service and the two self-test scenarios against it. */
export async function startSelftestItems({ signal, log }: Pick<SuiteContext, 'signal' | 'log'>): Promise<{ items: SuiteItem[] } & AsyncDisposable> {
  const service = await new LocalService('gravl-health').start({ signal });
  log(`started local service ${service.name} at ${service.url} (pid ${service.pid})`);
  const env: LocalServiceEnv = {
    url: service.url,
    service: service.name,
    restart: async (s) => {
      if (service.paused) await service.kill(); // a hung process is killed before the restart, as kubelet would
      await service.launch(undefined, s);
    },
  };
  const ports: Ports = {
    clock: systemClock,
    faults: new LocalProcessInjector([service]),
    cluster: { name: 'loopback', context: 'local', provider: 'local', createdByDrillbook: true },
  };
  return {
    items: [
      { scenario: localServiceCrash, env, ports },
      { scenario: localServiceFreeze, env, ports },
    ],
    [Symbol.asyncDispose]: () => service.stop(),
  };
}

export const selftestSuite: SuiteDefinition = {
  name: 'selftest',
  description: 'Harness self-test on loopback: a crashed and a hung service, detected, restarted by the runbook, RTO measured',
  budgetSeconds: 60,
  requires: ['node'],
  scenarios: [localServiceCrash.id, localServiceFreeze.id],
  async prepare(ctx) {
    const selftest = await startSelftestItems(ctx);
    return { items: selftest.items, secrets: [], [Symbol.asyncDispose]: () => selftest[Symbol.asyncDispose]() };
  },
};
