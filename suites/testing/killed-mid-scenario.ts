// A harness that dies mid-scenario, for the e2e test of `drillbook gc` after kill -9. Runs a real scenario with
// the real kube fault injector against the given cluster: the bad release is injected (and written to the
// ledger first), then the runbook's first step blocks until the test SIGKILLs this process.
//
//   node killed-mid-scenario.ts KUBECONFIG CONTEXT NAMESPACE IMAGE RUN_ID
import { defineScenario } from '../../scenarios/define.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { runScenario } from '../../scenarios/runner.ts';
import { KubeFaultInjector } from '../../tools/faults/kube.fault.ts';
import { registerActiveRun } from '../../tools/state/active-runs.ts';
import { ClientNodeKubeApi, loadKubeConfig } from '../../clusters/kube/client-node.kube-api.ts';

const [kubeconfig, context, namespace, image, runId] = process.argv.slice(2);
if (!kubeconfig || !context || !namespace || !image || !runId) {
  process.stderr.write('usage: killed-mid-scenario.ts KUBECONFIG CONTEXT NAMESPACE IMAGE RUN_ID\n');
  process.exit(2);
}
const api = new ClientNodeKubeApi(loadKubeConfig(kubeconfig, context));
using _run = registerActiveRun(runId);

const scenario = defineScenario<Record<string, never>>({
  id: 'killed-mid-scenario',
  title: 'a bad release, then the harness dies during the runbook',
  destructive: true,
  objectives: { rtoSeconds: 900 },
  steadyState: [{ name: 'always', tolerance: { equals: true }, measure: async () => true }],
  inject: () => [{ kind: 'set-image', namespace, deployment: 'backend', container: 'backend', image }],
  detect: { name: 'injected', timeoutMs: 10_000, intervalMs: 100, check: async () => ({ detected: true, value: 'set' }) },
  recover: [
    {
      name: 'wait to be killed',
      timeoutMs: 600_000,
      run: async (ctx) => {
        process.stdout.write('MID-RUNBOOK\n');
        await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
      },
    },
  ],
});

await runScenario(scenario, {
  env: {},
  runId,
  ports: {
    clock: systemClock,
    faults: new KubeFaultInjector(api, { kubeconfig, context }, [namespace]),
    cluster: { name: context, context, provider: 'kind', createdByDrillbook: true },
  },
});
