// drillbook CLI. Exit codes: 0 objectives met / go, 1 not met / no-go, 2 harness error or bad input,
// 130 interrupted (faults reverted).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { catalog } from '../../scenarios/catalog/index.ts';
import { DrillbookError, InvalidInputError } from '../../scenarios/errors.ts';
import type { Journal } from '../../scenarios/journal.ts';
import { findSuite, suites } from '../../suites/index.ts';
import { runSuite } from '../../suites/suite.ts';
import { loadConfig } from '../config/config.ts';
import { checks, runDoctor } from '../doctor/doctor.ts';
import { gc } from '../gc/gc.ts';
import { humanPrinter, jsonPrinter, textSummary } from './print.ts';

const program = new Command('drillbook')
  .description('Turns runbooks into suites that prove them on a real cluster.')
  .option('-c, --config <file>', 'config file (default: drillbook.yaml if present)')
  .option('--json', 'machine-readable output (NDJSON events, JSON results)')
  .exitOverride();

const opts = () => program.opts<{ config?: string; json?: boolean }>();
const write = (s: string) => process.stdout.write(`${s}\n`);

program
  .command('run')
  .argument('<suite>', `suite to run: ${suites.map((s) => s.name).join(', ')}`)
  .option('--only <ids...>', 'run only these scenarios of the suite')
  .description('run a suite; writes journals under <reports.outDir>/runs/<runId>/')
  .action(async (name: string, cmd: { only?: string[] }) => {
    const config = loadConfig(opts().config);
    const suite = findSuite(name);
    if (!suite) throw new InvalidInputError(`suite '${name}'`, [`unknown suite; available: ${suites.map((s) => s.name).join(', ')}`]);
    const printer = opts().json ? jsonPrinter(process.stdout) : humanPrinter(process.stdout, process.stdout.isTTY === true);
    const interrupt = new AbortController();
    const cleanup = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      if (!interrupt.signal.aborted) {
        process.stderr.write(`\n${sig}: stopping; recovery and revert are running (send it again to cut recovery short)\n`);
        interrupt.abort(new Error(sig));
      } else if (!cleanup.signal.aborted) {
        process.stderr.write(`\n${sig} again: cutting recovery short; faults are still reverted\n`);
        cleanup.abort(new Error(sig));
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const result = await runSuite(suite, {
      config,
      ...(cmd.only ? { only: cmd.only } : {}),
      signal: interrupt.signal,
      cleanupSignal: cleanup.signal,
      onEvent: (e) => printer.event(e),
    });
    if (opts().json) write(JSON.stringify({ type: 'result', suite: result.suite, runId: result.runId, outDir: result.outDir, wallMs: result.wallMs, exitCode: result.exitCode }));
    else {
      printer.line('');
      printer.line(textSummary(result.journals));
      const budget = result.budgetSeconds ? ` (budget ${result.budgetSeconds} s${result.wallMs > result.budgetSeconds * 1000 ? ', EXCEEDED' : ''})` : '';
      printer.line(`\nsuite ${result.suite} run ${result.runId}: wall ${(result.wallMs / 1000).toFixed(1)} s${budget}; journals in ${result.outDir}`);
    }
    process.exitCode = result.exitCode;
  });

program
  .command('scenarios')
  .description('list every scenario with its objectives')
  .action(() => {
    const rows = catalog.map((s) => ({ id: s.id, title: s.title, destructive: s.destructive, runbook: s.runbookRef ?? null, tags: s.tags ?? [], objectives: s.objectives }));
    if (opts().json) {
      write(JSON.stringify(rows, null, 2));
      return;
    }
    for (const r of rows) {
      const o = r.objectives;
      const obj = [o.rtoSeconds && `RTO < ${o.rtoSeconds} s`, o.rpoSeconds && `RPO < ${o.rpoSeconds} s`, o.detectionSeconds && `detection < ${o.detectionSeconds} s`].filter(Boolean).join(', ');
      write(`${r.id}${r.destructive ? ' [destructive]' : ''}\n  ${r.title}\n  objectives: ${obj || '—'}${r.runbook ? `\n  runbook: ${r.runbook}` : ''}`);
    }
  });

program
  .command('doctor')
  .description('check every prerequisite; print what is missing and the command that installs it')
  .action(async () => {
    const results = await runDoctor(checks);
    if (opts().json) write(JSON.stringify(results, null, 2));
    else {
      for (const r of results) write(`${r.ok ? '✓' : '✗'} ${r.name}: ${r.detail}${r.ok ? '' : `\n    needed for: ${r.neededFor}\n    fix: ${r.fix ?? '(see README)'}`}`);
      write(results.every((r) => r.ok) ? '\nOK: everything drillbook needs is here.' : `\n${results.filter((r) => !r.ok).length} missing; run the fix commands above (or: bash tools/bootstrap.sh).`);
    }
    process.exitCode = results.every((r) => r.ok) ? 0 : 1;
  });

program
  .command('gc')
  .description('remove everything drillbook runs left behind (fault ledger, labelled containers and kube objects)')
  .option('--dry-run', 'list, do not remove')
  .action(async (cmd: { dryRun?: boolean }) => {
    const actions = await gc(loadConfig(opts().config), { dryRun: cmd.dryRun === true });
    if (opts().json) write(JSON.stringify(actions, null, 2));
    else if (actions.length === 0) write('nothing to clean');
    else for (const a of actions) write(`${a.done ? '✓' : cmd.dryRun ? '·' : '✗'} ${a.what}${a.error ? `: ${a.error}` : ''}`);
    process.exitCode = actions.some((a) => a.error) ? 2 : 0;
  });

program
  .command('report')
  .argument('<journals...>', 'journal files (*.journal.json)')
  .description('summarise journals')
  .action((files: string[]) => {
    const journals = files.map((f) => {
      try {
        return JSON.parse(readFileSync(f, 'utf8')) as Journal;
      } catch (error) {
        throw new InvalidInputError(`journal ${f}`, [(error as Error).message]);
      }
    });
    write(opts().json ? JSON.stringify(journals.map((j) => ({ scenario: j.scenario.id, status: j.status, verdict: j.verdict, measurements: j.measurements })), null, 2) : textSummary(journals));
    process.exitCode = journals.every((j) => j.status === 'completed' && j.verdict === 'met') ? 0 : 1;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof DrillbookError) {
    process.stderr.write(`drillbook: ${error.message}\n${error.hint ? `  → ${error.hint}\n` : ''}`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`drillbook: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  }
}
