// What every e2e test of a suite prints and keeps while the suite runs: each log line (prefixed with the run's label,
// kept for assertions) and one line per finished drill with its numbers (status, verdict, detection, RTO, RPO, wall).
import type { SuiteEvent } from '../suite.ts';

export function e2eEvents(label: string, onLog?: (line: string) => void): { readonly logs: string[]; readonly onEvent: (e: SuiteEvent) => void } {
  const logs: string[] = [];
  const prefix = label ? `[${label}] ` : '';
  return {
    logs,
    onEvent: (e) => {
      if (e.type === 'log') {
        logs.push(e.line);
        console.log(`${prefix}${e.line}`);
        onLog?.(e.line);
      }
      if (e.type === 'scenario-end') {
        const m = e.journal.measurements;
        const rpo = m.rpo ? `, RPO ${m.rpo.valueMs} ms (${m.rpo.lostWrites}/${m.rpo.acknowledgedWrites} lost)` : '';
        console.log(`${prefix}${e.journal.scenario.id}: ${e.journal.status}/${e.journal.verdict} detection ${m.detectionMs} ms, RTO ${m.rto?.valueMs} ms (${m.rto?.source})${rpo}, wall ${e.journal.durationMs} ms`);
      }
    },
  };
}
