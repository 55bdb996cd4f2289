// A service the harness itself starts on 127.0.0.1, for the self-test suite: the cheapest real target that
// can crash and be restarted. Builder -> start() -> StartedLocalService (AsyncDisposable).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ToolFailedError } from '../../scenarios/errors.ts';

const SERVER = fileURLToPath(new URL('./health-server.ts', import.meta.url));

export class LocalService {
  readonly name: string;
  #port = 0;
  constructor(name: string) {
    this.name = name;
  }
  withPort(port: number): this {
    this.#port = port;
    return this;
  }
  async start(options: { signal?: AbortSignal } = {}): Promise<StartedLocalService> {
    const started = new StartedLocalService(this.name);
    await started.launch(this.#port, options.signal);
    return started;
  }
}

export class StartedLocalService implements AsyncDisposable {
  readonly name: string;
  #child: ChildProcess | undefined;
  #port = 0;
  constructor(name: string) {
    this.name = name;
  }
  get port(): number {
    return this.#port;
  }
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  get pid(): number | undefined {
    return this.#child?.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }
  get running(): boolean {
    return this.pid !== undefined;
  }

  /** (Re)starts the process; after a crash it comes back on the same port. */
  async launch(port = this.#port, signal?: AbortSignal): Promise<void> {
    if (this.running) return;
    const child = spawn(process.execPath, [SERVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'], signal });
    child.on('error', () => {}); // an abort kills it; the exit is what we watch
    this.#child = child;
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /listening (\d+)/.exec(buf);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code, sig) => reject(new ToolFailedError(`local service ${this.name}`, `exited before listening (code ${code}, signal ${sig})`)));
    });
    this.#port = Number(line);
  }

  #paused = false;
  get paused(): boolean {
    return this.#paused && this.running;
  }
  /** SIGSTOP: the process hangs with its port open. */
  pause(): void {
    if (this.#child && this.running) {
      this.#child.kill('SIGSTOP');
      this.#paused = true;
    }
  }
  resume(): void {
    if (this.#child && this.running) this.#child.kill('SIGCONT');
    this.#paused = false;
  }

  /** The fault: SIGKILL, as a crash would. Resolves when the process is gone. */
  async kill(): Promise<number | undefined> {
    const child = this.#child;
    if (!child || !this.running) return undefined;
    const pid = child.pid;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    this.#paused = false;
    return pid;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    if (this.#paused) this.resume();
    child.kill('SIGTERM');
    await exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
