import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { loadConfig, outDirProblem, parseConfig } from './config.ts';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.problems;
    throw e;
  }
  throw new Error('expected InvalidInputError');
}

describe('config', () => {
  it('fills in the runbooks’ defaults', () => {
    const c = parseConfig({});
    expect(c.load.thresholds).toEqual({ p95Ms: 200, p99Ms: 500, errorRate: 0.001 });
    expect(c.cluster).toEqual({ provider: 'kind', name: 'drillbook-gravl', keep: true });
    expect(c.allowDestructive.contexts).toEqual([]);
  });

  it('names the field, the value and what is allowed', () => {
    const problems = problemsOf(() =>
      parseConfig({ cluster: { provider: 'gke', name: 'prod' }, load: { thresholds: { p95Ms: -3, errorRate: 5 } } }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'cluster.provider (got "gke"): must be one of "kind", "existing"',
        expect.stringMatching(/^cluster\.name \(got "prod"\): must start with 'drillbook-'/),
        expect.stringMatching(/^load\.thresholds\.p95Ms \(got -3\): .*>0/),
        expect.stringMatching(/^load\.thresholds\.errorRate \(got 5\): .*<=1/),
      ]),
    );
  });

  it('rejects unknown fields and lists the allowed ones (typos do not silently vanish)', () => {
    const problems = problemsOf(() => parseConfig({ load: { treshold: {} } }));
    expect(problems).toEqual(["load: unknown field(s) 'treshold'; allowed: thresholds, profiles, engine, parallelism, k6Operator"]);
  });

  it('chooses the load engine and the k6-operator parallelism, local k6 with one runner by default', () => {
    expect(parseConfig({}).load).toMatchObject({ engine: 'k6', parallelism: 1 });
    expect(parseConfig({ load: { engine: 'k6-operator', parallelism: 2 } }).load).toMatchObject({ engine: 'k6-operator', parallelism: 2 });
    const problems = problemsOf(() => parseConfig({ load: { engine: 'locust', parallelism: 0 } }));
    expect(problems).toEqual([expect.stringMatching(/^load\.engine \(got "locust"\): must be one of "k6", "k6-operator"/), expect.stringMatching(/^load\.parallelism \(got 0\): .*>=1/)]);
  });

  it('bounds load profiles so a load loop cannot run unbounded', () => {
    const problems = problemsOf(() => parseConfig({ load: { profiles: { signoff: { vus: 10, durationSeconds: 86_400 } } } }));
    expect(problems[0]).toMatch(/^load\.profiles\.signoff\.durationSeconds \(got 86400\): .*3600/);
  });

  it('requires a context for an existing cluster', () => {
    expect(problemsOf(() => parseConfig({ cluster: { provider: 'existing' } }))[0]).toContain("cluster.context: required when cluster.provider is 'existing'");
  });

  it('reads YAML files and reports syntax errors with the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-config-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'cluster:\n  name: drillbook-staging\nallowDestructive:\n  contexts: [kind-staging]\n');
    expect(loadConfig(good).allowDestructive.contexts).toEqual(['kind-staging']);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'cluster:\n  name: [unclosed\n');
    expect(problemsOf(() => loadConfig(bad))[0]).toMatch(/not valid YAML at line \d/);
    expect(problemsOf(() => loadConfig(join(dir, 'missing.yaml')))[0]).toBe('the file does not exist');
  });
});

describe('allowDestructive and fields no code reads', () => {
  it('refuses a wildcard context: it would let destructive scenarios touch any cluster', () => {
    expect(problemsOf(() => parseConfig({ allowDestructive: { contexts: ['staging', '*'] } }))).toEqual([
      expect.stringMatching(/^allowDestructive\.contexts\[1\] \(got "\*"\): wildcards are refused/),
    ]);
    expect(problemsOf(() => parseConfig({ allowDestructive: { contexts: ['gke_prod_*'] } }))[0]).toContain('list each context by its exact name');
  });

  it('refuses cluster.topology, saying why, instead of ignoring it; cluster.keep is a boolean nightly reads', () => {
    const problems = problemsOf(() => parseConfig({ cluster: { topology: 'two-regions', keep: 'yes' } }));
    expect(problems).toEqual([
      expect.stringMatching(/^cluster\.topology \(got "two-regions"\): not read by drillbook: each suite makes the cluster it needs/),
      expect.stringMatching(/^cluster\.keep/),
    ]);
    expect(parseConfig({ cluster: { keep: false } }).cluster.keep).toBe(false);
    expect(parseConfig({}).cluster.keep).toBe(true);
  });
});

