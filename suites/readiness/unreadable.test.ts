// "No readiness check passes on an unreadable or missing input": one test per check, each with the input a real
// collection can lose (a list the harness may not read, a fact it failed to measure), the way collect.ts and the
// suite record it. Each asserts the check is not PASS and that its action says what to fix.
import { describe, expect, it } from 'vitest';
import { READINESS_CHECKS, evaluateReadiness, type ReadinessResult } from './readiness.ts';
import { SNAPSHOT_LISTS, type ClusterSnapshot, type HarnessFacts, type SnapshotList } from './snapshot.ts';
import { NOW, editSnapshot, readySnapshot } from './testing/snapshots.ts';

const check = (snapshot: ClusterSnapshot, id: string): ReadinessResult => {
  const r = evaluateReadiness(snapshot).find((x) => x.id === id);
  if (!r) throw new Error(`no check ${id}`);
  return r;
};

const FORBIDDEN = 'HTTP 403 Forbidden: the harness user may not list this';

/** What collect.ts records when a list call fails: the list empty, and why in `unreadable`. */
const unreadable = (...lists: SnapshotList[]) =>
  editSnapshot((s) => {
    for (const l of lists) {
      (s as Record<SnapshotList, unknown[]>)[l] = [];
      s.unreadable = { ...s.unreadable, [l]: FORBIDDEN };
    }
  });

/** What the suite records when measuring a fact failed: the fact absent, and why in `unmeasured`. */
const unmeasured = (fact: keyof Omit<HarnessFacts, 'unmeasured'>) =>
  editSnapshot((s) => {
    const facts: Record<string, unknown> = { ...s.facts };
    delete facts[fact];
    s.facts = { ...(facts as HarnessFacts), unmeasured: { [fact]: 'GET http://127.0.0.1:9/x: connect ECONNREFUSED' } };
  });

const notPassing = (r: ReadinessResult, why: RegExp) => {
  expect(r.status).not.toBe('PASS');
  expect(r.action).toBeTruthy();
  expect(`${r.action} ${JSON.stringify(r.evidence)}`).toMatch(why);
};

