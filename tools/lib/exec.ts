// Every external command goes through here: argument arrays (never shell strings), an AbortSignal,
// and one error type (ToolFailedError) that carries the exit code and the tail of stderr.
import { execa, type Options } from 'execa';
import { ToolFailedError } from '../../scenarios/errors.ts';

export interface RunOptions {
  signal?: AbortSignal;
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Stream output to the parent's stdio (long builds); result.stdout is then empty. */
  inherit?: boolean;
  /** Hint printed under the error when the command fails. */
  hint?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const execaOptions: Options = {
    reject: false,
    cancelSignal: options.signal,
    cwd: options.cwd,
    env: options.env,
    input: options.input,
    timeout: options.timeoutMs,
    stdio: options.inherit ? 'inherit' : 'pipe',
    stripFinalNewline: true,
    forceKillAfterDelay: 5_000,
  };
  let result;
  try {
    result = await execa(file, args, execaOptions);
  } catch (cause) {
    throw new ToolFailedError(file, `could not start: ${(cause as Error).message}`, { cause, hint: options.hint });
  }
  const durationMs = Math.round(performance.now() - started);
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (result.failed) {
    const how = result.isCanceled
      ? 'was cancelled'
      : result.timedOut
        ? `timed out after ${options.timeoutMs} ms`
        : result.exitCode === undefined
          ? `failed (${result.signal ?? result.originalMessage ?? 'not found'})`
          : `exited with code ${result.exitCode}`;
    throw new ToolFailedError(file, `\`${[file, ...args].join(' ')}\` ${how}`, {
      exitCode: result.exitCode,
      stderr: stderr || stdout,
      cause: result,
      hint: options.hint,
    });
  }
  return { stdout, stderr, exitCode: result.exitCode ?? 0, durationMs };
}

/** Like run(), but a non-zero exit is returned, not thrown (for probes such as `docker info`). */
export async function tryRun(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult | ToolFailedError> {
  try {
    return await run(file, args, options);
  } catch (error) {
    if (error instanceof ToolFailedError) return error;
    throw error;
  }
}
