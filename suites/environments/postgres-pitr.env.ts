// A PostgreSQL 15 primary with continuous WAL archiving and a base backup, a Gravl-shaped dataset, and the data
// probe writing through SQL: the environment of the point-in-time recovery drill. Everything it starts carries
// the run's labels; its folders live in the run's evidence folder.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PitrDrillEnv } from '../../scenarios/catalog/pitr-accidental-delete.scenario.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { LABELS, MANAGED_BY, type Ports } from '../../scenarios/ports.ts';
import { countRows, seedGravl } from '../../tools/postgres/dataset.ts';
import { DirectoryTarget } from '../../tools/postgres/directory.target.ts';
import { archiveCurrentWal, baseBackup, restorePointInTime } from '../../tools/postgres/pitr.procedure.ts';
import { PostgresContainer, type StartedPostgres } from '../../tools/postgres/postgres.container.ts';
import { postgresImage } from '../../tools/postgres/postgres.image.ts';
import { SqlAccidentInjector } from '../../tools/faults/sql-accident.fault.ts';
import { SqlProbeTransport, SteadyWriteProbe } from '../../tools/postgres/sql.probe.ts';
import { unwrap } from '../../tools/postgres/step-recorder.ts';

export interface PitrEnvironment extends AsyncDisposable {
  readonly env: PitrDrillEnv;
  readonly ports: Ports;
  readonly secrets: readonly string[];
}

const DATASET = { users: 200, logs: 3_000 };

export async function startPitrEnvironment(options: { runId: string; outDir: string; signal: AbortSignal; log: (line: string) => void }): Promise<PitrEnvironment> {
  const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: options.runId, [LABELS.scenario]: 'pitr-accidental-delete' };
  const image = await postgresImage();
  const work = join(options.outDir, 'pitr');
  const archiveDir = join(work, 'wal-archive');
  const store = new DirectoryTarget(join(work, 'backups'));
  await mkdir(archiveDir, { recursive: true });
  const instances: StartedPostgres[] = [];
  const dispose = async () => {
    for (const i of instances.splice(0).reverse()) await i[Symbol.asyncDispose]().catch(() => undefined);
    await rm(archiveDir, { recursive: true, force: true }); // WAL is bulky; the manifests stay as evidence
  };
  try {
    const primary = await new PostgresContainer(image).withLabels(labels).withWalArchive(archiveDir, { archiveTimeoutSeconds: 1 }).start({ signal: options.signal });
    instances.push(primary);
    await seedGravl(primary, DATASET);
    const base = unwrap(await baseBackup(primary, { target: store, signal: options.signal }));
    options.log(`pitr drill: primary ${primary.name} seeded (${DATASET.logs} logs), base backup ${base.key}`);
    let current = primary;
    let recovered: StartedPostgres | undefined;
    const faults = new SqlAccidentInjector(() => current);
    const transport = new SqlProbeTransport(primary.connectionConfig());
    const env: PitrDrillEnv = {
      table: 'logs',
      expectedRows: DATASET.logs,
      countRows: () => countRows(current, 'logs'),
      accident: () => ({ kind: 'sql-accident', table: 'logs', action: 'delete-all' }),
      async fencePrimary(signal) {
        const segment = await archiveCurrentWal(primary, { signal });
        await primary.stop();
        return `archived WAL ${segment}; stopped ${primary.name}`;
      },
      async recoverToBeforeAccident(signal) {
        const accident = faults.accidents.at(-1);
        if (!accident) throw new InvalidInputError('recovery target', ['no accident was recorded: nothing to recover to']);
        const result = await restorePointInTime({
          image,
          base: { source: store, key: base.key! },
          walArchiveDir: archiveDir,
          target: { time: accident.beforeServerTime, inclusive: false },
          password: primary.password,
          labels,
          signal,
        });
        recovered = unwrap(result).instance;
        instances.push(recovered);
        const slow = result.steps.map((s) => `${s.name} ${Math.round(s.endMs - s.startMs)} ms`).join('; ');
        return `recovered ${recovered.name} to ${accident.beforeServerTime} (${slow})`;
      },
      async repointApplication() {
        if (!recovered) throw new InvalidInputError('repoint', ['there is no recovered instance to point at']);
        transport.retarget(recovered.connectionConfig());
        current = recovered;
        return `application and probe now use ${recovered.name}`;
      },
    };
    const ports: Ports = {
      clock: systemClock,
      faults,
      data: new SteadyWriteProbe(transport, { intervalMs: 25 }),
      cluster: { name: 'docker', context: 'docker', provider: 'docker', createdByDrillbook: true },
    };
    return { env, ports, secrets: [primary.password], [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
