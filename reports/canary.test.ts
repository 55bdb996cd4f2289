// The canary: secret values planted in journal evidence and in the cluster snapshot must never reach any
// output file, in any form a reader could recover (raw, base64, JSON-, HTML- or XML-escaped).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateReadiness } from '../suites/readiness/readiness.ts';
import { editSnapshot } from '../suites/readiness/testing/snapshots.ts';
import { recoverable } from '../scenarios/testing/leak-detector.ts';
import { escapeHtml } from './format.ts';
import { buildSuiteReport } from './suite-report.ts';
import { sampleJournal, sampleNightlyHistory } from './testing/sample-journals.ts';
import { writeReports } from './write-reports.ts';

// One with characters that JSON, HTML and XML escape; one plain, planted as base64 too.
const CANARY_TRICKY = 'cAnArY"<&>\\9f3Kq7ZpW2mX8vT4rL6nB1dH5sJ0yG';
const CANARY_PLAIN = 'canaryPLAIN7Hs92kQmZx4VbN8tRw3LpYd6FgJc1';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function forms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [...new Set([secret, b64(secret), json, escapeHtml(secret), escapeHtml(json)])];
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

describe('canary secret', () => {
  let out: string;
  let files: string[];
  let contents: Map<string, string>;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'drillbook-canary-'));
    const journal = sampleJournal({
      scenarioId: 'secret-delete',
      title: 'postgres-secret deleted and restored',
      extraEvidence: [
        { kind: 'manifest', label: 'restored secret', value: { apiVersion: 'v1', kind: 'Secret', data: { POSTGRES_PASSWORD: b64(CANARY_PLAIN) }, stringData: { DSN: `postgres://gravl:${CANARY_TRICKY}@postgres:5432/gravl` } } },
        { kind: 'command', label: 'command', value: ['psql', `--password=${CANARY_TRICKY}`] },
        { kind: 'log', label: 'backend log', value: `FATAL: password authentication failed for user gravl (password ${CANARY_PLAIN})` },
        // Forms the redaction was not written against one by one: layered encodings a tool really prints.
        { kind: 'text', label: 'url-encoded dsn', value: `postgres://gravl:${encodeURIComponent(CANARY_TRICKY)}@postgres:5432/gravl?sslmode=disable` },
        { kind: 'manifest', label: 'kubeconfig', value: Buffer.from(`users:\n- name: gravl\n  user:\n    token: ${CANARY_PLAIN}\n`).toString('base64').replace(/(.{60})/g, '$1\n') },
        { kind: 'json', label: 'nested log', value: JSON.stringify({ msg: JSON.stringify({ secretRef: { data: b64(`x${CANARY_TRICKY}`) } }) }) },
        { kind: 'text', label: 'basic auth', value: `Authorization: Basic ${Buffer.from(`gravl:${CANARY_PLAIN}`).toString('base64url')}` },
      ],
      findings: [{ severity: 'runbook-defect', title: 'runbook prints the password', detail: `step 3 echoes ${CANARY_TRICKY} to the terminal` }],
    });
    const failed = { ...sampleJournal({ scenarioId: 'leaky-error' }), status: 'failed' as const, error: { name: 'ToolFailedError', message: `kubectl create secret --from-literal=POSTGRES_PASSWORD=${CANARY_PLAIN} exited 1`, hint: `retry with ${b64(CANARY_PLAIN)}` } };
    const snapshot = editSnapshot((s) => {
      s.credentials = [{ ref: 'gravl/postgres-secret#POSTGRES_PASSWORD', user: 'gravl_user', value: CANARY_TRICKY }];
      s.facts = { ...s.facts, prometheusTargets: [{ job: 'postgres-exporter', instance: 'postgres:9187', health: 'down', lastError: `dial postgres://gravl:${CANARY_TRICKY}@postgres: refused` }] };
    });
    // Earlier runs in the history, then the leaky run: the trends and history must be clean too.
    for (const r of sampleNightlyHistory(3)) await writeReports(r, { outDir: out, secrets: [CANARY_TRICKY, CANARY_PLAIN] });
    const report = buildSuiteReport({ suite: 'nightly', runId: 'canary-run', startedAtWall: '2026-03-07T02:00:00.000Z', journals: [journal, failed], readiness: evaluateReadiness(snapshot) });
    await writeReports(report, { outDir: out, secrets: [CANARY_TRICKY, CANARY_PLAIN] });
    files = await walk(out);
    contents = new Map(await Promise.all(files.map(async (f) => [f, await readFile(f, 'utf8')] as const)));
  });

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('wrote every format and the history', () => {
    const names = files.map((f) => f.slice(out.length + 1));
    expect(names).toEqual(
      expect.arrayContaining(['runs/canary-run/report.html', 'runs/canary-run/summary.md', 'runs/canary-run/report.json', 'runs/canary-run/junit.xml', 'history/canary-run/suite-report.json', 'history/canary-run/summary.json', 'history/canary-run/journals/secret-delete.json', 'latest.html']),
    );
    expect(names.filter((n) => n.startsWith('runs/canary-run/allure-results/')).length).toBeGreaterThan(10);
  });

  it('the planted values reached the outputs (as [REDACTED]), so the test is not vacuous', () => {
    expect(contents.get(join(out, 'runs/canary-run/report.html'))).toContain('[REDACTED]');
    expect(contents.get(join(out, 'history/canary-run/journals/secret-delete.json'))).toContain('postgres://gravl:[REDACTED]@postgres:5432/gravl');
    expect(contents.get(join(out, 'runs/canary-run/junit.xml'))).toContain('[REDACTED]');
  });

  for (const [name, secret] of [['tricky', CANARY_TRICKY], ['plain', CANARY_PLAIN]] as const) {
    it(`no output file holds the ${name} canary in any form`, () => {
      const leaks: string[] = [];
      for (const [file, text] of contents) for (const f of forms(secret)) if (text.includes(f)) leaks.push(`${file}: ${JSON.stringify(f)}`);
      expect(leaks).toEqual([]);
      // and an independent decoder (percent, JSON/HTML escapes, base64 at any alignment, hex; layered) finds nothing
      const decoded = [...contents].filter(([, text]) => recoverable(text, secret)).map(([file]) => file);
      expect(decoded).toEqual([]);
    });
  }

  it('the JSON outputs still parse after redaction', () => {
    for (const [file, text] of contents) if (file.endsWith('.json')) expect(() => JSON.parse(text), file).not.toThrow();
  });
});
