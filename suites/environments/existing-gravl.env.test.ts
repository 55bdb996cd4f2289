// The existing-cluster environment with a fake API: the gate refuses before any call (exit 2, the context, the
// namespace and the config lines to add), the stack is found with reads only, and every drill of nightly and
// kube-drills is either run or skipped with its reason.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import { exitCodeForError } from '../../scenarios/decision.ts';
import { DrillbookError, UnsafeTargetError } from '../../scenarios/errors.ts';
import type { LoadGenerator } from '../../scenarios/ports.ts';
import { parseConfig } from '../../tools/config/config.ts';
import { kubeDrillsSuite } from '../kube-drills.suite.ts';
import { nightlySuite } from '../nightly.suite.ts';
import { runSuite } from '../suite.ts';
import { existingClusterProblems, existingClusterSkip, startExistingGravl, type Connect } from './existing-gravl.env.ts';

const NS = 'gravl-staging';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const theirs = { 'app.kubernetes.io/managed-by': 'helm' };

function deployedStack(api: FakeKubeApi): void {
  const objects: KubeObject[] = [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'backend', namespace: NS, labels: theirs }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'backend', image: 'team/gravl-backend:2.4.1' }] } } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: NS, labels: theirs }, spec: { ports: [{ port: 3000 }] } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'postgres-secret', namespace: NS, labels: theirs }, data: { 'db-user': b64('gravl_user'), 'db-password': b64('pg-password-staging'), POSTGRES_DB: b64('gravl') } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace: NS, labels: theirs }, data: { JWT_SECRET: b64('jwt-secret-staging') } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'postgres-0', namespace: NS, labels: { component: 'database' } } },
  ];
  for (const o of objects) api.set(o);
}

/** A fake connection that records that it was asked, and an API that records every call. */
function fakeConnection(api: FakeKubeApi, withNodes = false) {
  const calls: string[] = [];
  const record = <T extends (...a: never[]) => unknown>(name: string, fn: T): T => ((...a: never[]) => (calls.push(name), fn(...a))) as T;
  api.read = record('read', api.read.bind(api));
  api.list = record('list', api.list.bind(api));
  api.apply = record('apply', api.apply.bind(api));
  api.delete = record('delete', api.delete.bind(api));
  const connect: Connect = async () => {
    calls.push('connect');
    return withNodes ? { api, nodeExec: async () => {} } : { api };
  };
  return { calls, connect };
}

const noLoad: LoadGenerator = { validate: () => [], start: () => Promise.reject(new Error('not in this test')) };

function options(connect: Connect, policy: { contexts: string[]; namespaces?: Record<string, string[]> }) {
  const secrets: string[] = [];
  return {
    secrets,
    o: {
      runId: 'run-1',
      suite: 'nightly',
      outDir: mkdtempSync(join(tmpdir(), 'drillbook-existing-')),
      signal: new AbortController().signal,
      log: () => {},
      secret: (v: string) => secrets.push(v),
      context: 'staging',
      kubeconfig: '/nonexistent/kubeconfig',
      namespace: NS,
      policy,
      connect,
      ports: { load: noLoad },
    },
  };
}

describe('the safety gate for a stack drillbook did not deploy', () => {
  it('refuses without the namespace allow-list before any call reaches the API: exit 2, context, namespace and the lines to add', async () => {
    const api = new FakeKubeApi();
    deployedStack(api);
    const { calls, connect } = fakeConnection(api);
    const policies: { contexts: string[]; namespaces?: Record<string, string[]> }[] = [{ contexts: [] }, { contexts: ['staging'] }, { contexts: ['staging'], namespaces: { staging: ['gravl-other'] } }, { contexts: ['prod'], namespaces: { prod: [NS] } }];
    for (const policy of policies) {
      const error = await startExistingGravl(options(connect, policy).o).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsafeTargetError);
      expect(exitCodeForError(error)).toBe(2);
      expect((error as Error).message).toMatch(/refusing destructive drills in namespace gravl-staging of context 'staging'.*nothing was touched/);
      expect((error as DrillbookError).hint).toContain('allowDestructive:\n      contexts:\n        "staging":\n          namespaces: [');
      expect((error as DrillbookError).hint).toContain('"gravl-staging"]');
    }
    expect(calls).toEqual([]);
    expect(api.applied).toEqual([]);
    expect(api.deleted).toEqual([]);
  });

  it('runSuite (nightly and kube-drills) refuses the same config before prepare, before the run folder: exit 2', async () => {
    for (const suite of [nightlySuite, kubeDrillsSuite]) {
      const out = join(mkdtempSync(join(tmpdir(), 'drillbook-existing-')), 'out');
      const config = parseConfig({ reports: { outDir: out }, cluster: { provider: 'existing', context: 'staging' }, stack: { namespace: NS } });
      const error = await runSuite(suite, { config }).catch((e: unknown) => e);
      expect(exitCodeForError(error)).toBe(2);
      expect((error as Error).message).toContain("refusing destructive drills in namespace gravl-staging of context 'staging'");
      expect((error as Error).message).toContain('namespaces: ["gravl-staging"]');
      expect(existsSync(out)).toBe(false);
    }
  });

  it('the config check passes with the map form; the cluster\'s own k6-operator needs a runner image and an allowed namespace for its TestRuns', () => {
    const allowed = parseConfig({ cluster: { provider: 'existing', context: 'staging' }, stack: { namespace: NS }, allowDestructive: { contexts: { staging: { namespaces: [NS] } } } });
    expect(allowed.allowDestructive).toEqual({ contexts: ['staging'], namespaces: { staging: [NS] } });
    expect(existingClusterProblems(allowed)).toEqual([]);
    // k6-operator without saying which runner image: refused, naming the key and how to get the image
    expect(existingClusterProblems({ ...allowed, load: { ...allowed.load, engine: 'k6-operator' } })).toEqual([expect.stringMatching(/load\.k6Operator: required .*runnerImage/)]);
    // TestRuns in the stack's namespace (the default): allowed
    const sameNs = parseConfig({ ...raw(), load: { engine: 'k6-operator', parallelism: 2, k6Operator: { runnerImage: 'registry.local/k6-runner:1' } } });
    expect(existingClusterProblems(sameNs)).toEqual([]);
    // TestRuns in a namespace the context is not allowed: refused, naming it and the line to add
    const otherNs = parseConfig({ ...raw(), load: { engine: 'k6-operator', k6Operator: { namespace: 'load-tests', runnerImage: 'registry.local/k6-runner:1' } } });
    expect(existingClusterProblems(otherNs)).toEqual([expect.stringContaining(`refusing destructive drills in namespace load-tests of context 'staging'`)]);
    expect(existingClusterProblems(otherNs)[0]).toContain(`namespaces: ["${NS}", "load-tests"]`);
    expect(existingClusterProblems(parseConfig({}))).toEqual([]); // kind: not this check's business
    function raw() {
      return { cluster: { provider: 'existing', context: 'staging' }, stack: { namespace: NS }, allowDestructive: { contexts: { staging: { namespaces: [NS] } } } };
    }
  });
});

