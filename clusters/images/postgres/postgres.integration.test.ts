// The postgres image honours the official image's env conventions and archives WAL when asked to.
import '../../../tools/lib/testcontainers-env.ts';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../../scenarios/ports.ts';
import { ToolFailedError } from '../../../scenarios/errors.ts';
import { systemClock } from '../../../scenarios/clock.ts';
import { condition, waitFor } from '../../../scenarios/wait.ts';
import { ensureImage } from '../../../tools/images/images.ts';
import { tryRun } from '../../../tools/lib/exec.ts';

const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.scenario]: 'images-postgres-test' };

describe('drillbook/postgres image', () => {
  let pg: StartedTestContainer | undefined;

  beforeAll(async () => {
    const image = await ensureImage('postgres', { log: (l) => console.log(l) });
    pg = await new GenericContainer(image)
      .withLabels(labels)
      .withEnvironment({
        POSTGRES_USER: 'gravl_user',
        POSTGRES_PASSWORD: 'pw-test',
        POSTGRES_DB: 'gravl',
        POSTGRES_ARCHIVE_COMMAND: 'default',
      })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/))
      .start();
  });

  afterAll(async () => {
    await pg?.stop({ remove: true, removeVolumes: true });
  });

  it('initialises the database and user from env and archives WAL segments', async () => {
    const c = pg!;
    const q = (sql: string) => c.exec(['psql', '-h', '127.0.0.1', '-U', 'gravl_user', '-d', 'gravl', '-tAc', sql], { env: { PGPASSWORD: 'pw-test' } });
    const who = await q('select current_user || \'@\' || current_database()');
    expect(who.exitCode).toBe(0);
    expect(who.output.trim()).toBe('gravl_user@gravl');
    expect((await q('show archive_mode')).output.trim()).toBe('on');
    expect((await q('show data_directory')).output.trim()).toBe('/var/lib/postgresql/data');
    await q('create table t(x int); insert into t values (1); select pg_switch_wal()');
    const listing = await waitFor(
      systemClock,
      condition('a WAL segment in /var/lib/postgresql/wal-archive', async () => {
        const out = (await c.exec(['ls', '/var/lib/postgresql/wal-archive'])).output;
        return { ok: /^[0-9A-F]{24}$/m.test(out), value: out };
      }),
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(listing).toMatch(/^[0-9A-F]{24}$/m);
  });

  it('refuses to initialise without a password, with a message that says what to set', async () => {
    const image = await ensureImage('postgres');
    const result = await tryRun('docker', ['run', '--rm', ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), image], {
      timeoutMs: 30_000,
    });
    expect(result).toBeInstanceOf(ToolFailedError);
    expect((result as ToolFailedError).exitCode).toBe(1);
    expect((result as ToolFailedError).stderrTail).toMatch(/POSTGRES_PASSWORD is not set/);
  });
});
