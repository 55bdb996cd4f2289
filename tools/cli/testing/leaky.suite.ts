// A fake suite that leaks: its environment logs a secret while preparing and while running, its steps put the
// secret in evidence (raw, URL-encoded in a DSN, inside a base64 Secret manifest) and in an error message. The CLI
// canary runs it through the real process and looks for the secret everywhere output goes.
import { defineScenario } from '../../../scenarios/define.ts';
import { FakeClock } from '../../../scenarios/testing/fake-clock.ts';
import { FakeFaultInjector, FakeSystem, fakePorts, type FakeEnv } from '../../../scenarios/testing/fake-system.ts';
import type { SuiteDefinition } from '../../../suites/suite.ts';

/** Registered by the suite (the way an environment registers its database password). */
export const LEAKY_SECRET = 'Lk9-canary-PASS/w0rd+"x"';
/** Registered by a step while it runs (ctx.secret). */
export const STEP_SECRET = 'step-canary-T0ken-77';

interface LeakyEnv extends FakeEnv {
  log: (line: string) => void;
}

const leaky = defineScenario<LeakyEnv>({
  id: 'leaky-drill',
  title: 'A drill whose runbook prints passwords',
  destructive: true,
  objectives: { rtoSeconds: 900 },
  steadyState: [{ name: 'healthy', tolerance: { equals: true }, measure: async (ctx) => ctx.env.system.healthy }],
  inject: () => [{ kind: 'break-service' }],
  detect: { name: 'down', timeoutMs: 10_000, check: async (ctx) => ({ detected: !ctx.env.system.healthy, value: `auth failed for ${LEAKY_SECRET}` }) },
  recover: [
    {
      name: 'reconnect',
      timeoutMs: 10_000,
      run: async (ctx) => {
        ctx.secret(STEP_SECRET);
        ctx.env.log(`reconnecting with postgres://app:${encodeURIComponent(LEAKY_SECRET)}@db/app and token ${STEP_SECRET}`);
        ctx.evidence('dsn', `postgres://app:${encodeURIComponent(LEAKY_SECRET)}@db/app`);
        const manifest = `apiVersion: v1\nkind: Secret\nstringData:\n  password: ${LEAKY_SECRET}\n  token: ${STEP_SECRET}\n`;
        ctx.evidence('applied', { manifest: Buffer.from(manifest).toString('base64') }, 'manifest');
        ctx.env.system.healthy = true;
      },
    },
    {
      name: 'verify the login',
      timeoutMs: 10_000,
      run: async () => {
        throw new Error(`psql: password ${JSON.stringify(LEAKY_SECRET)} rejected (token ${STEP_SECRET})`);
      },
    },
  ],
});

export const leakySuite: SuiteDefinition = {
  name: 'leaky',
  description: 'test only: a suite that prints its secrets everywhere',
  requires: ['node'],
  scenarios: [leaky.id],
  async prepare(ctx) {
    ctx.secret(LEAKY_SECRET);
    ctx.log(`preparing with password ${LEAKY_SECRET}`);
    const clock = new FakeClock();
    const system = new FakeSystem();
    const env: LeakyEnv = { system, log: ctx.log };
    return { items: [{ scenario: leaky, env, ports: fakePorts(clock, new FakeFaultInjector(system, clock)) }], secrets: [LEAKY_SECRET], [Symbol.asyncDispose]: async () => {} };
  },
};

/** A suite with a bug: its prepare() throws a TypeError (an internal error, not bad input). */
export const crashingSuite: SuiteDefinition = {
  name: 'crashing',
  description: 'test only: a suite whose prepare has a bug',
  requires: ['node'],
  scenarios: [],
  async prepare() {
    const env = undefined as unknown as { url: string };
    throw new TypeError(`cannot read the url of ${String(env)}`);
  },
};
