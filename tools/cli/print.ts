// Human progress on a terminal (colour only on a TTY), NDJSON with --json.
import pc from 'picocolors';

type Colors = ReturnType<typeof pc.createColors>;
import type { Journal, StepStatus } from '../../scenarios/journal.ts';
import type { SuiteEvent } from '../../suites/suite.ts';
import type { Out } from './stdout.ts';

export interface Printer {
  event(e: SuiteEvent): void;
  line(text: string): void;
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);

export function humanPrinter(out: Out, tty: boolean): Printer {
  const c: Colors = tty ? pc : pc.createColors(false);
  const mark = (s: StepStatus) => (s === 'passed' ? c.green('✓') : s === 'skipped' ? c.dim('-') : s === 'interrupted' ? c.yellow('!') : c.red('✗'));
  const w = (s: string) => out.write(`${s}\n`);
  return {
    line: w,
    event(e) {
      switch (e.type) {
        case 'log':
          return w(c.dim(`  ${e.line}`));
        case 'scenario-start':
          return w(c.bold(`▶ ${e.scenario}`));
        case 'phase-start':
          return;
        case 'step-end':
          return w(`    ${mark(e.step.status)} ${e.phase}: ${e.step.name} ${c.dim(ms(e.step.endMs - e.step.startMs))}${e.step.error ? c.red(`  ${e.step.error.message.split('\n')[0]}`) : ''}`);
        case 'phase-end':
          return w(`  ${mark(e.status)} ${e.phase}`);
        case 'fault-injected':
          return w(c.yellow(`  ⚡ fault ${e.id} injected (${e.spec.kind})`));
        case 'fault-reverted':
          return w(e.error ? c.red(`  ✗ fault ${e.id} NOT reverted: ${e.error.message}`) : c.green(`  ↺ fault ${e.id} reverted`));
        case 'scenario-end':
          return w(summaryLine(e.journal, c));
      }
    },
  };
}

export function jsonPrinter(out: Out): Printer {
  return {
    line: () => {},
    event(e) {
      out.write(`${JSON.stringify(e.type === 'scenario-end' ? { type: e.type, scenario: e.journal.scenario.id, status: e.journal.status, verdict: e.journal.verdict } : e)}\n`);
    },
  };
}

function summaryLine(j: Journal, c: Colors): string {
  if (j.status === 'not-run') return c.yellow(`- ${j.scenario.id}: NOT RUN (${j.error?.message ?? 'not run'})`);
  if (j.status === 'skipped') return c.yellow(`- ${j.scenario.id}: SKIPPED (${j.error?.message ?? 'skipped'})`);
  const verdict = j.verdict === 'met' ? c.green('MET') : j.verdict === 'not-met' ? c.red('NOT MET') : c.yellow('INCONCLUSIVE');
  const m = j.measurements;
  const rpo = m.rpo ? `${ms(m.rpo.valueMs)} (${m.rpo.lostWrites} lost)` : '—';
  return `  ${verdict} ${c.dim(`status=${j.status}`)} detection=${ms(m.detectionMs)} RTO=${ms(m.rto?.valueMs)}${m.rto ? c.dim(` (${m.rto.source})`) : ''} RPO=${rpo} wall=${ms(j.durationMs)}`;
}

/** A plain-text summary of journals, for `drillbook report`. */
export function textSummary(journals: readonly Journal[]): string {
  const lines = ['scenario | status | verdict | detection | RTO | RPO | objectives', '--- | --- | --- | --- | --- | --- | ---'];
  for (const j of journals) {
    const m = j.measurements;
    lines.push(
      [
        j.scenario.id,
        j.status,
        j.verdict,
        ms(m.detectionMs),
        m.rto ? `${ms(m.rto.valueMs)} (${m.rto.source})` : '—',
        m.rpo ? `${ms(m.rpo.valueMs)} (${m.rpo.lostWrites} lost)` : '—',
        j.objectives.map((o) => `${o.met ? '✓' : '✗'} ${o.statement}`).join('; ') || '—',
      ].join(' | '),
    );
  }
  return lines.join('\n');
}
