// The CLI as a user runs it: real processes, real signals, real files.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Journal } from '../../scenarios/journal.ts';
import { expectJudgedOnItsNumbers } from '../../scenarios/testing/judged-on-numbers.ts';
import { pidAlive as alive } from '../state/active-runs.ts';

const CLI = fileURLToPath(new URL('./drillbook.mjs', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Sandbox {
  dir: string;
  config: string;
  state: string;
  out: string;
}

function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-cli-'));
  const out = join(dir, 'out');
  const config = join(dir, 'drillbook.yaml');
  writeFileSync(config, `reports:\n  outDir: ${out}\n`);
  return { dir, config, state: join(dir, 'state'), out };
}

function start(sb: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, '--config', sb.config, ...args], {
    cwd: sb.dir,
    env: { ...process.env, DRILLBOOK_STATE: sb.state, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const lineWaiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const line of d.toString().split('\n')) {
      for (const w of [...lineWaiters]) if (w.test(line)) {
        lineWaiters.splice(lineWaiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitForLine: (test: (line: string) => boolean) => new Promise<string>((resolve) => lineWaiters.push({ test, resolve })),
  };
}

function journalsIn(out: string): Journal[] {
  const runs = join(out, 'runs');
  return readdirSync(runs).flatMap((run) =>
    readdirSync(join(runs, run))
      .filter((f) => f.endsWith('.journal.json'))
      .map((f) => JSON.parse(readFileSync(join(runs, run, f), 'utf8')) as Journal),
  );
}

describe('drillbook CLI', () => {
  // Both scenarios' detection objective is < 2 s: on a shared 2-core machine whether it is met is a timing, so the
  // verdicts, the decision and the exit code are checked against the numbers measured, not expected to be GO.
  it('run selftest: both scenarios recover, the exit code follows the verdicts, journals and reports on disk', async () => {
    const sb = sandbox();
    const p = start(sb, ['--json', 'run', 'selftest', '--run-id', 'nightly-42']);
    const exitCode = await p.exited;
    for (const f of ['report.html', 'summary.md', 'report.json', 'junit.xml']) expect(existsSync(join(sb.out, 'runs', 'nightly-42', f)), f).toBe(true);
    expect(existsSync(join(sb.out, 'history', 'nightly-42'))).toBe(true);
    const journals = journalsIn(sb.out);
    expect(journals.map((j) => j.scenario.id).sort()).toEqual(['local-service-crash', 'local-service-freeze']);
    for (const j of journals) {
      expectJudgedOnItsNumbers(j, { mustMeet: ['rto'] });
      expect(j.phases.map((ph) => ph.name)).toEqual(['steady-state-before', 'inject', 'detect', 'recover', 'verify', 'revert']);
      expect(j.measurements.detectionMs).not.toBeNull();
      expect(j.measurements.rto?.source).toBe('verify');
    }
    const go = journals.every((j) => j.verdict === 'met');
    expect(exitCode).toBe(go ? 0 : 1);
    expect(readFileSync(join(sb.out, 'runs', 'nightly-42', 'summary.md'), 'utf8')).toMatch(go ? /(?<!NO-)GO/ : /NO-GO/);
    const last = JSON.parse(p.output().stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ type: 'result', suite: 'selftest', runId: 'nightly-42', decision: go ? 'go' : 'no-go', exitCode });
    // report re-renders from the journals alone
    const journalFiles = readdirSync(join(sb.out, 'runs', 'nightly-42')).filter((f) => f.endsWith('.journal.json')).map((f) => join(sb.out, 'runs', 'nightly-42', f));
    const r = start(sb, ['report', '--out', join(sb.dir, 'rerendered'), ...journalFiles]);
    expect(await r.exited).toBe(0);
    expect(r.output().stdout).toContain('A service hangs (port open, no answers)');
    expect(existsSync(join(sb.dir, 'rerendered', 'runs', 'nightly-42', 'report.html'))).toBe(true);
  });

  it('SIGINT while the fault is in place: recovers, reverts, exits 130', async () => {
    const sb = sandbox();
    const p = start(sb, ['--json', 'run', 'selftest', '--only', 'local-service-freeze']);
    const injected = JSON.parse(await p.waitForLine((l) => l.includes('"fault-injected"'))) as { id: string };
    // The service is frozen now (SIGSTOP); the ledger holds the fault.
    expect(readdirSync(join(sb.state, 'faults'))).toEqual([`${injected.id}.json`]);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(130);
    expect(p.output().stderr).toContain('SIGINT: stopping; recovery and revert are running');
    const [j] = journalsIn(sb.out);
    expect(j!.status).toBe('interrupted');
    expect(j!.verdict).toBe('inconclusive');
    expect(j!.phases.map((ph) => ph.name)).toEqual(['steady-state-before', 'inject', 'detect', 'recover', 'revert']);
    expect(j!.phases.find((ph) => ph.name === 'recover')!.status).toBe('passed');
    expect(j!.faults[0]!.revertedAtMs).toBeGreaterThan(0);
    expect(readdirSync(join(sb.state, 'faults'))).toEqual([]); // nothing left for gc
  });

  it('SIGTERM during the first scenario’s recovery: it ends interrupted, the second is listed not-run, exit 130, NO-GO', async () => {
    const sb = sandbox();
    const p = start(sb, ['--json', 'run', 'selftest', '--run-id', 'sigterm-1']);
    // the first scenario's recovery has begun (the runbook's restart runs under the cleanup signal)
    await p.waitForLine((l) => l.includes('"phase-start"') && l.includes('"recover"'));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(130);
    expect(p.output().stderr).toContain('SIGTERM: stopping; recovery and revert are running');
    const byId = Object.fromEntries(journalsIn(sb.out).map((j) => [j.scenario.id, j]));
    expect(byId['local-service-crash']).toMatchObject({ status: 'interrupted', verdict: 'inconclusive' });
    expect(byId['local-service-crash']!.phases.find((ph) => ph.name === 'recover')!.status).toBe('passed');
    expect(byId['local-service-crash']!.faults[0]!.revertedAtMs).toBeGreaterThan(0);
    expect(byId['local-service-freeze']).toMatchObject({ status: 'not-run', phases: [], faults: [] });
    const last = JSON.parse(p.output().stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ type: 'result', decision: 'no-go', interrupted: true, notRun: ['local-service-freeze'], exitCode: 130 });
    expect(readFileSync(join(sb.out, 'runs', 'sigterm-1', 'summary.md'), 'utf8')).toMatch(/NO-GO[\s\S]*Interrupted \(exit 130\)/);
    expect(readdirSync(join(sb.state, 'faults'))).toEqual([]); // nothing left for gc
  });

  it('SIGINT during start-up exits 130 (not 2), and nothing is reported as run', async () => {
    const sb = sandbox();
    const p = start(sb, ['--json', 'run', 'selftest', '--run-id', 'startup-1']);
    await p.waitForLine((l) => l.includes('preparing suite selftest'));
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(130);
    const runDir = join(sb.out, 'runs', 'startup-1');
    const journals = existsSync(runDir) ? journalsIn(sb.out) : [];
    for (const j of journals) expect(['interrupted', 'not-run']).toContain(j.status);
  });

  it('kill -9 mid-fault leaves a frozen orphan; gc finds it by the ledger and removes it', async () => {
    const sb = sandbox();
    const p = start(sb, ['--json', 'run', 'selftest', '--only', 'local-service-freeze']);
    await p.waitForLine((l) => l.includes('"fault-injected"'));
    p.child.kill('SIGKILL');
    await p.exited;
    const [entry] = readdirSync(join(sb.state, 'faults')).map((f) => JSON.parse(readFileSync(join(sb.state, 'faults', f), 'utf8')));
    const orphan = entry.undo[0].pids[0] as number;
    expect(alive(orphan)).toBe(true);
    const dry = start(sb, ['gc', '--dry-run']);
    expect(await dry.exited).toBe(0);
    expect(dry.output().stdout).toContain(`fault ${entry.id} (process-pause`);
    expect(alive(orphan)).toBe(true);
    const g = start(sb, ['gc']);
    expect(await g.exited).toBe(0);
    expect(g.output().stdout).toMatch(new RegExp(`✓ fault ${entry.id} .*kill-pids`));
    expect(alive(orphan)).toBe(false);
    expect(readdirSync(join(sb.state, 'faults'))).toEqual([]);
  });

  it('a bad config is refused before anything runs, naming the field', async () => {
    const sb = sandbox();
    writeFileSync(sb.config, 'cluster:\n  provider: gke\nload:\n  thresholds:\n    p95Ms: -1\n');
    const p = start(sb, ['run', 'selftest']);
    expect(await p.exited).toBe(2);
    expect(p.output().stderr).toContain('cluster.provider (got "gke"): must be one of "kind", "existing"');
    expect(p.output().stderr).toContain('load.thresholds.p95Ms (got -1)');
    expect(existsSync(sb.out)).toBe(false);
    expect(existsSync(sb.state)).toBe(false);
  });

  it('a bad run id is refused before anything runs', async () => {
    const sb = sandbox();
    const p = start(sb, ['run', 'selftest', '--run-id', '../../etc']);
    expect(await p.exited).toBe(2);
    expect(p.output().stderr).toContain("--run-id '../../etc' is invalid");
    expect(existsSync(sb.out)).toBe(false);
  });

  it('an unknown suite or scenario is a clear usage error', async () => {
    const sb = sandbox();
    const p = start(sb, ['run', 'nightlyy']);
    expect(await p.exited).toBe(2);
    expect(p.output().stderr).toMatch(/unknown suite; available: .*selftest/);
    const q = start(sb, ['run', 'selftest', '--only', 'nope']);
    expect(await q.exited).toBe(2);
    expect(q.output().stderr).toContain("'nope' is not in suite selftest");
  });

  it('doctor on a bare machine lists what is missing with the command that installs it', async () => {
    const sb = sandbox();
    const bare = mkdtempSync(join(tmpdir(), 'drillbook-bare-path-'));
    // Only node itself on PATH: no docker, no kubectl.
    const p = start(sb, ['doctor'], { PATH: `${dirname(process.execPath)}:${bare}` });
    expect(await p.exited).toBe(1);
    const out = p.output().stdout;
    expect(out).toMatch(/✗ docker engine: docker CLI not found\n\s+needed for: .*\n\s+fix: apt-get update && apt-get install -y docker.io/);
    expect(out).toMatch(/✗ kubectl: kubectl not found/);
    expect(out).toMatch(/✓ node: node v2\d/);
    expect(out).toMatch(/\d+ missing; run the fix commands above/);
  });

  it('doctor on this prepared machine says OK', async () => {
    const sb = sandbox();
    const p = start(sb, ['doctor', '--json']);
    const code = await p.exited;
    const results = JSON.parse(p.output().stdout) as { name: string; ok: boolean; detail: string; fix?: string }[];
    const missing = results.filter((r) => !r.ok);
    expect(missing, `missing on this machine: ${JSON.stringify(missing)}`).toEqual([]);
    expect(code).toBe(0);
  });
});
