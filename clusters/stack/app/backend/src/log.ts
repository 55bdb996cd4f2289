// Structured logs: one JSON object per line on stdout (what promtail/Loki ingest).
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(base: Record<string, unknown>, minLevel: Level = 'info', write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  return {
    log(level, msg, fields = {}) {
      if (order[level] < order[minLevel]) return;
      write(`${JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, ...fields })}\n`);
    },
  };
}
