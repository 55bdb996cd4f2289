// The input boundary and the outputs, as a careful user meets them through the real CLI process: bad input is
// refused with the field, the value (cut short) and what is allowed, before anything is created, started or
// written; registered secrets never reach stdout, stderr, a file of the run or the history; a closed stdout is
// an interruption, not a crash.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recoverable } from '../../scenarios/testing/leak-detector.ts';
import { pidAlive } from '../state/active-runs.ts';
import { CLI_WITH_FAKES, killLeftovers, sandbox, startCli, type Sandbox } from './testing/cli-process.ts';
import { LEAKY_SECRET, STEP_SECRET } from './testing/leaky.suite.ts';

afterEach(killLeftovers);

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Refused as bad input: exit 2, the message, no stack trace, and nothing created, started or written. */
async function refused(sb: Sandbox, args: readonly string[], message: RegExp | string, options: Parameters<typeof startCli>[2] = {}) {
  const p = startCli(sb, args, options);
  const code = await p.exited;
  const { stdout, stderr } = p.output();
  expect(code, stderr).toBe(2);
  if (typeof message === 'string') expect(stderr).toContain(message);
  else expect(stderr).toMatch(message);
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  expect(stderr).not.toContain('unexpected error');
  expect(stdout).not.toContain('started local service');
  expect(existsSync(sb.out), 'output folder created').toBe(false);
  expect(existsSync(sb.state), 'state written').toBe(false);
  return stderr;
}

describe('secrets never reach an output (the leaky fake suite through the real CLI)', () => {
  for (const mode of ['human', 'json'] as const) {
    it(`${mode}: not on stdout or stderr, not in any file of the run, not in the history`, async () => {
      const sb = sandbox();
      const p = startCli(sb, [...(mode === 'json' ? ['--json'] : []), 'run', 'leaky', '--run-id', `leaky-${mode}`], { entry: CLI_WITH_FAKES });
      expect(await p.exited).toBe(1); // the planted error makes the verdict not-met: the run itself worked
      const { stdout, stderr } = p.output();
      // not vacuous: the planted log line, evidence and error did reach the outputs, redacted
      expect(stdout).toContain('preparing with password [REDACTED]');
      expect(stdout).toContain('reconnecting with postgres://app:[REDACTED]@db/app and token [REDACTED]');
      expect(stdout).toContain('rejected (token [REDACTED])');
      const files = filesUnder(sb.out);
      expect(files.some((f) => f.includes(`${join('history', `leaky-${mode}`)}`))).toBe(true);
      expect(files.some((f) => f.endsWith('leaky-drill.journal.json'))).toBe(true);
      const journal = readFileSync(files.find((f) => f.endsWith('leaky-drill.journal.json'))!, 'utf8');
      expect(journal).toContain('postgres://app:[REDACTED]@db/app');
      for (const secret of [LEAKY_SECRET, STEP_SECRET]) {
        expect(recoverable(stdout, secret), `stdout gives away ${secret}`).toBe(false);
        expect(recoverable(stderr, secret), `stderr gives away ${secret}`).toBe(false);
        for (const f of [...files, ...filesUnder(sb.state)]) expect(recoverable(readFileSync(f, 'utf8'), secret), `${f} gives away ${secret}`).toBe(false);
      }
    });
  }

  it('tty: the human progress on a real terminal (a pty through script(1)) is clean too', async () => {
    const sb = sandbox();
    const command = [process.execPath, CLI_WITH_FAKES, '--config', sb.config, 'run', 'leaky', '--run-id', 'leaky-tty'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: sb.dir, env: { ...process.env, DRILLBOOK_STATE: sb.state }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, out).toBe(1);
    expect(out).toContain('\u001b['); // colours: it was a terminal
    expect(out).toContain('preparing with password [REDACTED]');
    for (const secret of [LEAKY_SECRET, STEP_SECRET]) expect(recoverable(out, secret), `the terminal shows ${secret}`).toBe(false);
  });
});

