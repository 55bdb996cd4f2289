// Bad configuration gives a clear start-up error and a quick exit, never a hang (every run is bounded); the broken
// build and an injected migration failure fail the way the crash and migration scenarios expect. "Quick" is shown
// by what the backend did (no database attempt, no retry), not by a stopwatch: `npm run bench -- backend-startup`
// prints how long each failure takes to exit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { ToolFailedError } from '../../scenarios/errors.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { waitForHealthy } from '../../tools/lib/docker-health.ts';
import { ensureImage } from '../../tools/images/images.ts';
import { run, tryRun } from '../../tools/lib/exec.ts';

const labelArgs = [`${LABELS.managedBy}=${MANAGED_BY}`, `${LABELS.scenario}=images-startup-test`].flatMap((l) => ['--label', l]);
/** Every run is bounded: a hang fails the test with a timeout instead of blocking the suite. */
const dockerRun = (image: string, env: Record<string, string>, args: string[] = [], network?: string) =>
  tryRun('docker', ['run', '--rm', ...labelArgs, ...(network ? ['--network', network] : []), ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), image, ...args], {
    timeoutMs: 30_000,
  });

describe('gravl-backend start-up failures', () => {
  let v2: string;
  const network = `dbk-startup-${process.pid}`;
  const pgName = `dbk-startup-pg-${process.pid}`;

  beforeAll(async () => {
    v2 = await ensureImage('gravl-backend-v2');
    const pg = await ensureImage('postgres');
    await run('docker', ['network', 'create', ...labelArgs, network]);
    await run('docker', ['run', '-d', '--name', pgName, '--network', network, ...labelArgs, '-e', 'POSTGRES_PASSWORD=pw', '-e', 'POSTGRES_USER=gravl_user', '-e', 'POSTGRES_DB=gravl', pg]);
    await waitForHealthy(pgName, { timeoutMs: 60_000 });
  });
  afterAll(async () => {
    await tryRun('docker', ['rm', '-f', pgName]);
    await tryRun('docker', ['network', 'rm', network]);
  });

  const failure = (r: Awaited<ReturnType<typeof dockerRun>>) => {
    expect(r).toBeInstanceOf(ToolFailedError);
    const e = r as ToolFailedError;
    const lines = e.stderrTail.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; msg: string });
    const fatal = lines.find((l) => l.level === 'fatal')!;
    const retries = lines.filter((l) => l.msg === 'database not reachable yet, retrying').length;
    return { exitCode: e.exitCode, fatal, levels: lines.map((l) => l.level), retries };
  };

  it('exits 78 at once when the DB password is missing, naming the env var and the secret file', async () => {
    const { exitCode, fatal, levels } = failure(await dockerRun(v2, { DB_HOST: 'postgres' }));
    expect(exitCode).toBe(78);
    expect(fatal.msg).toMatch(/database password missing: set DB_PASSWORD, or DB_PASSWORD_FILE=<path>, or mount a secret file at \/etc\/gravl\/secrets\/db-password/);
    // at once: the fatal line is the only thing it logged, it never tried the (unresolvable) database host
    expect(levels).toEqual(['fatal']);
  });

  it('exits 69 with the address and cause when the DB is unreachable, within its connect budget', async () => {
    const { exitCode, fatal, retries } = failure(await dockerRun(v2, { DB_HOST: '127.0.0.1', DB_PORT: '1', DB_PASSWORD: 'pw', DB_CONNECT_TIMEOUT_MS: '2000' }));
    expect(exitCode).toBe(69);
    expect(fatal.msg).toMatch(/cannot use database gravl_user@127\.0\.0\.1:1\/gravl .*ECONNREFUSED/);
    // a refused connection may fix itself: it retried, and gave up only when its budget (less one 500 ms pause) was used
    expect(retries).toBeGreaterThan(0);
    const gaveUpAfter = Number(/gave up after (\d+) ms, budget DB_CONNECT_TIMEOUT_MS=2000/.exec(fatal.msg)?.[1]);
    expect(gaveUpAfter).toBeGreaterThanOrEqual(1_500);
  });

  it('exits 69 at once on a wrong password (it will not fix itself)', async () => {
    const { exitCode, fatal, retries } = failure(await dockerRun(v2, { DB_HOST: pgName, DB_PASSWORD: 'wrong' }, [], network));
    expect(exitCode).toBe(69);
    expect(fatal.msg).toMatch(/password authentication failed/);
    expect(retries).toBe(0); // at once: no retry
  });

  it('the broken build crashes at start with exit 70', async () => {
    const broken = await ensureImage('gravl-backend-broken');
    const { exitCode, fatal } = failure(await dockerRun(broken, { DB_HOST: pgName, DB_PASSWORD: 'pw' }, [], network));
    expect(exitCode).toBe(70);
    expect(fatal.msg).toMatch(/deliberately broken build/);
  });

  it('an injected migration failure rolls back and exits 1 naming the migration; a clean run then applies it', async () => {
    const bad = failure(await dockerRun(v2, { DB_HOST: pgName, DB_PASSWORD: 'pw', GRAVL_FAULT_MIGRATION: 'fail' }, ['migrate'], network));
    expect(bad.exitCode).toBe(1);
    expect(bad.fatal.msg).toMatch(/^Migration failed: 002_add_rpe: injected migration failure/);
    const schema = await run('docker', ['exec', pgName, 'psql', '-U', 'gravl_user', '-d', 'gravl', '-tAc', 'select max(version) from schema_migrations']);
    expect(schema.stdout.trim()).toBe('1'); // 001 committed, 002 rolled back
    const good = await dockerRun(v2, { DB_HOST: pgName, DB_PASSWORD: 'pw' }, ['migrate'], network);
    expect(good).not.toBeInstanceOf(Error);
    const after = await run('docker', ['exec', pgName, 'psql', '-U', 'gravl_user', '-d', 'gravl', '-tAc', 'select max(version) from schema_migrations']);
    expect(after.stdout.trim()).toBe('2');
  });

  it('v1 serves on the v2 schema, so rolling the backend back needs no schema rollback', async () => {
    const v1 = await ensureImage('gravl-backend-v1');
    const name = `dbk-startup-v1-${process.pid}`;
    await run('docker', ['run', '-d', '--name', name, '--network', network, ...labelArgs, '-p', '127.0.0.1::3000', '-e', `DB_HOST=${pgName}`, '-e', 'DB_PASSWORD=pw', v1]);
    try {
      const port = (await run('docker', ['port', name, '3000/tcp'])).stdout.split('\n')[0]!.split(':').pop();
      const base = `http://127.0.0.1:${port}`;
      const ready = await waitFor(
        systemClock,
        condition('v1 backend ready on the v2 schema', async () => {
          const res = await fetch(`${base}/api/ready`, { signal: AbortSignal.timeout(2_000) });
          return { ok: res.status === 200, value: await res.json() };
        }),
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      expect(ready).toMatchObject({ status: 'ready', version: 'v1', schema: 2 });
      const write = await fetch(`${base}/api/logs`, { method: 'POST', body: JSON.stringify({ clientId: 'rollback', seq: 1, exerciseId: 1, reps: 3 }) });
      expect(write.status).toBe(201);
    } finally {
      await tryRun('docker', ['rm', '-f', name]);
    }
  });
  // last: it leaves the database half migrated, as the failed-migration drill finds it
  it("v3's migration fails at 004 with a duplicate key after 003 committed; the column v2 writes is gone", async () => {
    const v3 = await ensureImage('gravl-backend-v3');
    const bad = failure(await dockerRun(v3, { DB_HOST: pgName, DB_PASSWORD: 'pw' }, ['migrate'], network));
    expect(bad.exitCode).toBe(1);
    expect(bad.fatal.msg).toMatch(/^Migration failed: 004_exercise_variants: duplicate key value violates unique constraint "exercises_name_key"/);
    const psql = async (sql: string) => (await run('docker', ['exec', pgName, 'psql', '-U', 'gravl_user', '-d', 'gravl', '-tAc', sql])).stdout.trim();
    expect(await psql('select max(version) from schema_migrations')).toBe('3');
    expect(await psql("select count(*) from information_schema.columns where table_name = 'workout_logs' and column_name = 'weight_kg'")).toBe('0');
    expect(await psql("select count(*) from exercises where name = 'Front squat'")).toBe('0'); // 004 rolled back as a whole
  });
});
