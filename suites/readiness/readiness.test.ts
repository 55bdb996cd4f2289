import { describe, expect, it } from 'vitest';
import { READINESS_CHECKS, evaluateReadiness, type ReadinessResult } from './readiness.ts';
import type { ClusterSnapshot } from './snapshot.ts';
import { editSnapshot, readySnapshot, stagingAsSignedOff } from './testing/snapshots.ts';

const check = (snapshot: ClusterSnapshot, id: string): ReadinessResult => {
  const r = evaluateReadiness(snapshot).find((x) => x.id === id);
  if (!r) throw new Error(`no check ${id}`);
  return r;
};

describe('readiness checks', () => {
  it('a production-ready snapshot passes every check', () => {
    const results = evaluateReadiness(readySnapshot());
    expect(results.map((r) => `${r.id}:${r.status}`)).toEqual(READINESS_CHECKS.map((c) => `${c.id}:PASS`));
    expect(results.every((r) => r.action === null)).toBe(true);
  });

  it('blocking flags follow the sign-off matrix (11 blocking with GO_LIVE § 6.1 restarts, storage/prometheus/loki not)', () => {
    const blocking = READINESS_CHECKS.filter((c) => c.blocking).map((c) => c.id);
    expect(blocking).toHaveLength(11);
    expect(blocking).toContain('no-restarts-under-load');
    expect(READINESS_CHECKS.filter((c) => !c.blocking).map((c) => c.id).sort()).toEqual(['cluster-storage', 'logs-loki', 'prometheus-targets']);
  });

  it('the staging cluster of the sign-off document is not ready, for the reasons it lists', () => {
    const byId = Object.fromEntries(evaluateReadiness(stagingAsSignedOff()).map((r) => [r.id, r.status]));
    expect(byId).toMatchObject({
      tls: 'PENDING',
      'secrets-management': 'PENDING',
      'load-test': 'PENDING',
      alerting: 'PENDING',
      backup: 'PENDING',
      'db-credentials': 'FAIL',
      'network-policies': 'PENDING',
      'rbac-least-privilege': 'PASS',
      workloads: 'PASS',
      migrations: 'PASS',
      'logs-loki': 'FAIL',
    });
  });

  describe('cluster-storage', () => {
    it('fails when the API server is unreachable or a node is not Ready', () => {
      expect(check(editSnapshot((s) => (s.nodes = null)), 'cluster-storage').status).toBe('FAIL');
      const notReady = editSnapshot((s) => (s.nodes = [{ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }]));
      expect(check(notReady, 'cluster-storage').status).toBe('FAIL');
    });
    it('is pending without a default StorageClass', () => {
      const r = check(editSnapshot((s) => (s.storageClasses = [{ metadata: { name: 'x' }, provisioner: 'p' }])), 'cluster-storage');
      expect(r.status).toBe('PENDING');
      expect(r.action).toMatch(/is-default-class/);
    });
  });

  describe('rbac-least-privilege', () => {
    it('fails when an app ServiceAccount is bound to cluster-admin', () => {
      const s = editSnapshot((x) =>
        x.clusterRoleBindings.push({
          metadata: { name: 'gravl-admin' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'gravl' }],
        }),
      );
      const r = check(s, 'rbac-least-privilege');
      expect(r.status).toBe('FAIL');
      expect(JSON.stringify(r.evidence)).toContain('ClusterRoleBinding gravl-admin -> cluster-admin');
    });
    it('fails when a namespaced Role may delete secrets', () => {
      const s = editSnapshot((x) => x.roles[0]!.rules!.push({ apiGroups: [''], resources: ['secrets'], verbs: ['delete'] }));
      expect(check(s, 'rbac-least-privilege').status).toBe('FAIL');
    });
    it('is pending when the app namespace does not exist', () => {
      expect(check(editSnapshot((x) => (x.namespaces = [])), 'rbac-least-privilege').status).toBe('PENDING');
    });
  });

  describe('network-policies', () => {
    it('is pending with no policies at all', () => {
      expect(check(editSnapshot((x) => (x.networkPolicies = [])), 'network-policies').status).toBe('PENDING');
    });
    it('fails without a default deny', () => {
      expect(check(editSnapshot((x) => (x.networkPolicies = x.networkPolicies.filter((p) => p.metadata?.name !== 'default-deny'))), 'network-policies').status).toBe('FAIL');
    });
    it('fails when egress is denied and DNS is not allowed (pods cannot resolve)', () => {
      const r = check(editSnapshot((x) => (x.networkPolicies = x.networkPolicies.filter((p) => p.metadata?.name !== 'allow-dns'))), 'network-policies');
      expect(r.status).toBe('FAIL');
      expect(r.action).toMatch(/53/);
    });
    it('is pending when DNS only has UDP', () => {
      const s = editSnapshot((x) => (x.networkPolicies[1]!.spec!.egress = [{ ports: [{ protocol: 'UDP', port: 53 }] }]));
      expect(check(s, 'network-policies').status).toBe('FAIL'); // egress denied by default-deny: still broken
      const ingressOnly = editSnapshot((x) => {
        x.networkPolicies[0]!.spec!.policyTypes = ['Ingress'];
        x.networkPolicies[1]!.spec!.egress = [{ ports: [{ protocol: 'UDP', port: 53 }] }];
      });
      expect(check(ingressOnly, 'network-policies').status).toBe('PENDING');
    });
  });

  describe('secrets-management', () => {
    it('fails when an app secret was applied from a plaintext manifest', () => {
      const s = editSnapshot((x) => x.secrets.push({ name: 'app-secret', namespace: 'gravl', type: 'Opaque', keys: ['JWT_SECRET'], ownerKinds: [], appliedFromManifest: true, labels: {} }));
      const r = check(s, 'secrets-management');
      expect(r.status).toBe('FAIL');
      expect(JSON.stringify(r.evidence)).toContain('gravl/app-secret');
    });
    it('is pending without an operator', () => {
      expect(check(editSnapshot((x) => (x.crds = [])), 'secrets-management').status).toBe('PENDING');
    });
    it('accepts External Secrets as well as sealed-secrets', () => {
      const s = editSnapshot((x) => {
        x.crds = ['externalsecrets.external-secrets.io'];
        x.secrets[0] = { ...x.secrets[0]!, ownerKinds: ['ExternalSecret'] };
      });
      expect(check(s, 'secrets-management').status).toBe('PASS');
    });
  });

  describe('tls', () => {
    it('fails when the ingress certificate expires within 14 days', () => {
      const r = check(editSnapshot((x) => (x.tlsCertificates[0] = { ...x.tlsCertificates[0]!, notAfter: '2026-03-10T00:00:00.000Z' })), 'tls');
      expect(r.status).toBe('FAIL');
      expect(r.action).toMatch(/Renew gravl-tls/);
    });
    it('fails when the issuer is not Ready and no certificate exists', () => {
      const s = editSnapshot((x) => {
        x.tlsCertificates = [];
        x.issuers = [{ kind: 'ClusterIssuer', metadata: { name: 'letsencrypt-prod' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }];
      });
      expect(check(s, 'tls').status).toBe('FAIL');
    });
    it('passes on a valid certificate without cert-manager, and is pending with neither', () => {
      expect(check(editSnapshot((x) => (x.issuers = [])), 'tls').status).toBe('PASS');
      expect(check(editSnapshot((x) => ((x.issuers = []), (x.tlsCertificates = []))), 'tls').status).toBe('PENDING');
    });
  });

  describe('workloads', () => {
    it('fails when a container has no probes or limits, naming it', () => {
      const s = editSnapshot((x) => {
        const c = x.deployments[0]!.spec!.template.spec!.containers[0]!;
        delete c.livenessProbe;
        delete c.resources!.limits;
      });
      const r = check(s, 'workloads');
      expect(r.status).toBe('FAIL');
      expect(JSON.stringify(r.evidence)).toContain('Deployment backend container backend: no livenessProbe, limits.memory, limits.cpu');
    });
    it('fails when replicas are not ready', () => {
      expect(check(editSnapshot((x) => (x.statefulSets[0]!.status!.readyReplicas = 0)), 'workloads').status).toBe('FAIL');
    });
  });

  describe('migrations', () => {
    it('fails naming the missing migrations; pending when not measured', () => {
      const r = check(editSnapshot((x) => (x.facts = { ...x.facts, migrations: { expected: ['001', '002'], applied: ['001'] } })), 'migrations');
      expect(r.status).toBe('FAIL');
      expect(r.action).toContain('002');
      expect(check(editSnapshot((x) => (x.facts = { ...x.facts, migrations: undefined })), 'migrations').status).toBe('PENDING');
    });
  });

  describe('backup', () => {
    it('fails when the last success is stale', () => {
      const s = editSnapshot((x) => {
        x.cronJobs[0]!.status = { lastSuccessfulTime: new Date('2026-03-05T00:00:00Z') };
        x.jobs = [];
      });
      expect(check(s, 'backup').status).toBe('FAIL');
    });
    it('fails when the latest run failed, or the CronJob is suspended', () => {
      const failed = editSnapshot((x) =>
        x.jobs.push({ metadata: { name: 'postgres-backup-2', namespace: 'gravl', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'postgres-backup', uid: 'u' }] }, status: { failed: 1, startTime: new Date('2026-03-07T11:00:00Z') } }),
      );
      expect(check(failed, 'backup').status).toBe('FAIL');
      expect(check(editSnapshot((x) => (x.cronJobs[0]!.spec!.suspend = true)), 'backup').status).toBe('FAIL');
    });
    it('is pending when deployed but never run', () => {
      const r = check(editSnapshot((x) => ((x.cronJobs[0]!.status = {}), (x.jobs = []))), 'backup');
      expect(r.status).toBe('PENDING');
      expect(r.action).toContain('kubectl create job --from=cronjob/postgres-backup');
    });
  });

  describe('db-credentials', () => {
    it('fails on the default password without putting it in evidence or action', () => {
      const r = check(stagingAsSignedOff(), 'db-credentials');
      expect(r.status).toBe('FAIL');
      expect(JSON.stringify(r)).not.toContain('gravl_password');
      expect(JSON.stringify(r.evidence)).toContain('matches a known default');
    });
    it('fails on a strong-looking password shorter than 32 characters, and when password equals the user', () => {
      const short = 'Xy7#kLm2!pQ9rT4v';
      const r = check(editSnapshot((x) => (x.credentials = [{ ref: 'gravl/db#p', value: short }])), 'db-credentials');
      expect(r.status).toBe('FAIL');
      expect(JSON.stringify(r)).not.toContain(short);
      expect(JSON.stringify(r.evidence)).toContain('length 16 (min 32)');
      const same = 'gravl_user_with_a_long_name_of_32+';
      expect(check(editSnapshot((x) => (x.credentials = [{ ref: 'r', user: same, value: same }])), 'db-credentials').status).toBe('FAIL');
    });
    it('fails when the password was last written more than 90 days ago (rotation policy), passes at 20 days', () => {
      const stale = editSnapshot((x) => (x.credentials[0] = { ...x.credentials[0]!, writtenAt: '2025-11-27T12:00:00.000Z' })); // 100 d before NOW
      const r = check(stale, 'db-credentials');
      expect(r.status).toBe('FAIL');
      expect(r.action).toMatch(/more than 90 days/);
      expect(JSON.stringify(r.evidence)).toContain('written 100.0 d ago (max 90 d; managedFields: kubectl-client-side-apply Update of f:data)');
      expect(check(readySnapshot(), 'db-credentials').status).toBe('PASS');
    });
    it('the passing evidence holds no part of the value', () => {
      const s = readySnapshot();
      const r = check(s, 'db-credentials');
      expect(r.status).toBe('PASS');
      expect(JSON.stringify(r)).not.toContain(s.credentials[0]!.value.slice(0, 8));
    });
  });

  describe('facts measured by the harness', () => {
    it('prometheus-targets fails when a target is down', () => {
      const s = editSnapshot((x) => (x.facts = { ...x.facts, prometheusTargets: [{ job: 'loki', instance: 'loki:3100', health: 'down', lastError: 'connection refused' }] }));
      const r = check(s, 'prometheus-targets');
      expect(r.status).toBe('FAIL');
      expect(JSON.stringify(r.evidence)).toContain('connection refused');
    });
    it('alerting fails when the test alert was not delivered, pending when no receiver is configured', () => {
      const undelivered = editSnapshot((x) => (x.facts = { ...x.facts, alerting: { receivers: [{ name: 'w', kind: 'webhook', configured: true }], testAlert: { receiver: 'w', delivered: false, latencyMs: null, detail: 'timed out after 60 s' } } }));
      expect(check(undelivered, 'alerting').status).toBe('FAIL');
      expect(check(stagingAsSignedOff(), 'alerting').status).toBe('PENDING');
    });
    it('load-test fails on a failed threshold and reports it', () => {
      const s = editSnapshot((x) => {
        const load = x.facts.load!;
        x.facts = { ...x.facts, load: { ...load, passed: false, thresholds: [{ name: 'p95<200ms', limit: 200, actual: 340, ok: false }] } };
      });
      const r = check(s, 'load-test');
      expect(r.status).toBe('FAIL');
      expect(JSON.stringify(r.evidence)).toContain('p95<200ms: 340 (limit 200) FAILED');
    });
    it('logs-loki fails when lines stopped flowing', () => {
      expect(check(editSnapshot((x) => (x.facts = { ...x.facts, loki: { query: 'q', lines: 10, newestAgeMs: 3600_000 } })), 'logs-loki').status).toBe('FAIL');
    });
  });

  it('a check that throws becomes a FAIL with an error, not a crash', () => {
    const broken = { ...READINESS_CHECKS[0]!, evaluate: () => { throw new Error('boom'); } };
    const [r] = evaluateReadiness(readySnapshot(), {}, [broken]);
    expect(r).toMatchObject({ status: 'FAIL', error: 'boom' });
  });
});