describe('a closed stdout', () => {
  it('`drillbook scenarios | head -c1`: ends quietly, no EPIPE trace', async () => {
    const sb = sandbox();
    const p = startCli(sb, ['scenarios']);
    p.child.stdout!.once('data', () => p.child.stdout!.destroy());
    expect(await p.exited).toBe(0);
    expect(p.output().stderr).toBe('');
  });

  it('`drillbook run selftest --json | head`: an interruption: the fault reverted, the local service stopped, exit 130', async () => {
    const sb = sandbox();
    const p = startCli(sb, ['--json', 'run', 'selftest', '--only', 'local-service-freeze']);
    const started = await p.waitForLine((l) => l.includes('started local service'));
    const pid = Number(/\(pid (\d+)\)/.exec(started)![1]);
    expect(pidAlive(pid)).toBe(true);
    await p.waitForLine((l) => l.includes('"fault-injected"'));
    p.child.stdout!.destroy(); // the reader goes away while the service is frozen
    expect(await p.exited).toBe(130);
    expect(p.output().stderr).toContain('stdout closed: stopping; recovery and revert are running');
    expect(p.output().stderr).not.toContain('EPIPE');
    expect(pidAlive(pid), 'the local service process was left running').toBe(false);
    expect(readdirSync(join(sb.state, 'faults'))).toEqual([]); // reverted: nothing left for gc
    const journal = JSON.parse(readFileSync(filesUnder(sb.out).find((f) => f.endsWith('.journal.json'))!, 'utf8'));
    expect(journal.status).toBe('interrupted');
    expect(journal.faults[0].revertedAtMs).toBeGreaterThan(0);
  });
});

