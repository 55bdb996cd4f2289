// drillbook CLI. Exit codes (scenarios/decision.ts decides them): 0 objectives met / go, 1 not met / no-go,
// 2 harness error or bad input, 130 interrupted by SIGINT, SIGTERM or a closed stdout (faults reverted), also
// during start-up.
import { readFileSync, statSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { catalog } from '../../scenarios/catalog/index.ts';
import { exitCodeForError } from '../../scenarios/decision.ts';
import { DrillbookError, InvalidInputError } from '../../scenarios/errors.ts';
import { isBinary, showValue } from '../../scenarios/input.ts';
import { RUN_ID, type Journal } from '../../scenarios/journal.ts';
import { parseJournal } from '../../scenarios/journal.schema.ts';
import { suites as builtinSuites } from '../../suites/index.ts';
import { checkSuiteRun, runSuite, type SuiteDefinition } from '../../suites/suite.ts';
import { loadConfig, outDirProblem } from '../config/config.ts';
import { checks, runDoctor } from '../doctor/doctor.ts';
import { checkUpstream } from '../doctor/upstream.doctor.ts';
import { gc } from '../gc/gc.ts';
import { buildSuiteReport } from '../../reports/suite-report.ts';
import { writeReports } from '../../reports/write-reports.ts';
import { humanPrinter, jsonPrinter, textSummary } from './print.ts';
import { guardStdout } from './stdout.ts';

export interface CliDeps {
  /** The suites `run` knows (tests add a fake one; the real CLI has the built-in ones). */
  readonly suites: readonly SuiteDefinition[];
}

/** Runs the CLI on `argv` (process.argv form) and sets process.exitCode. */
export async function main(argv: readonly string[], deps: CliDeps = { suites: builtinSuites }): Promise<void> {
  const { suites } = deps;
  const findSuite = (name: string) => suites.find((s) => s.name === name);
  /** Every scenario id a suite can run, and the catalogue's: `objectives` in the config must name one of them. */
  const scenarioIds = [...new Set([...catalog.map((s) => s.id), ...suites.flatMap((s) => s.scenarios)])].sort();
  // A closed stdout (`| head`) is an interruption like Ctrl-C for a run, and the quiet end of anything else.
  const stdout = guardStdout(process.stdout);
  const program = new Command('drillbook')
    .description('Turns runbooks into suites that prove them on a real cluster.')
    .option('-c, --config <file>', 'config file (default: drillbook.yaml if present)')
    .option('--json', 'machine-readable output (NDJSON events, JSON results)')
    .option('--debug', 'print the stack trace of an unexpected error')
    .exitOverride()
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  const opts = () => program.opts<{ config?: string; json?: boolean; debug?: boolean }>();
  /** First SIGINT/SIGTERM: stop the method, recover and revert. Second: cut recovery short (revert still runs). */
  const interrupt = new AbortController();
  const cleanup = new AbortController();
  const write = (s: string) => stdout.write(`${s}\n`);
  const config = () => loadConfig(opts().config, { scenarioIds });

  program
    .command('run')
    .argument('<suite>', `suite to run: ${suites.map((s) => s.name).join(', ')}`)
    .option('--only <ids...>', 'run only these scenarios of the suite')
    .option('--run-id <id>', 'name the run (default: timestamp + random); letters, digits, . _ -')
    .description('run a suite; writes journals under <reports.outDir>/runs/<runId>/')
    .action(async (name: string, cmd: { only?: string[]; runId?: string }) => {
      // Everything that can be checked is checked here, before anything is created, started or written.
      const cfg = config();
      if (cmd.runId !== undefined && !RUN_ID.test(cmd.runId)) {
        const shown = showValue(cmd.runId);
        throw new InvalidInputError(`--run-id ${/^".*"$/.test(shown) ? `'${shown.slice(1, -1)}'` : shown}`, ['use 1-128 letters, digits, dots, underscores or dashes, starting with a letter or digit']);
      }
      const suite = findSuite(name);
      if (!suite) throw new InvalidInputError(`suite ${showValue(name)}`, [`unknown suite; available: ${suites.map((s) => s.name).join(', ')}`]);
      checkSuiteRun(suite, cmd.only, cfg);
      const printer = opts().json ? jsonPrinter(stdout) : humanPrinter(stdout, process.stdout.isTTY === true);
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
      stdout.onClosed(() => {
        if (!interrupt.signal.aborted) {
          process.stderr.write('\nstdout closed: stopping; recovery and revert are running\n');
          interrupt.abort(new Error('EPIPE'));
        }
      });
      const result = await runSuite(suite, {
        config: cfg,
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
      const overrides = config().objectives;
      const rows = catalog.map((s) => ({
        id: s.id,
        title: s.title,
        destructive: s.destructive,
        runbook: s.runbookRef ?? null,
        tags: s.tags ?? [],
        objectives: { ...s.objectives, ...overrides[s.id] },
        ...(overrides[s.id] ? { overridden: Object.keys(overrides[s.id]!) } : {}),
      }));
      if (opts().json) {
        write(JSON.stringify(rows, null, 2));
        return;
      }
      for (const r of rows) {
        const o = r.objectives;
        const obj = [o.rtoSeconds && `RTO < ${o.rtoSeconds} s`, o.rpoSeconds && `RPO < ${o.rpoSeconds} s`, o.detectionSeconds && `detection < ${o.detectionSeconds} s`].filter(Boolean).join(', ');
        const over = r.overridden ? ` (from the config: ${r.overridden.join(', ')})` : '';
        write(`${r.id}${r.destructive ? ' [destructive]' : ''}\n  ${r.title}\n  objectives: ${obj || '—'}${over}${r.runbook ? `\n  runbook: ${r.runbook}` : ''}`);
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
          write(failed === 0 ? `\nOK: all ${rows.length} upstream inputs are served; a fresh machine can set up today.` : `\n${failed} of ${rows.length} upstream inputs are no longer served: a fresh machine's set-up would fail. Fix the versions named above.`);
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
      const actions = await gc(config(), { dryRun: cmd.dryRun === true, all: cmd.all === true });
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
      // Every journal is read and checked, and the output folder too, before anything is written.
      const journals = files.map(readJournal);
      const runs = [...new Set(journals.map((j) => j.runId))];
      if (runs.length > 1) throw new InvalidInputError('journals', [`they come from ${runs.length} runs (${runs.map((r) => showValue(r)).join(', ')}); pass the journals of one run`]);
      if (cmd.out !== undefined) {
        const problem = outDirProblem(cmd.out);
        if (problem) throw new InvalidInputError(`--out ${showValue(cmd.out)}`, [problem]);
      }
      const outDir = cmd.out ?? config().reports.outDir;
      const first = journals[0]!;
      const report = buildSuiteReport({ suite: first.suite ?? 'adhoc', runId: first.runId, startedAtWall: first.startedAtWall, journals });
      const written = await writeReports(report, { outDir, keepHistory: false });
      write(opts().json ? JSON.stringify({ decision: report.decision, html: written.html, markdown: written.markdown, junit: written.junit, exitCode: report.exitCode }) : readFileSync(written.markdown, 'utf8'));
      process.exitCode = report.exitCode;
    });

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else if (error instanceof DrillbookError) {
      // Bad input and known failures: the message says what and where; a stack trace would only bury it.
      process.stderr.write(`drillbook: ${error.message}\n${error.hint ? `  → ${error.hint}\n` : ''}`);
      if (opts().debug && error.stack) process.stderr.write(`${error.stack}\n`);
      process.exitCode = exitCodeForError(error, interrupt.signal.aborted);
    } else {
      const e = error instanceof Error ? error : new Error(String(error));
      process.stderr.write(`drillbook: unexpected error: ${e.message}\n${opts().debug ? `${e.stack ?? ''}\n` : '  → this is a bug in drillbook; run again with --debug for the stack trace\n'}`);
      process.exitCode = exitCodeForError(error, interrupt.signal.aborted);
    }
  }
}

const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

/** One journal file, read and checked: every problem names the file. */
function readJournal(file: string): Journal {
  let bytes: Buffer;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InvalidInputError(`journal ${file}`, ['is not a file']);
    if (st.size > MAX_JOURNAL_BYTES) throw new InvalidInputError(`journal ${file}`, [`is ${st.size} bytes; a journal is at most a few MB (limit ${MAX_JOURNAL_BYTES})`]);
    bytes = readFileSync(file);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(`journal ${file}`, [`cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  if (isBinary(bytes)) throw new InvalidInputError(`journal ${file}`, [`is binary data (${bytes.length} bytes), not JSON`]);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidInputError(`journal ${file}`, [`not valid JSON: ${(error as Error).message.slice(0, 200)}`]);
  }
  return parseJournal(raw, file);
}
