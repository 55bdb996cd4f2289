// The CLI as a test runs it: a real process in a sandbox folder (its own config, state and output folders).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The launcher users run, and the same CLI with the fake suites added. */
export const CLI = fileURLToPath(new URL('../drillbook.mjs', import.meta.url));
export const CLI_WITH_FAKES = fileURLToPath(new URL('./cli-with-fakes.ts', import.meta.url));

export interface Sandbox {
  readonly dir: string;
  readonly config: string;
  readonly state: string;
  readonly out: string;
}

export function sandbox(configYaml?: (out: string) => string): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-cli-'));
  const out = join(dir, 'out');
  const config = join(dir, 'drillbook.yaml');
  writeFileSync(config, configYaml ? configYaml(out) : `reports:\n  outDir: ${out}\n`);
  return { dir, config, state: join(dir, 'state'), out };
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
  waitForLine(test: (line: string) => boolean): Promise<string>;
}

const running: ChildProcess[] = [];
/** Kill whatever a test left running (call from afterEach). */
export function killLeftovers(): void {
  for (const c of running.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export function startCli(sb: Sandbox, args: readonly string[], options: { entry?: string; config?: boolean; env?: NodeJS.ProcessEnv } = {}): CliProcess {
  const configArgs = options.config === false ? [] : ['--config', sb.config];
  const child = spawn(process.execPath, [options.entry ?? CLI, ...configArgs, ...args], {
    cwd: sb.dir,
    env: { ...process.env, DRILLBOOK_STATE: sb.state, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  let partial = '';
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      for (const w of [...waiters]) if (w.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }), waitForLine: (test) => new Promise((resolve) => waiters.push({ test, resolve })) };
}
