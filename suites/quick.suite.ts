// quick: the fast tier for a laptop without kind (it was `nightly` before nightly moved onto a real cluster, and it
// holds what the Docker `rollback-drill` ran before the monthly drill moved onto kind). The harness self-test, then
// the Gravl stack on Docker with real k6 background load and the data probe writing through the backend: a backend
// crash and a database crash, each detected, restarted by the runbook, RTO and RPO measured against ROLLBACK.md's
// objectives; then point-in-time recovery after an accidental DELETE (PostgreSQL 15 with a WAL archive). One
// environment at a time (groups). Its wall time is a budget to keep.
import { backendCrash, databaseCrash } from '../scenarios/catalog/gravl-crash.scenario.ts';
import { localServiceCrash, localServiceFreeze } from '../scenarios/catalog/local-service-crash.scenario.ts';
import { pitrAccidentalDelete } from '../scenarios/catalog/pitr-accidental-delete.scenario.ts';
import { startGravlDocker } from './environments/gravl-docker.env.ts';
import { startPitrEnvironment } from './environments/postgres-pitr.env.ts';
import { startSelftestItems } from './selftest.suite.ts';
import { groupScenarioIds, type SuiteDefinition, type SuiteGroup } from './suite.ts';

const QUICK_GROUPS: readonly SuiteGroup[] = [
  {
    name: 'local service (self-test)',
    scenarios: [localServiceCrash, localServiceFreeze],
    async prepare(ctx) {
      const selftest = await startSelftestItems(ctx);
      return { items: selftest.items, secrets: [], [Symbol.asyncDispose]: () => selftest[Symbol.asyncDispose]() };
    },
  },
  {
    name: 'gravl (Docker)',
    scenarios: [backendCrash, databaseCrash],
    async prepare(ctx) {
      const gravl = await startGravlDocker({ runId: ctx.runId, suite: 'quick', outDir: ctx.outDir, signal: ctx.signal, log: ctx.log });
      return {
        items: [backendCrash, databaseCrash].map((scenario) => ({ scenario, env: gravl.env, ports: gravl.ports })),
        secrets: gravl.secrets,
        [Symbol.asyncDispose]: () => gravl[Symbol.asyncDispose](),
      };
    },
  },
  {
    name: 'postgres-pitr (Docker)',
    scenarios: [pitrAccidentalDelete],
    async prepare(ctx) {
      const pitr = await startPitrEnvironment({ runId: ctx.runId, outDir: ctx.outDir, signal: ctx.signal, log: ctx.log });
      return { items: [{ scenario: pitrAccidentalDelete, env: pitr.env, ports: pitr.ports }], secrets: pitr.secrets, [Symbol.asyncDispose]: () => pitr[Symbol.asyncDispose]() };
    },
  },
];

export const quickSuite: SuiteDefinition = {
  name: 'quick',
  description: 'Fast tier without kind: self-test, backend and database crash drills on the Gravl stack (Docker) under k6 load with the data probe, PITR after an accidental DELETE (PostgreSQL + WAL archive)',
  budgetSeconds: 600,
  requires: ['node', 'docker', 'k6', 'images'],
  scenarios: groupScenarioIds(QUICK_GROUPS),
  groups: QUICK_GROUPS,
};
