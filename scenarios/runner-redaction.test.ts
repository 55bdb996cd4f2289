// Secrets are redacted where events are created: what the runner hands to onEvent (the terminal, NDJSON) is
// as clean as the journal.
import { describe, expect, it } from 'vitest';
import { defineScenario } from './define.ts';
import type { RunEvent } from './runner.ts';
import { runScenario } from './runner.ts';
import { FakeClock } from './testing/fake-clock.ts';
import { FakeFaultInjector, FakeSystem, fakePorts, takes, type FakeEnv } from './testing/fake-system.ts';

const REGISTERED = 'Sup3r-S3cret-Pa55word';
const FROM_STEP = 'st3p-registered-t0ken';

describe('runner events are redacted at the source', () => {
  it('step evidence, detect evidence and a step error carry no registered secret (the suite’s and a step-registered one)', async () => {
    const clock = new FakeClock();
    const system = new FakeSystem();
    const ports = fakePorts(clock, new FakeFaultInjector(system, clock));
    const scenario = defineScenario<FakeEnv>({
      id: 'leaky',
      title: 'A scenario whose steps print secrets',
      destructive: true,
      objectives: { rtoSeconds: 900 },
      steadyState: [{ name: 'healthy', tolerance: { equals: true }, measure: async (ctx) => ctx.env.system.healthy }],
      inject: () => [{ kind: 'break-service' }],
      detect: { name: 'down', timeoutMs: 10_000, intervalMs: 500, check: async (ctx) => ({ detected: !ctx.env.system.healthy, value: REGISTERED }) },
      recover: [
        {
          name: 'print the DSN',
          timeoutMs: 60_000,
          run: takes(1_000, (ctx) => {
            ctx.secret(FROM_STEP);
            ctx.evidence('dsn', `postgres://app:${encodeURIComponent(REGISTERED)}@db/app`);
            ctx.evidence('token', { header: `Bearer ${FROM_STEP}` }, 'json');
          }),
        },
        {
          name: 'fail loudly',
          timeoutMs: 60_000,
          run: async (ctx) => {
            ctx.env.system.healthy = true;
            throw new Error(`psql --password=${REGISTERED} failed; token ${Buffer.from(FROM_STEP).toString('base64')}`);
          },
        },
      ],
    });
    const events: RunEvent[] = [];
    const journal = await runScenario(scenario, { ports, env: { system }, runId: 'r1', secrets: [REGISTERED], onEvent: (e) => events.push(e) });
    const stream = JSON.stringify(events);
    // not vacuous: the planted evidence and error did reach the events
    expect(stream).toContain('postgres://app:[REDACTED]@db/app');
    expect(stream).toContain('psql --password=[REDACTED] failed');
    for (const s of [REGISTERED, encodeURIComponent(REGISTERED), FROM_STEP, Buffer.from(FROM_STEP).toString('base64')]) {
      expect(stream).not.toContain(s);
      expect(JSON.stringify(journal)).not.toContain(s);
    }
  });
});