describe('no readiness check passes on an unreadable or missing input', () => {
  it('cluster-storage: StorageClasses unreadable is not "no default StorageClass"', () => {
    const r = check(unreadable('storageClasses'), 'cluster-storage');
    notPassing(r, /403 Forbidden/);
    expect(r.action).toMatch(/storageclasses/i);
  });

  it('rbac-least-privilege: ClusterRoleBindings unreadable (403) is not PASS', () => {
    const r = check(unreadable('clusterRoleBindings'), 'rbac-least-privilege');
    expect(r.status).toBe('PENDING');
    notPassing(r, /clusterrolebindings/i);
  });

  it('rbac-least-privilege: RoleBindings or ClusterRoles unreadable is not PASS either', () => {
    expect(check(unreadable('roleBindings'), 'rbac-least-privilege').status).toBe('PENDING');
    expect(check(unreadable('clusterRoles'), 'rbac-least-privilege').status).toBe('PENDING');
  });

  it('network-policies: policies unreadable says so, not "apply default-deny"', () => {
    notPassing(check(unreadable('networkPolicies'), 'network-policies'), /403 Forbidden/);
  });

  it('secrets-management: Secrets unreadable is not "no plaintext secret"', () => {
    notPassing(check(unreadable('secrets', 'tlsCertificates', 'credentials'), 'secrets-management'), /403 Forbidden/);
  });

  it('tls: a Ready issuer with no certificate is not PASS', () => {
    const r = check(editSnapshot((x) => (x.tlsCertificates = [])), 'tls');
    expect(r.status).toBe('PENDING');
    expect(r.action).toMatch(/certificate/i);
  });

  it('tls: certificates unreadable is not PASS on a Ready issuer', () => {
    notPassing(check(unreadable('secrets', 'tlsCertificates', 'credentials'), 'tls'), /403 Forbidden/);
  });

  it('tls: a self-signed certificate fails (PRODUCTION_GO_LIVE.md § 3.3 "not self-signed")', () => {
    const r = check(editSnapshot((x) => (x.tlsCertificates[0] = { ...x.tlsCertificates[0]!, issuer: 'CN=gravl.example.com', selfSigned: true })), 'tls');
    expect(r.status).toBe('FAIL');
    expect(r.action).toMatch(/self-signed/);
  });

  it('workloads: Deployments unreadable is not "the StatefulSet is healthy, so PASS"', () => {
    notPassing(check(unreadable('deployments'), 'workloads'), /403 Forbidden/);
  });

  it('backup: Jobs unreadable is not PASS (a failed run after the last success would be unseen)', () => {
    notPassing(check(unreadable('jobs'), 'backup'), /jobs/i);
  });

  it('db-credentials: the password secret unreadable says why', () => {
    notPassing(check(unreadable('credentials'), 'db-credentials'), /403 Forbidden/);
  });

  it('db-credentials: a strong password with no write time is PENDING, not PASS', () => {
    const r = check(editSnapshot((x) => (x.credentials = x.credentials.map(({ writtenAt: _w, writtenAtSource: _s, ...c }) => c))), 'db-credentials');
    expect(r.status).toBe('PENDING');
    expect(r.action).toMatch(/when/i);
  });

  it('migrations: not measured says why', () => {
    notPassing(check(unmeasured('migrations'), 'migrations'), /ECONNREFUSED/);
  });

  it('prometheus-targets: not measured says why', () => {
    notPassing(check(unmeasured('prometheusTargets'), 'prometheus-targets'), /ECONNREFUSED/);
  });

  it('alerting: not measured says why', () => {
    notPassing(check(unmeasured('alerting'), 'alerting'), /ECONNREFUSED/);
  });

  it('logs-loki: not measured says why', () => {
    notPassing(check(unmeasured('loki'), 'logs-loki'), /ECONNREFUSED/);
  });

  it('no-restarts-under-load: not measured says why', () => {
    notPassing(check(unmeasured('restarts'), 'no-restarts-under-load'), /ECONNREFUSED/);
  });

  it('no-restarts-under-load: no application pod seen after the load is not PASS', () => {
    const r = check(editSnapshot((x) => (x.facts = { ...x.facts, restarts: { namespace: 'gravl', before: [], after: [] } })), 'no-restarts-under-load');
    expect(r.status).toBe('PENDING');
  });

  it('load-test: not run says why', () => {
    notPassing(check(unmeasured('load'), 'load-test'), /ECONNREFUSED/);
  });

  it('every check declares the lists it reads, and each one unreadable makes it not PASS', () => {
    for (const c of READINESS_CHECKS) {
      // Record which snapshot fields the check touches: a list it reads but does not declare would escape the gate.
      const touched = new Set<string>();
      const spy = new Proxy(readySnapshot(), { get: (t, k) => (touched.add(String(k)), Reflect.get(t, k)) });
      c.evaluate(spy, { minCertValidityMs: 0, maxBackupAgeMs: 1e12, minPasswordLength: 0, defaultPasswords: [], maxCredentialAgeMs: 1e12 });
      const readLists = SNAPSHOT_LISTS.filter((l) => touched.has(l));
      expect({ id: c.id, reads: [...c.reads].sort() }).toEqual({ id: c.id, reads: expect.arrayContaining(readLists.sort()) });
      for (const l of c.reads) {
        const r = check(unreadable(l), c.id);
        expect({ id: c.id, list: l, status: r.status }).not.toEqual({ id: c.id, list: l, status: 'PASS' });
      }
    }
  });

  it('the ready fixture is still GO (the gate does not turn a readable snapshot PENDING)', () => {
    expect(evaluateReadiness(readySnapshot()).filter((r) => r.status !== 'PASS').map((r) => r.id)).toEqual([]);
    expect(NOW).toBe(readySnapshot().takenAtWall);
  });
});