describe('startExistingGravl with the allow-list', () => {
  it('finds the stack with reads only, registers its credentials with the redactor, and targets only the allowed namespace', async () => {
    const api = new FakeKubeApi();
    deployedStack(api);
    const { calls, connect } = fakeConnection(api);
    const { o, secrets } = options(connect, { contexts: ['staging'], namespaces: { staging: [NS] } });
    await using existing = await startExistingGravl(o);
    expect(calls.filter((c) => c === 'apply' || c === 'delete')).toEqual([]);
    expect(secrets).toEqual(expect.arrayContaining(['pg-password-staging', 'jwt-secret-staging']));
    expect(existing.secrets).toEqual(['pg-password-staging', 'jwt-secret-staging']);
    expect(existing.target).toEqual({ name: 'staging', context: 'staging', provider: 'existing', createdByDrillbook: false, namespaces: [NS] });
    expect(existing.env.backendUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existing.env.previousBackendImage).toBe('team/gravl-backend:2.4.1');
    expect(existing.env.backendReplicas).toBe(3);
    expect(existing.ports.faults.validate({ kind: 'secret-delete', namespace: 'kube-system', name: 'x' })[0]).toMatch(/kube-system/);
  });

  it('restores the lost app Secret from the copy read before the drill, without drillbook labels', async () => {
    const api = new FakeKubeApi();
    deployedStack(api);
    const { connect } = fakeConnection(api);
    await using existing = await startExistingGravl(options(connect, { contexts: ['staging'], namespaces: { staging: [NS] } }).o);
    await api.delete({ apiVersion: 'v1', kind: 'Secret', namespace: NS, name: 'app-secret' });
    await existing.env.restoreAppSecret(new AbortController().signal);
    const back = await api.read({ apiVersion: 'v1', kind: 'Secret', namespace: NS, name: 'app-secret' });
    expect(back?.metadata.labels).toEqual(theirs);
    expect((back as { data?: unknown }).data).toEqual({ JWT_SECRET: b64('jwt-secret-staging') });
  });

  it('a stack that is not where the config says is named with what exists instead, and nothing is written', async () => {
    const api = new FakeKubeApi();
    api.set({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api-server', namespace: NS } });
    const { calls, connect } = fakeConnection(api);
    await expect(startExistingGravl(options(connect, { contexts: ['staging'], namespaces: { staging: [NS] } }).o)).rejects.toThrow(
      'Deployment gravl-staging/backend does not exist; the existing stack has Deployments: api-server',
    );
    expect(calls.filter((c) => c === 'apply' || c === 'delete')).toEqual([]);
  });
});

describe('which drills run on an existing cluster', () => {
  const all = [...new Set([...nightlySuite.scenarios, ...kubeDrillsSuite.scenarios])];

  it('every drill of nightly and kube-drills is either run or skipped with a reason that names what is missing', () => {
    const withNodes = Object.fromEntries(all.map((id) => [id, existingClusterSkip(id, { nodeAccess: true })]));
    expect(Object.keys(withNodes).filter((id) => withNodes[id] === undefined).sort()).toEqual(['backend-crash', 'database-crash', 'secret-missing']);
    expect(withNodes['bad-release-rollback']).toMatch(/broken release.*loads no images/);
    expect(withNodes['tls-certificate-expired']).toMatch(/TLS edge/);
    expect(withNodes['backup-job-missing']).toMatch(/scratch PostgreSQL/);
    for (const id of all) if (withNodes[id] !== undefined) expect(withNodes[id]).not.toMatch(/^not offered/); // each has its own reason
  });

  it('without node access the crash drills are skipped too, saying why', () => {
    expect(existingClusterSkip('backend-crash', { nodeAccess: false })).toMatch(/container-kill.*no node access/);
    expect(existingClusterSkip('database-crash', { nodeAccess: false })).toMatch(/no node access/);
    expect(existingClusterSkip('secret-missing', { nodeAccess: false })).toBeUndefined();
  });
});