describe('bad input is refused before anything happens', () => {
  const configWith = (yaml: string) => sandbox((out) => `reports:\n  outDir: ${out}\n${yaml}`);

  it('--only <unknown id>: refused before prepare (no service started, no run folder)', async () => {
    const stderr = await refused(sandbox(), ['run', 'selftest', '--only', 'local-service-crash', 'nope'], "'nope' is not in suite selftest; it has: local-service-crash, local-service-freeze");
    expect(stderr).not.toContain("'local-service-crash' is not");
  });

  it('a suite that cannot run on the configured cluster is refused before it creates one (region-drills on an existing cluster)', async () => {
    await refused(configWith('cluster:\n  provider: existing\n  context: prod-eu\n'), ['run', 'region-drills'], "cluster.provider 'existing': region-drills stops the nodes of a two-region kind cluster it creates");
  });

  it('kube-drills on an existing cluster without the namespace allow-list: refused before anything (context, namespace and the lines to add)', async () => {
    const stderr = await refused(configWith('cluster:\n  provider: existing\n  context: prod-eu\n'), ['run', 'kube-drills'], "refusing destructive drills in namespace gravl-staging of context 'prod-eu'");
    expect(stderr).toContain('"prod-eu":\n');
    expect(stderr).toContain('namespaces: ["gravl-staging"]');
  });

  it('objectives for a scenario id that does not exist (a typo)', async () => {
    await refused(configWith('objectives:\n  backend-crsh:\n    rtoSeconds: 60\n'), ['run', 'selftest'], /objectives\.backend-crsh: no scenario has this id; known: .*backend-crash/);
  });

  it('reports.outDir at a file, /, /sys or under /proc (refused at once, no mkdir that can hang)', async () => {
    const sb = sandbox();
    const file = join(sb.dir, 'a-file');
    writeFileSync(file, 'x');
    for (const [dir, why] of [
      [file, 'is a file, not a folder'],
      [join(file, 'sub'), `${file} is a file, so the folder cannot be created under it`],
      ['/', 'is the filesystem root'],
      ['/sys', 'is under /sys, a kernel filesystem'],
      ['/proc/1/x', 'is under /proc, a kernel filesystem'],
    ] as const) {
      writeFileSync(sb.config, `reports:\n  outDir: ${dir}\n`);
      const stderr = await refused(sb, ['run', 'selftest'], `reports.outDir (got ${JSON.stringify(dir)}): ${why}`);
      expect(stderr).toContain('nothing was run');
    }
    expect(statSync(file).isFile()).toBe(true);
  });

  it('cluster.kubeconfig that does not exist', async () => {
    await refused(configWith('cluster:\n  kubeconfig: /nowhere/kubeconfig\n'), ['run', 'selftest'], 'cluster.kubeconfig (got "/nowhere/kubeconfig"): no such file');
  });

  it('allowDestructive.contexts: ["*"]', async () => {
    await refused(configWith('allowDestructive:\n  contexts: ["*"]\n'), ['run', 'selftest'], 'allowDestructive.contexts[0] (got "*"): wildcards are refused');
  });

  it('stack.namespace longer than a DNS label, or 50 MiB: the value is cut short in the message', async () => {
    await refused(configWith(`stack:\n  namespace: ${'a'.repeat(100)}\n`), ['run', 'selftest'], /stack\.namespace \(got "a{59}… \(100 characters\)\): must be a DNS label: at most 63/);
    const sb = configWith('');
    writeFileSync(sb.config, `stack:\n  namespace: ${'b'.repeat(50 * 1024 * 1024)}\n`);
    const stderr = await refused(sb, ['run', 'selftest'], /is \d+ bytes; a drillbook config is a few hundred bytes/);
    expect(stderr.length).toBeLessThan(1_000);
    writeFileSync(sb.config, `stack:\n  namespace: "${'c'.repeat(900_000)}"\n`);
    const long = await refused(sb, ['run', 'selftest'], '(900000 characters)');
    expect(long.length).toBeLessThan(1_000);
  });

  it('NaN and Infinity are shown as such, not as null', async () => {
    const stderr = await refused(configWith('load:\n  thresholds:\n    p95Ms: .nan\n    p99Ms: .inf\n'), ['run', 'selftest'], 'load.thresholds.p95Ms (got NaN)');
    expect(stderr).toContain('load.thresholds.p99Ms (got Infinity)');
    expect(stderr).not.toContain('null');
  });

  it('a binary file as config is named as binary, not echoed', async () => {
    const sb = sandbox();
    writeFileSync(sb.config, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 37) % 256)));
    const stderr = await refused(sb, ['run', 'selftest'], /is binary data \(5000 bytes\), not YAML text/);
    expect(stderr.length).toBeLessThan(500);
  });

  it('a config that is a folder, a list, or missing', async () => {
    const sb = sandbox();
    const folder = join(sb.dir, 'conf.d');
    mkdirSync(folder);
    await refused(sb, ['--config', folder, 'run', 'selftest'], 'is not a file', { config: false });
    writeFileSync(sb.config, '- a\n- b\n');
    await refused(sb, ['run', 'selftest'], 'the top level is a list; a drillbook config is a mapping');
    await refused(sb, ['--config', join(sb.dir, 'nope.yaml'), 'scenarios'], 'the file does not exist', { config: false });
  });

  it('`drillbook scenarios --config <broken>` fails; with a valid one it shows the overrides', async () => {
    const sb = configWith('objectives:\n  local-service-crash:\n    rtoSeconds: 42\n');
    const ok = startCli(sb, ['scenarios']);
    expect(await ok.exited).toBe(0);
    expect(ok.output().stdout).toMatch(/local-service-crash .*\n.*\n {2}objectives: RTO < 42 s.* \(from the config: rtoSeconds\)/);
    writeFileSync(sb.config, 'stack:\n  namespace: [unclosed\n');
    await refused(sb, ['scenarios'], /not valid YAML at line \d/);
  });

  it('--run-id of 10,000 characters: refused, cut short', async () => {
    const stderr = await refused(sandbox(), ['run', 'selftest', '--run-id', 'x'.repeat(10_000)], '(10000 characters)');
    expect(stderr.length).toBeLessThan(600);
  });
});