describe('config checks beyond the schema (all listed at once)', () => {
  it('refuses a wildcard context, a namespace over 63, a missing kubeconfig, an unknown scenario id, and says why', () => {
    const problems = problemsOf(() =>
      parseConfig(
        { allowDestructive: { contexts: ['kind-*'] }, stack: { namespace: 'n'.repeat(64) }, cluster: { kubeconfig: '/no/such/kubeconfig' }, objectives: { 'backend-crsh': { rtoSeconds: 1 } } },
        'config',
        { scenarioIds: ['backend-crash'] },
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^allowDestructive\.contexts\[0\] \(got "kind-\*"\): wildcards are refused/),
        expect.stringMatching(/^stack\.namespace \(got "n+… \(64 characters\)\): must be a DNS label: at most 63/),
        expect.stringMatching(/^cluster\.kubeconfig \(got "\/no\/such\/kubeconfig"\): no such file/),
        'objectives.backend-crsh: no scenario has this id; known: backend-crash',
      ]),
    );
  });

  it('shows NaN and Infinity as such', () => {
    expect(problemsOf(() => parseConfig({ load: { thresholds: { p95Ms: Number.NaN, p99Ms: Infinity } } }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^load\.thresholds\.p95Ms \(got NaN\)/), expect.stringMatching(/^load\.thresholds\.p99Ms \(got Infinity\)/)]),
    );
  });

  it('outDirProblem: root, kernel filesystems, a file on the way; a folder to create under a writable one is fine', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-config-'));
    const file = join(dir, 'f');
    writeFileSync(file, '');
    expect(outDirProblem('/')).toMatch(/filesystem root/);
    expect(outDirProblem('/proc/1/x')).toMatch(/under \/proc/);
    expect(outDirProblem('/sys')).toMatch(/under \/sys/);
    expect(outDirProblem(file)).toBe('is a file, not a folder');
    expect(outDirProblem(join(file, 'a', 'b'))).toBe(`${file} is a file, so the folder cannot be created under it`);
    expect(outDirProblem(join(dir, 'new', 'deeper'))).toBeNull();
  });

  it('a binary file is named as binary, not echoed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-config-'));
    const bin = join(dir, 'bin.yaml');
    writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
    expect(problemsOf(() => loadConfig(bin))).toEqual(['is binary data (8 bytes), not YAML text']);
  });
});

describe('allowDestructive per context and namespace (a stack someone else deployed)', () => {
  it('the map form is read as contexts plus their namespaces; the list form keeps no namespaces', () => {
    expect(parseConfig({ allowDestructive: { contexts: { staging: { namespaces: ['gravl-staging'] } } } }).allowDestructive).toEqual({ contexts: ['staging'], namespaces: { staging: ['gravl-staging'] } });
    expect(parseConfig({ allowDestructive: { contexts: ['kind-x'] } }).allowDestructive).toEqual({ contexts: ['kind-x'], namespaces: {} });
    expect(parseConfig({}).allowDestructive).toEqual({ contexts: [], namespaces: {} });
  });

  it('refuses a wildcard context key and a namespace that is not a DNS label, naming each', () => {
    expect(problemsOf(() => parseConfig({ allowDestructive: { contexts: { 'gke_*': { namespaces: ['a'] } } } })).join('\n')).toMatch(/allowDestructive\.contexts\."gke_\*": wildcards are refused/);
    expect(problemsOf(() => parseConfig({ allowDestructive: { contexts: { staging: { namespaces: ['Gravl_*'] } } } })).join('\n')).toMatch(/allowDestructive\.contexts\.staging\.namespaces\.0 \(got "Gravl_\*"\): must be a DNS label/);
  });
});
