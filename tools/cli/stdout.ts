// stdout as the CLI uses it: when the reader goes away (`drillbook scenarios | head -c1`), writes fail with EPIPE.
// Unhandled, that is a crash in the middle of whatever runs, a fault in place included. Here it is an event:
// further output is dropped, and a run treats it as an interruption (recover, revert, clean up, exit).

export interface Out {
  write(text: string): void;
}

export interface GuardedStdout extends Out {
  readonly closed: boolean;
  /** Called once, when the reader has gone. */
  onClosed(handler: () => void): void;
}

export function guardStdout(stream: NodeJS.WriteStream, stderr: NodeJS.WriteStream = process.stderr): GuardedStdout {
  let closed = false;
  const handlers: (() => void)[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    for (const h of handlers.splice(0)) h();
  };
  // Any write error means nobody reads any more (EPIPE, a destroyed stream): stop writing, do not crash.
  stream.on('error', close);
  // A closed stderr must not crash the run either; there is nowhere left to say anything.
  stderr.on('error', () => {});
  return {
    get closed() {
      return closed;
    },
    onClosed(handler) {
      if (closed) handler();
      else handlers.push(handler);
    },
    write(text) {
      if (closed || stream.destroyed) return;
      try {
        stream.write(text);
      } catch {
        close();
      }
    },
  };
}
