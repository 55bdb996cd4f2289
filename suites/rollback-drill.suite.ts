// rollback-drill (monthly): every rollback/restore procedure that exists as code, timed step by step against
// ROLLBACK.md's objectives (RTO < 15 min, RPO < 5 min): restart after a backend or database crash on the Gravl
// stack under load, and point-in-time recovery after an accidental DELETE under live writes.
import { backendCrash, databaseCrash } from '../scenarios/catalog/gravl-crash.scenario.ts';
import { pitrAccidentalDelete } from '../scenarios/catalog/pitr-accidental-delete.scenario.ts';
import { startGravlDocker } from './environments/gravl-docker.env.ts';
import { startPitrEnvironment } from './environments/postgres-pitr.env.ts';
import type { SuiteDefinition } from './suite.ts';

export const rollbackDrillSuite: SuiteDefinition = {
  name: 'rollback-drill',
  description: 'Every rollback/restore procedure as code, timed: crash restarts under load, PITR after an accidental DELETE',
  budgetSeconds: 1800,
  requires: ['node', 'docker', 'k6', 'images'],
  scenarios: [backendCrash.id, databaseCrash.id, pitrAccidentalDelete.id],
  async prepare(ctx) {
    await using started = new AsyncDisposableStack();
    const pitr = started.use(await startPitrEnvironment({ runId: ctx.runId, outDir: ctx.outDir, signal: ctx.signal, log: ctx.log }));
    const gravl = started.use(await startGravlDocker({ runId: ctx.runId, suite: 'rollback-drill', outDir: ctx.outDir, signal: ctx.signal, log: ctx.log }));
    const owned = started.move();
    return {
      items: [
        { scenario: backendCrash, env: gravl.env, ports: gravl.ports },
        { scenario: databaseCrash, env: gravl.env, ports: gravl.ports },
        { scenario: pitrAccidentalDelete, env: pitr.env, ports: pitr.ports },
      ],
      secrets: [...gravl.secrets, ...pitr.secrets],
      [Symbol.asyncDispose]: () => owned.disposeAsync(),
    };
  },
};
