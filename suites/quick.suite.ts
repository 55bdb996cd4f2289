// quick: the fast tier for a laptop without kind (it was `nightly` before nightly moved onto a real cluster).
// The harness self-test, then the Gravl stack on Docker with real k6 background load and the data probe writing
// through the backend: a backend crash and a database crash, each detected, restarted by the runbook, RTO and RPO
// measured against ROLLBACK.md's objectives. Its wall time is a budget to keep.
import { backendCrash, databaseCrash } from '../scenarios/catalog/gravl-crash.scenario.ts';
import { localServiceCrash, localServiceFreeze } from '../scenarios/catalog/local-service-crash.scenario.ts';
import { startGravlDocker } from './environments/gravl-docker.env.ts';
import { startSelftestItems } from './selftest.suite.ts';
import type { SuiteDefinition } from './suite.ts';

export const quickSuite: SuiteDefinition = {
  name: 'quick',
  description: 'Fast tier without kind: self-test, then backend and database crash drills on the Gravl stack (Docker) under k6 load with the data probe',
  budgetSeconds: 600,
  requires: ['node', 'docker', 'k6', 'images'],
  scenarios: [localServiceCrash.id, localServiceFreeze.id, backendCrash.id, databaseCrash.id],
  async prepare(ctx) {
    // Whatever started is disposed if a later start fails; on success the suite owns it all.
    await using started = new AsyncDisposableStack();
    const selftest = started.use(await startSelftestItems(ctx));
    const gravl = started.use(await startGravlDocker({ runId: ctx.runId, suite: 'quick', outDir: ctx.outDir, signal: ctx.signal, log: ctx.log }));
    const owned = started.move();
    return {
      items: [
        ...selftest.items,
        { scenario: backendCrash, env: gravl.env, ports: gravl.ports },
        { scenario: databaseCrash, env: gravl.env, ports: gravl.ports },
      ],
      secrets: gravl.secrets,
      [Symbol.asyncDispose]: () => owned.disposeAsync(),
    };
  },
};
