import { describe, expect, it } from 'vitest';
import { catalog } from './catalog/index.ts';
import { needsOf, planAgainst, type StackFacts } from './plan.ts';

/** A stack with every component, as the Gravl example describes it (clusters/examples/gravl/drillbook.yaml). */
const everything: StackFacts = {
  components: { backend: { appSecret: 'app-secret' }, database: {}, migration: {}, logging: {}, alerting: {}, tlsEdge: {}, backup: {} },
  probe: {},
  load: {},
  releases: { next: 'gravl-example/backend:v3', broken: 'gravl-example/backend:broken' },
};

const ids = <S extends { id: string }>(list: readonly S[]) => list.map((s) => s.id);
const catalogue = (id: string) => catalog.find((s) => s.id === id)!;

describe('planAgainst', () => {
  it('without a description (drillbook’s own reference stack) every scenario runs', () => {
    expect(planAgainst(undefined, catalog)).toEqual({ runnable: catalog, skipped: [] });
    expect(planAgainst({}, catalog).skipped).toEqual([]);
  });

  it('a stack with every component runs every scenario, in order', () => {
    const plan = planAgainst(everything, catalog);
    expect(ids(plan.runnable)).toEqual(ids(catalog));
    expect(plan.skipped).toEqual([]);
  });

  it('skips what needs a missing component, naming it, the field to add and the runbook it would drill', () => {
    const { backup: _backup, ...components } = everything.components!;
    const plan = planAgainst({ ...everything, components }, catalog);
    expect(plan.skipped.map((s) => [s.scenario.id, s.missing])).toEqual([
      ['migration-failed', ['backup']],
      ['full-rollback', ['backup']],
      ['backup-job-missing', ['backup']],
      // the DR alerts a backup feeds (the primary-down one needs only the database)
      ['dr-alert-no-daily-backup', ['backup']],
      ['dr-alert-backup-size-deviation', ['backup']],
      ['dr-alert-s3-upload-slow', ['backup']],
      ['dr-alert-restore-test-failed', ['backup']],
    ]);
    expect(plan.skipped.find((s) => s.scenario.id === 'backup-job-missing')!.reason).toBe(
      'stack has no backup component: add stack.components.backup to drill runbook BLOCKING_ISSUES_REMEDIATION.md § Issue #2: Backup Cronjob Not Deployed',
    );
    expect(plan.runnable).toHaveLength(catalog.length - 7);
  });

  it('a minimal stack (backend + database, no probe contract, no k6 script) runs only what it can, and says every gap', () => {
    const minimal: StackFacts = { components: { backend: {}, database: {} } };
    const plan = planAgainst(minimal, catalog);
    const skip = (id: string) => plan.skipped.find((s) => s.scenario.id === id)!;
    // the crash drills write through the probe and run under the team's load: both are needed
    expect(skip('backend-crash').reason).toBe(
      `stack has no data-probe contract and no k6 script: add stack.probe and stack.load.script to drill runbook ${catalogue('backend-crash').runbookRef}`,
    );
    expect(skip('bad-release-rollback').missing).toEqual(['probe', 'load', 'releases.broken']);
    expect(skip('secret-missing').missing).toEqual(['backend.appSecret', 'probe', 'load']);
    expect(skip('tls-certificate-expired').missing).toEqual(['tlsEdge', 'probe']);
    expect(skip('alert-receivers').missing).toEqual(['alerting']);
    // drills that bring their own environment need nothing from the stack
    expect(ids(plan.runnable)).toEqual(['local-service-crash', 'local-service-freeze']);
  });

  it('needsOf adds the probe contract for a data probe and the k6 script for a load, in a fixed order', () => {
    expect(needsOf({ id: 'x', needs: ['backup', 'backend'], dataProbe: true, load: () => ({}) })).toEqual(['backend', 'backup', 'probe', 'load']);
    expect(needsOf({ id: 'x' })).toEqual([]);
  });

  it('every scenario that drills the stack on a cluster declares what it needs', () => {
    const own = ['local-service-crash', 'local-service-freeze', 'pitr-accidental-delete']; // their own processes and containers
    expect(catalog.filter((s) => !own.includes(s.id) && !(s.needs?.length)).map((s) => s.id)).toEqual([]);
  });
});