describe('a real internal error', () => {
  it('says it is a bug and how to get the stack trace; --debug prints it', async () => {
    const sb = sandbox();
    const p = startCli(sb, ['run', 'crashing'], { entry: CLI_WITH_FAKES });
    expect(await p.exited).toBe(2);
    expect(p.output().stderr).toBe('drillbook: unexpected error: cannot read the url of undefined\n  → this is a bug in drillbook; run again with --debug for the stack trace\n');
    const d = startCli(sb, ['--debug', 'run', 'crashing'], { entry: CLI_WITH_FAKES });
    expect(await d.exited).toBe(2);
    expect(d.output().stderr).toMatch(/TypeError: cannot read the url of undefined\n\s+at .*leaky\.suite\.ts:\d+/);
  });
});

describe('drillbook report on bad journals: names the file and the field, writes nothing', () => {
  function journals(sb: Sandbox) {
    const dir = join(sb.dir, 'journals');
    mkdirSync(dir);
    const good = JSON.parse(readFileSync(new URL('./testing/selftest.journal.json', import.meta.url), 'utf8'));
    const write = (name: string, value: unknown) => {
      const f = join(dir, name);
      writeFileSync(f, typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value));
      return f;
    };
    return { dir, good, write };
  }

  it('a missing runId', async () => {
    const sb = sandbox();
    const { good, write } = journals(sb);
    const { runId: _, ...noRunId } = good;
    const f = write('a.journal.json', noRunId);
    await refused(sb, ['report', f], new RegExp(`journal ${f} is invalid:\\n {2}- runId \\(missing\\)`));
  });

  it('mistyped fields: each named, nothing written (no partial allure-results)', async () => {
    const sb = sandbox();
    const { good, write } = journals(sb);
    const ok = write('ok.journal.json', good);
    const bad = write('b.journal.json', { ...good, status: 42, phases: [{ ...good.phases[0], steps: 'none' }] });
    const stderr = await refused(sb, ['report', '--out', join(sb.dir, 'rendered'), ok, bad], `journal ${bad} is invalid`);
    expect(stderr).toContain('status (got 42): must be one of "completed"');
    expect(stderr).toContain('phases.0.steps (got "none")');
    expect(existsSync(join(sb.dir, 'rendered'))).toBe(false);
  });

  it('not JSON, binary, a folder, a missing file, journals of two runs, --out at a file', async () => {
    const sb = sandbox();
    const { dir, good, write } = journals(sb);
    await refused(sb, ['report', write('t.json', '{"schemaVersion": 1,')], /not valid JSON/);
    await refused(sb, ['report', write('bin.json', Buffer.from([0, 159, 146, 150, 0, 1]))], 'is binary data (6 bytes), not JSON');
    await refused(sb, ['report', dir], `journal ${dir} is invalid:\n  - is not a file`);
    await refused(sb, ['report', join(dir, 'missing.json')], 'cannot be read: ENOENT');
    await refused(sb, ['report', write('r1.json', good), write('r2.json', { ...good, runId: 'other-run' })], /they come from 2 runs/);
    const file = write('out-file', 'x');
    await refused(sb, ['report', '--out', file, write('g.json', good)], `--out ${JSON.stringify(file)} is invalid:\n  - is a file, not a folder`);
  });

  it('a valid journal still renders', async () => {
    const sb = sandbox();
    const { good, write } = journals(sb);
    const p = startCli(sb, ['report', '--out', join(sb.dir, 'rendered'), write('ok.journal.json', good)]);
    expect(await p.exited).toBe(0);
    expect(existsSync(join(sb.dir, 'rendered', 'runs', good.runId, 'summary.md'))).toBe(true);
  });
});
