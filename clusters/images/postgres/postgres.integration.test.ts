// The postgres image honours the official image's env conventions and archives WAL when asked to.
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../../scenarios/ports.ts';
import { ToolFailedError } from '../../../scenarios/errors.ts';
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
    let listing = '';
    for (let i = 0; i < 50 && !/^[0-9A-F]{24}$/m.test(listing); i++) {
      listing = (await c.exec(['ls', '/var/lib/postgresql/wal-archive'])).output;
      if (!/^[0-9A-F]{24}$/m.test(listing)) await new Promise((r) => setTimeout(r, 200)); // bounded poll in a test
    }
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
