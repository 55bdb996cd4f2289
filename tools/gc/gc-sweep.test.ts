// gc's kubectl sweeps: leftover k6-operator TestRuns of a killed run go too (issue 17), before the built-in kinds;
// on a stack someone else deployed only the allowed namespaces are swept; runs still alive are left alone.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { allowListedTargets, kubeSweeps } from './gc.ts';

describe('kubeSweeps', () => {
  it('deletes labelled TestRuns (testruns.k6.io) first when the cluster serves them, then the other kinds', () => {
    const sweeps = kubeSweeps({ context: 'kind-drillbook-drills', kubeconfig: '/k' }, new Set(), true);
    expect(sweeps.map((s) => s.args.slice(0, 6))).toEqual([
      ['--kubeconfig', '/k', '--context', 'kind-drillbook-drills', 'delete', 'testruns.k6.io'],
      ['--kubeconfig', '/k', '--context', 'kind-drillbook-drills', 'delete', expect.stringContaining('pods,jobs,deployments')],
    ]);
    expect(sweeps[0]!.args).toEqual(expect.arrayContaining(['--all-namespaces', '-l', 'app.kubernetes.io/managed-by=drillbook,drillbook.io/run-id']));
    expect(sweeps[0]!.what).toBe('k6-operator TestRuns labelled drillbook.io/run-id in kind-drillbook-drills');
  });

  it('without the k6.io kinds there is no TestRun delete (kubectl would fail on the unknown type)', () => {
    expect(kubeSweeps({ context: 'c' }, new Set(), false).map((s) => s.args.join(' '))).toEqual([expect.not.stringContaining('testruns')]);
  });

  it('a context allowed by namespace is swept only there, and a live run keeps its objects', () => {
    const sweeps = kubeSweeps({ context: 'staging', namespaces: ['gravl-staging'] }, new Set(['run-live']), true);
    for (const s of sweeps) {
      expect(s.args).not.toContain('--all-namespaces');
      expect(s.args).toEqual(expect.arrayContaining(['--namespace', 'gravl-staging', '-l', 'app.kubernetes.io/managed-by=drillbook,drillbook.io/run-id,drillbook.io/run-id notin (run-live)']));
    }
  });
});

describe('allowListedTargets', () => {
  it("the map form's contexts with their namespaces, the configured kubeconfig for the configured context", () => {
    const config = parseConfig({ cluster: { provider: 'existing', context: 'staging' }, allowDestructive: { contexts: { staging: { namespaces: ['gravl-staging'] } } } });
    expect(allowListedTargets(config)).toEqual([{ context: 'staging', namespaces: ['gravl-staging'] }]);
    expect(allowListedTargets(parseConfig({ allowDestructive: { contexts: ['kind-mine'] } }))).toEqual([{ context: 'kind-mine' }]);
  });
});
