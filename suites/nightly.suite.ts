// nightly: fast. The harness self-test, then the Gravl stack on Docker with real k6 background load and the data
// probe writing through the backend: a backend crash and a database crash, each detected, restarted by the
// runbook, RTO and RPO measured against ROLLBACK.md's objectives. Its wall time is a budget to keep.
import { backendCrash, databaseCrash } from '../scenarios/catalog/gravl-crash.scenario.ts';
import { startGravlDocker } from './environments/gravl-docker.env.ts';
import { startSelftestItems } from './selftest.suite.ts';
import type { SuiteDefinition } from './suite.ts';

export const nightlySuite: SuiteDefinition = {
  name: 'nightly',
  description: 'Self-test, then backend and database crash drills on the Gravl stack (Docker) under k6 load with the data probe',
  budgetSeconds: 600,
  requires: ['node', 'docker', 'k6', 'images'],
  async prepare(ctx) {
    const selftest = await startSelftestItems(ctx);
    try {
      const gravl = await startGravlDocker({ runId: ctx.runId, suite: 'nightly', signal: ctx.signal, log: ctx.log });
      return {
        items: [
          ...selftest.items,
          { scenario: backendCrash, env: gravl.env, ports: gravl.ports },
          { scenario: databaseCrash, env: gravl.env, ports: gravl.ports },
        ],
        secrets: gravl.secrets,
        async [Symbol.asyncDispose]() {
          await gravl[Symbol.asyncDispose]();
          await selftest[Symbol.asyncDispose]();
        },
      };
    } catch (error) {
      await selftest[Symbol.asyncDispose]();
      throw error;
    }
  },
};
