import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { destructiveAllowed, loadConfig, parseConfig } from './config.ts';

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
    expect(c.cluster).toMatchObject({ provider: 'kind', name: 'drillbook-gravl', topology: 'one-node' });
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
    expect(problems).toEqual(["load: unknown field(s) 'treshold'; allowed: thresholds, profiles, engine, parallelism"]);
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
    writeFileSync(good, 'cluster:\n  topology: two-regions\nallowDestructive:\n  contexts: [kind-staging]\n');
    expect(loadConfig(good).cluster.topology).toBe('two-regions');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'cluster:\n  name: [unclosed\n');
    expect(problemsOf(() => loadConfig(bad))[0]).toMatch(/not valid YAML at line \d/);
    expect(problemsOf(() => loadConfig(join(dir, 'missing.yaml')))[0]).toBe('the file does not exist');
  });
});

describe('destructive guard', () => {
  const config = parseConfig({ allowDestructive: { contexts: ['kind-staging-drill'] } });
  it('allows the kind cluster drillbook created', () => {
    expect(destructiveAllowed(config, { provider: 'kind', context: 'kind-drillbook-gravl', createdByDrillbook: true })).toBe(true);
  });
  it('refuses a kind cluster drillbook did not create, unless allow-listed', () => {
    expect(destructiveAllowed(config, { provider: 'kind', context: 'kind-drillbook-gravl', createdByDrillbook: false })).toBe(false);
    expect(destructiveAllowed(config, { provider: 'kind', context: 'kind-other', createdByDrillbook: true })).toBe(false);
  });
  it('refuses any existing context that is not on the allow-list', () => {
    expect(destructiveAllowed(config, { provider: 'existing', context: 'gke_prod_europe' })).toBe(false);
    expect(destructiveAllowed(config, { provider: 'existing', context: 'kind-staging-drill' })).toBe(true);
  });
});
