// The ledger service's own Go tests (app/*_test.go: handlers over a fake store), run with the machine's Go so they
// belong to a tier; like the NetworkPolicy enforcer's (tools/kube/netpol/netpol-go.integration.test.ts), the set
// of tests that ran is checked against the Test functions the sources declare.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolFailedError } from '../../../scenarios/errors.ts';
import { tryRun } from '../../../tools/lib/exec.ts';

const app = join(import.meta.dirname, 'app');

function declaredTests(): string[] {
  return readdirSync(app)
    .filter((f) => f.endsWith('_test.go'))
    .flatMap((f) => [...readFileSync(join(app, f), 'utf8').matchAll(/^func (Test\w*)\(\w+ \*testing\.T\)/gm)].map((m) => m[1]!))
    .sort();
}

describe('ledger Go tests', () => {
  it('go test passes, and every declared Test function ran', { timeout: 600_000 }, async () => {
    const go = (await tryRun('go', ['version'])) instanceof ToolFailedError ? '/usr/local/go/bin/go' : 'go';
    const result = await tryRun(go, ['test', '-json', '-count=1', '.'], {
      cwd: app,
      env: { ...process.env, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
      timeoutMs: 540_000,
      hint: 'needs Go (>= 1.24) and github.com/lib/pq in the module cache or from the Go module proxy',
    });
    const stdout = result instanceof ToolFailedError ? String((result.cause as { stdout?: unknown } | undefined)?.stdout ?? '') : result.stdout;
    const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { Action: string; Test?: string; Output?: string });
    const outcome = (action: string) => events.filter((e) => e.Action === action && e.Test && !e.Test.includes('/')).map((e) => e.Test!).sort();
    expect(outcome('fail'), events.filter((e) => e.Output).map((e) => e.Output).join('')).toEqual([]);
    expect(result, result instanceof ToolFailedError ? result.message : '').not.toBeInstanceOf(ToolFailedError);
    expect(outcome('pass')).toEqual(declaredTests());
    expect(declaredTests().length).toBeGreaterThan(5);
    expect(outcome('skip')).toEqual([]);
  });
});
