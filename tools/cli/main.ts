// drillbook CLI. Exit codes (scenarios/decision.ts decides them): 0 objectives met / go, 1 not met / no-go,
// 2 harness error or bad input, 130 interrupted by SIGINT or SIGTERM (faults reverted), also during start-up.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { catalog } from '../../scenarios/catalog/index.ts';
import { exitCodeForError } from '../../scenarios/decision.ts';
import { DrillbookError, InvalidInputError } from '../../scenarios/errors.ts';
import type { Journal } from '../../scenarios/journal.ts';
import { findSuite, suites } from '../../suites/index.ts';
import { runSuite } from '../../suites/suite.ts';
import { loadConfig } from '../config/config.ts';
import { checks, runDoctor } from '../doctor/doctor.ts';
import { checkUpstream } from '../doctor/upstream.doctor.ts';
import { gc } from '../gc/gc.ts';
import { buildSuiteReport } from '../../reports/suite-report.ts';
import { writeReports } from '../../reports/write-reports.ts';
import { humanPrinter, jsonPrinter, textSummary } from './print.ts';

const program = new Command('drillbook')
  .description('Turns runbooks into suites that prove them on a real cluster.')
  .option('-c, --config <file>', 'config file (default: drillbook.yaml if present)')
  .option('--json', 'machine-readable output (NDJSON events, JSON results)')
  .exitOverride();

const opts = () => program.opts<{ config?: string; json?: boolean }>();
/** First SIGINT/SIGTERM: stop the method, recover and revert. Second: cut recovery short (revert still runs). */
const interrupt = new AbortController();
const cleanup = new AbortController();
const write = (s: string) => process.stdout.write(`${s}\n`);

program
  .command('run')
  .argument('<suite>', `suite to run: ${suites.map((s) => s.name).join(', ')}`)
  .option('--only <ids...>', 'run only these scenarios of the suite')
  .option('--run-id <id>', 'name the run (default: timestamp + random); letters, digits, . _ -')
  .description('run a suite; writes journals under <reports.outDir>/runs/<runId>/')
  .action(async (name: string, cmd: { only?: string[]; runId?: string }) => {
    const config = loadConfig(opts().config);
    if (cmd.runId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(cmd.runId)) {
      throw new InvalidInputError(`--run-id '${cmd.runId}'`, ['use 1-128 letters, digits, dots, underscores or dashes, starting with a letter or digit']);
    }
    const suite = findSuite(name);
    if (!suite) throw new InvalidInputError(`suite '${name}'`, [`unknown suite; available: ${suites.map((s) => s.name).join(', ')}`]);
    const printer = opts().json ? jsonPrinter(process.stdout) : humanPrinter(process.stdout, process.stdout.isTTY === true);
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
      ...(cmd.runId ? { runId: cmd.runId } : {}),
      signal: interrupt.signal,
      cleanupSignal: cleanup.signal,
      onEvent: (e) => printer.event(e),
    });
    const { written, report } = result;
    if (opts().json) {
      write(JSON.stringify({ type: 'result', suite: result.suite, runId: result.runId, decision: report.decision, interrupted: report.interrupted, notRun: result.journals.filter((j) => j.status === 'not-run').map((j) => j.scenario.id), outDir: result.outDir, html: written.html, wallMs: result.wallMs, exitCode: result.exitCode }));
    } else {
      printer.line('');
      printer.line(textSummary(result.journals));
      for (const f of report.blockingFailures) printer.line(`  blocking: ${f.kind} ${f.id}: ${f.reason}${f.action ? ` → ${f.action}` : ''}`);
      const budget = result.budgetSeconds ? ` (budget ${result.budgetSeconds} s${result.wallMs > result.budgetSeconds * 1000 ? ', EXCEEDED' : ''})` : '';
      printer.line(`\n${report.decision.toUpperCase()}: suite ${result.suite} run ${result.runId}, wall ${(result.wallMs / 1000).toFixed(1)} s${budget}`);
      printer.line(`report: ${written.html}\nsummary: ${written.markdown}  junit: ${written.junit}  allure: ${written.allureDir}`);
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
  .option('--upstream', 'instead: ask the package sources whether every pinned input of a cold set-up is still served (Debian packages resolved for real, the Debian suites, Go module and npm versions); seconds, no build')
  .action(async (cmd: { upstream?: boolean }) => {
    if (cmd.upstream) {
      const rows = await checkUpstream();
      if (opts().json) write(JSON.stringify(rows, null, 2));
      else {
        for (const r of rows) write(`${r.ok ? (r.warning ? '!' : '✓') : '✗'} [${r.source}] ${r.what}: ${r.detail}`);
        const failed = rows.filter((r) => !r.ok).length;
        write(failed === 0 ? `
OK: all ${rows.length} upstream inputs are served; a fresh machine can set up today.` : `
${failed} of ${rows.length} upstream inputs are no longer served: a fresh machine's set-up would fail. Fix the versions named above.`);
      }
      process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
      return;
    }
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
  .option('--all', 'also remove labelled containers that carry no run id')
  .action(async (cmd: { dryRun?: boolean; all?: boolean }) => {
    const actions = await gc(loadConfig(opts().config), { dryRun: cmd.dryRun === true, all: cmd.all === true });
    if (opts().json) write(JSON.stringify(actions, null, 2));
    else if (actions.length === 0) write('nothing to clean');
    else for (const a of actions) write(`${a.done ? '✓' : cmd.dryRun ? '·' : '✗'} ${a.what}${a.error ? `: ${a.error}` : ''}`);
    process.exitCode = actions.some((a) => a.error) ? 2 : 0;
  });

program
  .command('report')
  .argument('<journals...>', 'journal files (*.journal.json) of one run')
  .option('--out <dir>', 'where to write the reports (default: reports.outDir from the config)')
  .description('render HTML, Markdown, JSON, JUnit and Allure from journals; prints the Markdown summary')
  .action(async (files: string[], cmd: { out?: string }) => {
    const journals = files.map((f) => {
      try {
        const j = JSON.parse(readFileSync(f, 'utf8')) as Journal;
        if (j.schemaVersion !== 1 || !j.scenario?.id) throw new Error('not a drillbook journal (schemaVersion 1)');
        return j;
      } catch (error) {
        throw new InvalidInputError(`journal ${f}`, [(error as Error).message]);
      }
    });
    const first = journals[0]!;
    const report = buildSuiteReport({ suite: first.suite ?? 'adhoc', runId: first.runId, startedAtWall: first.startedAtWall, journals });
    const written = await writeReports(report, { outDir: cmd.out ?? loadConfig(opts().config).reports.outDir, keepHistory: false });
    write(opts().json ? JSON.stringify({ decision: report.decision, html: written.html, markdown: written.markdown, junit: written.junit, exitCode: report.exitCode }) : readFileSync(written.markdown, 'utf8'));
    process.exitCode = report.exitCode;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof DrillbookError) {
    process.stderr.write(`drillbook: ${error.message}\n${error.hint ? `  → ${error.hint}\n` : ''}`);
    process.exitCode = exitCodeForError(error, interrupt.signal.aborted);
  } else {
    process.stderr.write(`drillbook: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = exitCodeForError(error, interrupt.signal.aborted);
  }
}
