// The NetworkPolicy enforcer (drillbook-netpol, Go) has its own Go tests (main_test.go); this runs them with the
// machine's Go, so they belong to a tier instead of to nobody. Integration, not unit: it needs the Go toolchain and
// the Go module cache (or the module proxy), and compiling client-go cold takes minutes on 2 cores.
// It checks the set of tests that ran against the Test functions declared in the Go sources, so a test that stops
// running (renamed file, build tag, filtered) fails here as surely as a test that fails.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ToolFailedError } from '../../../scenarios/errors.ts';
import { tryRun } from '../../lib/exec.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** `go` from PATH, else the toolchain preinstalled under /usr/local/go (a non-login shell may not have it on PATH). */
async function findGo(): Promise<string> {
  const onPath = await tryRun('go', ['version']);
  if (!(onPath instanceof ToolFailedError)) return 'go';
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new ToolFailedError('go', 'Go is needed to run the NetworkPolicy enforcer tests and was not found on PATH or in /usr/local/go/bin', {
    hint: 'install Go (>= 1.24) and put it on PATH (bash tools/setup/30-k6.sh needs it too)',
  });
}

interface GoTestEvent {
  Action: string;
  Package?: string;
  Test?: string;
  Output?: string;
}

/** The Test functions the package declares, read from its *_test.go files. */
function declaredTests(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith('_test.go'))
    .flatMap((f) => [...readFileSync(join(here, f), 'utf8').matchAll(/^func (Test\w*)\(\w+ \*testing\.T\)/gm)].map((m) => m[1]!))
    .sort();
}

describe('drillbook-netpol Go tests', () => {
  it('go test ./... passes, and every declared Test function ran', { timeout: 900_000 }, async () => {
    const go = await findGo();
    const result = await tryRun(go, ['test', '-json', '-count=1', './...'], {
      cwd: here,
      env: { ...process.env, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
      timeoutMs: 840_000,
      hint: 'needs Go and the Go module proxy (or a warm module cache)',
    });
    const stdout = result instanceof ToolFailedError ? String((result.cause as { stdout?: unknown } | undefined)?.stdout ?? '') : result.stdout;
    const events = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as GoTestEvent);
    const outcome = (action: string) => events.filter((e) => e.Action === action && e.Test && !e.Test.includes('/')).map((e) => e.Test!).sort();
    const failed = outcome('fail');
    const failureOutput = events.filter((e) => e.Test && failed.includes(e.Test.split('/')[0]!) && e.Output).map((e) => e.Output).join('');
    expect(failed, failureOutput).toEqual([]);
    expect(result, result instanceof ToolFailedError ? result.message : '').not.toBeInstanceOf(ToolFailedError);
    const passed = outcome('pass');
    expect(passed.length).toBeGreaterThan(0);
    expect(passed).toEqual(declaredTests());
    expect(outcome('skip')).toEqual([]);
    // the package itself passed (not only its tests: a package-level failure such as a panic in init shows here)
    expect(events.filter((e) => e.Action === 'pass' && !e.Test).map((e) => e.Package)).toEqual(['drillbook.local/netpol']);
  });
});
