// Readiness checks: pure functions over a ClusterSnapshot, one per line of the sign-off matrix.
// Status semantics: PASS = verified; FAIL = present but wrong (or measured and failed); PENDING = not there yet
// or not measured, with the action that makes it so. `blocking` follows PRODUCTION_SIGN_OFF.md §7: a blocking
// check that is FAIL or PENDING makes the suite no-go.
//
// Missing evidence is never a PASS. Each check declares the snapshot lists it `reads`; when the collector could
// not read one of them (403, 404, a timeout: `snapshot.unreadable`), evaluateReadiness turns a PASS or PENDING
// into PENDING naming the list and why, so "could not look" never reads as "looked and found nothing". A FAIL
// stays FAIL (what was seen is wrong whatever else is hidden), with the unreadable lists added to its evidence.
// A fact the harness did not measure is PENDING with why (`facts.unmeasured`).
import type { Evidence } from '../../scenarios/journal.ts';
import type { ClusterSnapshot, HarnessFacts, RestartsFact, SnapshotList } from './snapshot.ts';

import type { ReadinessResult, ReadinessStatus } from '../../scenarios/decision.ts';

// The result type is the domain's (the go/no-go decision reads it); re-exported for the checks' users.
export type { ReadinessResult, ReadinessStatus } from '../../scenarios/decision.ts';

export interface ReadinessCheck {
  readonly id: string;
  readonly title: string;
  readonly blocking: boolean;
  readonly source: string;
  /** Every snapshot list `evaluate` looks at: one of them unreadable means the check cannot PASS. */
  readonly reads: readonly SnapshotList[];
  evaluate(snapshot: ClusterSnapshot, options: ReadinessOptions): Outcome;
}

export interface ReadinessOptions {
  /** TLS certificates must stay valid at least this long. Default 14 days. */
  readonly minCertValidityMs: number;
  /** A backup success older than this is stale. Default 26 h (daily CronJob plus slack). */
  readonly maxBackupAgeMs: number;
  /** Database password minimum length. Default 32. */
  readonly minPasswordLength: number;
  /** Passwords that count as default. Compared case-insensitively. */
  readonly defaultPasswords: readonly string[];
  /**
   * The database password must have been (re)written within this long. Default 90 days: the rotation policy
   * PRODUCTION_SIGN_OFF.md §4.1 asks for ("Define 90-day rotation policy").
   */
  readonly maxCredentialAgeMs: number;
}

export const DEFAULT_READINESS_OPTIONS: ReadinessOptions = {
  minCertValidityMs: 14 * 24 * 3600_000,
  maxBackupAgeMs: 26 * 3600_000,
  minPasswordLength: 32,
  defaultPasswords: ['gravl_password', 'password', 'postgres', 'changeme', 'change-me', 'change_me', 'secret', 'admin', 'gravl', 'example', 'replace-me'],
  maxCredentialAgeMs: 90 * 24 * 3600_000,
};

interface Outcome {
  readonly status: ReadinessStatus;
  readonly evidence: readonly Evidence[];
  readonly action: string | null;
}

const text = (label: string, value: string): Evidence => ({ kind: 'text', label, value });
const json = (label: string, value: unknown): Evidence => ({ kind: 'json', label, value });
const pass = (...evidence: Evidence[]): Outcome => ({ status: 'PASS', evidence, action: null });
const fail = (action: string, ...evidence: Evidence[]): Outcome => ({ status: 'FAIL', evidence, action });
const pending = (action: string, ...evidence: Evidence[]): Outcome => ({ status: 'PENDING', evidence, action });

const nameOf = (o: { metadata?: { name?: string; namespace?: string } }): string =>
  o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? '?'}` : (o.metadata?.name ?? '?');
const inNs = <T extends { metadata?: { namespace?: string } }>(items: readonly T[], ns: string): T[] => items.filter((i) => i.metadata?.namespace === ns);
/** A harness fact that is absent: PENDING with the action, and why it is absent when the harness tried. */
const notMeasured = (s: ClusterSnapshot, fact: keyof Omit<HarnessFacts, 'unmeasured'>, label: string, action: string): Outcome => {
  const why = s.facts.unmeasured?.[fact];
  return pending(why ? `${action} (measuring it failed: ${why})` : action, text(label, why ? `not measured: ${why}` : 'not measured'));
};
const conditionTrue = (o: { status?: { conditions?: readonly { type?: string; status?: string }[] } }, type: string): boolean =>
  (o.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

// ---------------------------------------------------------------- the checks

const clusterStorage: ReadinessCheck = {
  id: 'cluster-storage',
  title: 'Cluster reachable, nodes Ready, default StorageClass',
  blocking: false,
  source: 'PRODUCTION_SIGN_OFF.md §1.1',
  reads: ['storageClasses'],
  evaluate(s) {
    if (s.nodes === null) return fail('Make the cluster reachable: check the kubeconfig context and `kubectl get nodes`.', text('nodes', 'API server not reachable'));
    const ready = s.nodes.filter((n) => (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
    const defaults = s.storageClasses.filter((c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
    const ev = [text('nodes ready', `${ready.length}/${s.nodes.length}`), text('default StorageClass', defaults.map((c) => `${c.metadata?.name} (${c.provisioner})`).join(', ') || 'none')];
    if (s.nodes.length === 0 || ready.length < s.nodes.length) return fail('Bring every node to Ready (`kubectl describe node`).', ...ev);
    if (defaults.length === 0) return pending('Install a provisioner and mark one StorageClass default (annotation storageclass.kubernetes.io/is-default-class=true).', ...ev);
    if (defaults.length > 1) return fail('Exactly one StorageClass may be default; remove the annotation from the others.', ...ev);
    return pass(...ev);
  },
};

const rbac: ReadinessCheck = {
  id: 'rbac-least-privilege',
  title: 'RBAC least privilege (no cluster-admin for app accounts)',
  blocking: true,
  source: 'PRODUCTION_SIGN_OFF.md §4.2',
  reads: ['namespaces', 'clusterRoles', 'clusterRoleBindings', 'roles', 'roleBindings'],
  evaluate(s) {
    const ns = s.appNamespace;
    const isAppSubject = (subj: { kind?: string; namespace?: string }) => subj.kind === 'ServiceAccount' && subj.namespace === ns;
    const wildcardClusterRoles = new Set(
      s.clusterRoles.filter((r) => (r.rules ?? []).some((rule) => rule.verbs?.includes('*') && rule.resources?.includes('*'))).map((r) => r.metadata?.name ?? ''),
    );
    wildcardClusterRoles.add('cluster-admin');
    const offenders: string[] = [];
    for (const b of s.clusterRoleBindings) {
      if (wildcardClusterRoles.has(b.roleRef.name) && (b.subjects ?? []).some(isAppSubject)) offenders.push(`ClusterRoleBinding ${nameOf(b)} -> ${b.roleRef.name}`);
    }
    for (const b of inNs(s.roleBindings, ns)) {
      if (b.roleRef.kind === 'ClusterRole' && wildcardClusterRoles.has(b.roleRef.name)) offenders.push(`RoleBinding ${nameOf(b)} -> ClusterRole ${b.roleRef.name}`);
    }
    const secretWriters = inNs(s.roles, ns)
      .filter((r) => (r.rules ?? []).some((rule) => (rule.resources ?? []).some((x) => x === 'secrets' || x === '*') && (rule.verbs ?? []).some((v) => ['*', 'create', 'delete', 'update', 'patch'].includes(v))))
      .map((r) => `Role ${nameOf(r)} may write secrets`);
    const appRoles = inNs(s.roles, ns).map(nameOf);
    const ev = [json('roles in app namespace', appRoles), json('over-privileged', [...offenders, ...secretWriters])];
    if (!s.namespaces.some((n) => n.metadata?.name === ns)) return pending(`Create namespace ${ns} and its RBAC (kubectl apply -f k8s/production/rbac.yaml).`, ...ev);
    if (offenders.length > 0 || secretWriters.length > 0)
      return fail('Bind app ServiceAccounts to a namespaced Role with only the verbs they need; secrets read-only (no create/delete).', ...ev);
    if (appRoles.length === 0) return pending(`Apply a least-privilege Role + RoleBinding for the ${ns} ServiceAccount.`, ...ev);
    return pass(...ev);
  },
};

const networkPolicies: ReadinessCheck = {
  id: 'network-policies',
  title: 'Network policies: default deny, explicit allows, DNS egress',
  blocking: true,
  source: 'PRODUCTION_SIGN_OFF.md §4.3',
  reads: ['networkPolicies'],
  evaluate(s) {
    const pols = inNs(s.networkPolicies, s.appNamespace);
    if (pols.length === 0) return pending(`Apply default-deny and allow policies in ${s.appNamespace} (kubectl apply -f k8s/production/network-policy.yaml).`, text('policies', 'none'));
    const selectsAll = (p: (typeof pols)[number]) => Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length === 0 && (p.spec?.podSelector?.matchExpressions ?? []).length === 0;
    const types = (p: (typeof pols)[number]) => p.spec?.policyTypes ?? ['Ingress'];
    const denyIngress = pols.some((p) => selectsAll(p) && types(p).includes('Ingress') && (p.spec?.ingress ?? []).length === 0);
    const denyEgress = pols.some((p) => selectsAll(p) && types(p).includes('Egress') && (p.spec?.egress ?? []).length === 0);
    const allows = pols.filter((p) => (p.spec?.ingress ?? []).length > 0);
    const dnsPorts = new Set<string>();
    for (const p of pols) for (const e of p.spec?.egress ?? []) for (const port of e.ports ?? []) if (String(port.port) === '53' || port.port === 'dns') dnsPorts.add(port.protocol ?? 'TCP');
    const dnsOk = dnsPorts.has('UDP') && dnsPorts.has('TCP');
    const ev = [
      json('policies', pols.map(nameOf)),
      text('default deny', `ingress ${denyIngress ? 'yes' : 'no'}, egress ${denyEgress ? 'yes' : 'no'}`),
      text('explicit allows', String(allows.length)),
      text('DNS egress (53)', [...dnsPorts].sort().join('+') || 'none'),
    ];
    if (!denyIngress) return fail('Add a default-deny ingress NetworkPolicy (podSelector: {}, policyTypes: [Ingress], no rules).', ...ev);
    if (allows.length === 0) return fail('Add explicit allow policies (frontend->backend, backend->db, monitoring scrapes).', ...ev);
    if (denyEgress && !dnsOk) return fail('Egress is denied but DNS is not allowed: add an egress rule to kube-dns on UDP and TCP 53.', ...ev);
    if (!dnsOk) return pending('Add an explicit DNS egress rule (UDP and TCP 53) before tightening egress.', ...ev);
    return pass(...ev);
  },
};

const secretsManagement: ReadinessCheck = {
  id: 'secrets-management',
  title: 'Secrets managed (sealed-secrets or External Secrets), none plaintext in manifests',
  blocking: true,
  source: 'PRODUCTION_SIGN_OFF.md §4.1',
  reads: ['crds', 'secrets'],
  evaluate(s) {
    const sealed = s.crds.includes('sealedsecrets.bitnami.com');
    const eso = s.crds.some((c) => c === 'externalsecrets.external-secrets.io');
    const appSecrets = s.secrets.filter((x) => x.namespace === s.appNamespace && x.type !== 'kubernetes.io/service-account-token' && x.type !== 'helm.sh/release.v1');
    const managed = (x: (typeof appSecrets)[number]) => x.ownerKinds.some((k) => k === 'SealedSecret' || k === 'ExternalSecret' || k === 'Certificate');
    const plaintext = appSecrets.filter((x) => !managed(x) && x.appliedFromManifest).map((x) => `${x.namespace}/${x.name}`);
    const unmanaged = appSecrets.filter((x) => !managed(x)).map((x) => `${x.namespace}/${x.name}`);
    const ev = [
      text('operator', [sealed && 'sealed-secrets', eso && 'external-secrets'].filter(Boolean).join(', ') || 'none'),
      json('app secrets (names only)', appSecrets.map((x) => `${x.name} [${x.keys.join(',')}]${managed(x) ? ` owned by ${x.ownerKinds.join('/')}` : ''}`)),
      json('applied from plaintext manifests', plaintext),
    ];
    if (plaintext.length > 0) return fail('Replace plaintext Secret manifests with SealedSecrets or ExternalSecrets, then rotate the exposed values.', ...ev);
    if (!sealed && !eso) return pending('Deploy sealed-secrets (kubeseal) or the External Secrets Operator.', ...ev);
    if (unmanaged.length > 0) return pending(`Move ${unmanaged.join(', ')} under the secrets operator.`, ...ev);
    return pass(...ev);
  },
};

const tls: ReadinessCheck = {
  id: 'tls',
  title: 'TLS: a CA-issued certificate (not self-signed), valid long enough; its issuer Ready',
  blocking: true,
  source: 'PRODUCTION_SIGN_OFF.md §1.1, §7 (cert-manager deployed); PRODUCTION_GO_LIVE.md §3.3 (not self-signed)',
  reads: ['issuers', 'ingresses', 'tlsCertificates', 'secrets'],
  evaluate(s, o) {
    // A Ready issuer is a promise of certificates, not a certificate: the served certificate itself must exist,
    // be issued by a CA (not vouch for itself), and stay valid long enough.
    const now = Date.parse(s.takenAtWall);
    const readyIssuers = s.issuers.filter((i) => conditionTrue(i, 'Ready')).map(nameOf);
    const notReadyIssuers = s.issuers.filter((i) => !conditionTrue(i, 'Ready')).map(nameOf);
    const ingressSecrets = new Set(
      inNs(s.ingresses, s.appNamespace).flatMap((i) => (i.spec?.tls ?? []).map((t) => `${s.appNamespace}/${t.secretName ?? ''}`)),
    );
    // With an Ingress, its TLS secrets are the served certificates; without one (a TLS edge of our own), every
    // kubernetes.io/tls Secret of the app namespace is.
    const certs = s.tlsCertificates.filter((c) => (ingressSecrets.size === 0 ? c.namespace === s.appNamespace : ingressSecrets.has(`${c.namespace}/${c.secret}`)));
    const missing = [...ingressSecrets].filter((ref) => !certs.some((c) => `${c.namespace}/${c.secret}` === ref));
    const days = (c: (typeof certs)[number]) => (Date.parse(c.notAfter) - now) / 86_400_000;
    const certEv = certs.map(
      (c) => `${c.namespace}/${c.secret} ${c.subject}${c.issuer ? ` issued by ${c.issuer}` : ''} notAfter ${c.notAfter} (${days(c).toFixed(1)} d${c.selfSigned ? ', SELF-SIGNED' : ''})`,
    );
    const ev = [json('issuers Ready', readyIssuers), json('issuers not Ready', notReadyIssuers), json('certificates', certEv), json('ingress TLS secrets without a readable certificate', missing)];
    const selfSigned = certs.filter((c) => c.selfSigned);
    if (selfSigned.length > 0)
      return fail(`Replace the self-signed ${selfSigned.map((c) => `${c.namespace}/${c.secret}`).join(', ')} with a certificate issued by a CA (a cert-manager ClusterIssuer: Let's Encrypt or the company CA); check with openssl s_client that Subject != Issuer.`, ...ev);
    const short = certs.filter((c) => Date.parse(c.notAfter) - now < o.minCertValidityMs);
    if (short.length > 0)
      return fail(`Renew ${short.map((c) => c.secret).join(', ')}: valid less than ${o.minCertValidityMs / 86_400_000} days (check the cert-manager Certificate events).`, ...ev);
    if (notReadyIssuers.length > 0) return fail(`Issuer ${notReadyIssuers.join(', ')} is not Ready: \`kubectl describe clusterissuer\` and fix its ACME/CA config (renewals will fail).`, ...ev);
    if (missing.length > 0) return pending(`The Ingress names ${missing.join(', ')} but no parsable kubernetes.io/tls certificate is there: check the cert-manager Certificate (kubectl describe certificate -n ${s.appNamespace}).`, ...ev);
    if (certs.length === 0)
      return pending(
        readyIssuers.length > 0
          ? `Issuer ${readyIssuers.join(', ')} is Ready but no certificate was issued in ${s.appNamespace}: apply the Ingress with the cert-manager annotation or a Certificate (PRODUCTION_GO_LIVE.md §3.3).`
          : 'Deploy cert-manager and a ClusterIssuer (PRODUCTION_GO_LIVE.md §1.4), or provide a CA-issued TLS secret for the ingress.',
        ...ev,
      );
    return pass(...ev);
  },
};

const workloads: ReadinessCheck = {
  id: 'workloads',
  title: 'Application pods healthy, with probes and limits on every container',
  blocking: true,
  source: 'PRODUCTION_SIGN_OFF.md §2, §7 (application pods healthy)',
  reads: ['deployments', 'statefulSets'],
  evaluate(s) {
    const ns = s.appNamespace;
    const all = [...inNs(s.deployments, ns).map((w) => ({ kind: 'Deployment', w })), ...inNs(s.statefulSets, ns).map((w) => ({ kind: 'StatefulSet', w }))];
    if (all.length === 0) return pending(`Deploy the application into ${ns}.`, text('workloads', 'none'));
    const problems: string[] = [];
    const healthy: string[] = [];
    for (const { kind, w } of all) {
      const id = `${kind} ${w.metadata?.name}`;
      const want = w.spec?.replicas ?? 1;
      const ready = w.status?.readyReplicas ?? 0;
      if (ready < want) problems.push(`${id}: ${ready}/${want} ready`);
      else healthy.push(`${id}: ${ready}/${want} ready`);
      for (const c of w.spec?.template.spec?.containers ?? []) {
        const missing = [
          !c.readinessProbe && 'readinessProbe',
          !c.livenessProbe && 'livenessProbe',
          !c.resources?.requests?.cpu && 'requests.cpu',
          !c.resources?.requests?.memory && 'requests.memory',
          !c.resources?.limits?.memory && 'limits.memory',
          !c.resources?.limits?.cpu && 'limits.cpu',
        ].filter(Boolean);
        if (missing.length > 0) problems.push(`${id} container ${c.name}: no ${missing.join(', ')}`);
      }
    }
    const ev = [json('healthy', healthy), json('problems', problems)];
    if (problems.length > 0) return fail('Give every container readiness and liveness probes, CPU/memory requests and limits, and bring all replicas to Ready.', ...ev);
    return pass(...ev);
  },
};

const migrations: ReadinessCheck = {
  id: 'migrations',
  title: 'Database migrations applied',
  blocking: true,
  source: 'PRODUCTION_SIGN_OFF.md §2.2, §7',
  reads: [],
  evaluate(s) {
    const m = s.facts.migrations;
    if (!m) return notMeasured(s, 'migrations', 'migrations', 'Run the migrations (npm run db:migrate:prod) and let the harness read the schema_migrations table.');
    const applied = new Set(m.applied);
    const missing = m.expected.filter((x) => !applied.has(x));
    const ev = [text('applied', `${m.expected.length - missing.length}/${m.expected.length}`), json('missing', missing)];
    if (m.expected.length === 0) return fail('The release lists no migrations: check the migration directory the harness reads.', ...ev);
    return missing.length > 0 ? fail(`Apply the missing migrations: ${missing.join(', ')}.`, ...ev) : pass(...ev);
  },
};

const backup: ReadinessCheck = {
  id: 'backup',
  title: 'Backup CronJob deployed with a recent success',
  blocking: true,
  source: 'PRODUCTION_SIGN_OFF.md §2.2, §7',
  reads: ['cronJobs', 'jobs'],
  evaluate(s, o) {
    const now = Date.parse(s.takenAtWall);
    const cjs = inNs(s.cronJobs, s.appNamespace).filter((c) => /backup/i.test(c.metadata?.name ?? ''));
    if (cjs.length === 0) return pending('Deploy the backup CronJob: kubectl apply -f k8s/backup/postgres-backup-cronjob.yaml', text('backup CronJob', 'none'));
    const cj = cjs[0]!;
    const name = cj.metadata?.name ?? '?';
    const owned = inNs(s.jobs, s.appNamespace).filter((j) => (j.metadata?.ownerReferences ?? []).some((r) => r.kind === 'CronJob' && r.name === name) || (j.metadata?.name ?? '').startsWith(`${name}-`));
    const successes = [
      ...(cj.status?.lastSuccessfulTime ? [new Date(cj.status.lastSuccessfulTime).getTime()] : []),
      ...owned.filter((j) => (j.status?.succeeded ?? 0) > 0 && j.status?.completionTime).map((j) => new Date(j.status!.completionTime!).getTime()),
    ];
    const last = successes.length ? Math.max(...successes) : null;
    const failedAfter = owned.filter((j) => (j.status?.failed ?? 0) > 0 && (j.status?.startTime ? new Date(j.status.startTime).getTime() : 0) > (last ?? 0));
    const ev = [
      text('CronJob', `${s.appNamespace}/${name} schedule "${cj.spec?.schedule}"${cj.spec?.suspend ? ' (suspended)' : ''}`),
      text('last success', last === null ? 'never' : `${new Date(last).toISOString()} (${((now - last) / 3600_000).toFixed(1)} h ago)`),
      text('failed runs since', String(failedAfter.length)),
    ];
    if (cj.spec?.suspend) return fail(`Resume the CronJob: kubectl patch cronjob ${name} -p '{"spec":{"suspend":false}}'`, ...ev);
    if (failedAfter.length > 0) return fail(`The latest backup run failed: kubectl logs job/${failedAfter[0]?.metadata?.name}`, ...ev);
    if (last === null) return pending(`Trigger a first run and check it: kubectl create job --from=cronjob/${name} ${name}-manual`, ...ev);
    if (now - last > o.maxBackupAgeMs) return fail(`Last success is older than ${o.maxBackupAgeMs / 3600_000} h: check the schedule and the job logs.`, ...ev);
    return pass(...ev);
  },
};

const dbCredentials: ReadinessCheck = {
  id: 'db-credentials',
  title: `Database credentials rotated (not default, long enough, written within the rotation period)`,
  blocking: true,
  source: 'PRODUCTION_SIGN_OFF.md §2.2 (rotate to 32+ chars), §4.1 (90-day rotation policy), §7 (DB credentials rotated)',
  reads: ['credentials'],
  evaluate(s, o) {
    // PASS needs all of: not a known default and not the user name, at least minPasswordLength characters, and
    // written (per the API server) within maxCredentialAgeMs. The write time is the rotation evidence: a password
    // set by the deploy or a rotation is young; the seeds' gravl_password sits there since the first install.
    const creds = s.credentials;
    if (creds.length === 0) return pending('Point the harness at the database password secret (ref namespace/secret#key) so it can be checked.', text('credentials', 'not collected'));
    const now = Date.parse(s.takenAtWall);
    const maxDays = o.maxCredentialAgeMs / 86_400_000;
    const defaults = new Set(o.defaultPasswords.map((d) => d.toLowerCase()));
    const judged = creds.map((c) => {
      const isDefault = defaults.has(c.value.toLowerCase()) || (c.user !== undefined && c.value.toLowerCase() === c.user.toLowerCase());
      const tooShort = c.value.length < o.minPasswordLength;
      const written = c.writtenAt === undefined ? Number.NaN : Date.parse(c.writtenAt);
      const ageMs = Number.isNaN(written) ? null : now - written;
      return { ref: c.ref, isDefault, tooShort, length: c.value.length, ageMs, source: c.writtenAtSource };
    });
    // Evidence carries the reference, the length, the age and the verdict, never the value or any part of it.
    const age = (j: (typeof judged)[number]) => (j.ageMs === null ? 'write time unknown' : `written ${(j.ageMs / 86_400_000).toFixed(1)} d ago (max ${maxDays} d; ${j.source ?? 'source unknown'})`);
    const ev = judged.map((j) => text(j.ref, `length ${j.length} (min ${o.minPasswordLength}), ${j.isDefault ? 'matches a known default' : 'not a known default'}, ${age(j)}`));
    const bad = judged.filter((j) => j.isDefault || j.tooShort);
    if (bad.length > 0) return fail(`Rotate ${bad.map((b) => b.ref).join(', ')} to a random password of at least ${o.minPasswordLength} characters (e.g. openssl rand -base64 32).`, ...ev);
    const stale = judged.filter((j) => j.ageMs !== null && j.ageMs > o.maxCredentialAgeMs);
    if (stale.length > 0) return fail(`Rotate ${stale.map((b) => b.ref).join(', ')}: not rewritten for more than ${maxDays} days (the 90-day rotation policy of PRODUCTION_SIGN_OFF.md §4.1).`, ...ev);
    const unknown = judged.filter((j) => j.ageMs === null);
    if (unknown.length > 0)
      return pending(`Cannot tell when ${unknown.map((b) => b.ref).join(', ')} was last written (no managedFields or creationTimestamp readable): let the harness get the Secret's metadata, or rotate it with kubectl so the API server records the write.`, ...ev);
    return pass(...ev);
  },
};

const prometheusTargets: ReadinessCheck = {
  id: 'prometheus-targets',
  title: 'Prometheus targets up',
  blocking: false,
  source: 'PRODUCTION_SIGN_OFF.md §3.1; PRODUCTION_GO_LIVE.md §5.1',
  reads: [],
  evaluate(s) {
    const t = s.facts.prometheusTargets;
    if (!t) return notMeasured(s, 'prometheusTargets', 'targets', 'Let the harness query Prometheus /api/v1/targets.');
    const down = t.filter((x) => x.health !== 'up');
    const ev = [text('up', `${t.length - down.length}/${t.length}`), json('not up', down.map((x) => `${x.job} ${x.instance}: ${x.health}${x.lastError ? ` (${x.lastError})` : ''}`))];
    if (t.length === 0) return fail('Prometheus has no targets: check the scrape config.', ...ev);
    return down.length > 0 ? fail('Fix the targets that are not up (network policy for the scrape, /metrics port).', ...ev) : pass(...ev);
  },
};

const alerting: ReadinessCheck = {
  id: 'alerting',
  title: 'Alert receivers configured and a test alert delivered',
  blocking: true,
  source: 'PRODUCTION_SIGN_OFF.md §3.2, §7 (AlertManager configured)',
  reads: [],
  evaluate(s) {
    const a = s.facts.alerting;
    if (!a) return notMeasured(s, 'alerting', 'alerting', 'Let the harness read the AlertManager config and fire a test alert.');
    const configured = a.receivers.filter((r) => r.configured);
    const ev = [
      json('receivers', a.receivers.map((r) => `${r.name} (${r.kind}): ${r.configured ? 'configured' : 'template only'}`)),
      text('test alert', a.testAlert ? `${a.testAlert.delivered ? 'delivered' : 'NOT delivered'} to ${a.testAlert.receiver}${a.testAlert.latencyMs !== null ? ` in ${a.testAlert.latencyMs} ms` : ''}: ${a.testAlert.detail}` : 'not sent'),
    ];
    if (configured.length === 0) return pending('Configure a real receiver (Slack webhook, SMTP) in alertmanager-config.yaml.', ...ev);
    if (!a.testAlert) return pending('Fire a test alert (amtool alert add test_alert severity=info) and confirm delivery.', ...ev);
    if (!a.testAlert.delivered) return fail(`The test alert did not reach ${a.testAlert.receiver}: check the route and the receiver's credentials.`, ...ev);
    return pass(...ev);
  },
};

const logs: ReadinessCheck = {
  id: 'logs-loki',
  title: 'Logs reaching Loki',
  blocking: false,
  source: 'PRODUCTION_SIGN_OFF.md §3.3 (Loki optional for initial launch)',
  reads: [],
  evaluate(s) {
    const l = s.facts.loki;
    if (!l) return notMeasured(s, 'loki', 'loki', 'Let the harness query Loki for the app namespace.');
    const ev = [text('query', l.query), text('lines', String(l.lines)), text('newest line age', l.newestAgeMs === null ? 'n/a' : `${Math.round(l.newestAgeMs / 1000)} s`)];
    if (l.lines === 0) return fail('No log lines reached Loki: check the log shipper pods and Loki storage (PVC, StorageClass).', ...ev);
    if (l.newestAgeMs !== null && l.newestAgeMs > 10 * 60_000) return fail('Logs stopped flowing more than 10 min ago: check the shipper.', ...ev);
    return pass(...ev);
  },
};

const loadTest: ReadinessCheck = {
  id: 'load-test',
  title: 'Load test passed (p95 < 200 ms, errors < 0.1 %)',
  blocking: true,
  source: 'PRODUCTION_SIGN_OFF.md §5, §7',
  reads: [],
  evaluate(s) {
    const l = s.facts.load;
    if (!l) return notMeasured(s, 'load', 'load', 'Run the sign-off load profile (drillbook run signoff).');
    const ev = [
      text('profile', `${l.profile}: ${l.requests} requests, ${l.rps.toFixed(1)} req/s`),
      json('thresholds', l.thresholds.map((t) => `${t.name}: ${t.actual === null ? 'n/a' : t.actual} (limit ${t.limit}) ${t.ok ? 'ok' : 'FAILED'}`)),
    ];
    return l.passed ? pass(...ev) : fail('Find the bottleneck (p95/p99/error rate above) and re-run the load test.', ...ev);
  },
};

/**
 * What changed between two restart samples: containers whose restartCount grew, and pods that appeared or vanished
 * (a pod replaced during the load is a restart the counters do not show: the new pod starts at 0).
 */
export function restartsDuring(before: RestartsFact['before'], after: RestartsFact['after']): string[] {
  const key = (c: { pod: string; container: string }) => `${c.pod}/${c.container}`;
  const was = new Map(before.map((c) => [key(c), c.restarts]));
  const problems: string[] = [];
  for (const c of after) {
    const prev = was.get(key(c));
    if (prev === undefined) {
      if (!before.some((b) => b.pod === c.pod)) {
        if (!problems.includes(`pod ${c.pod} appeared during the load (a replacement)`)) problems.push(`pod ${c.pod} appeared during the load (a replacement)`);
      } else if (c.restarts > 0) problems.push(`pod ${c.pod} container ${c.container}: restartCount ${c.restarts} (new container)`);
    } else if (c.restarts > prev) problems.push(`pod ${c.pod} container ${c.container}: restartCount ${prev} -> ${c.restarts}`);
  }
  for (const pod of new Set(before.map((b) => b.pod))) if (!after.some((a) => a.pod === pod)) problems.push(`pod ${pod} vanished during the load`);
  return problems;
}

const noRestartsUnderLoad: ReadinessCheck = {
  id: 'no-restarts-under-load',
  title: 'No application pod restarted during the sign-off load',
  blocking: true,
  source: 'PRODUCTION_GO_LIVE.md § 6.1 (no pod restarts); PRODUCTION_SIGN_OFF.md § 5',
  reads: [],
  evaluate(s) {
    const r = s.facts.restarts;
    if (!r) return notMeasured(s, 'restarts', 'restart counts', "Let the harness read every application pod's restartCount before and after the sign-off load.");
    const problems = restartsDuring(r.before, r.after);
    const ev = [
      text('namespace', r.namespace),
      json('before the load', r.before.map((c) => `${c.pod}/${c.container}: ${c.restarts}`)),
      json('after the load', r.after.map((c) => `${c.pod}/${c.container}: ${c.restarts}`)),
      json('restarted during the load', problems),
    ];
    if (r.after.length === 0) return pending(`No application pod found in ${r.namespace} after the load: deploy the application and re-run.`, ...ev);
    if (problems.length > 0) return fail(`Find why ${problems.map((p) => p.replace(/^pod (\S+).*$/, '$1')).join(', ')} restarted under load (kubectl describe pod; kubectl logs --previous): OOMKilled, a failing liveness probe, a crash.`, ...ev);
    return pass(...ev);
  },
};

/** In the order of the sign-off matrix. */
export const READINESS_CHECKS: readonly ReadinessCheck[] = [
  clusterStorage,
  tls,
  secretsManagement,
  loadTest,
  alerting,
  backup,
  dbCredentials,
  networkPolicies,
  rbac,
  workloads,
  noRestartsUnderLoad,
  migrations,
  prometheusTargets,
  logs,
];

/** The Kubernetes resource behind a snapshot list, for the action's `kubectl auth can-i` hint. */
const RESOURCE: Readonly<Record<SnapshotList, string>> = {
  storageClasses: 'storageclasses',
  namespaces: 'namespaces',
  clusterRoles: 'clusterroles',
  clusterRoleBindings: 'clusterrolebindings',
  roles: 'roles',
  roleBindings: 'rolebindings',
  networkPolicies: 'networkpolicies',
  secrets: 'secrets',
  deployments: 'deployments',
  statefulSets: 'statefulsets',
  cronJobs: 'cronjobs',
  jobs: 'jobs',
  ingresses: 'ingresses',
  crds: 'customresourcedefinitions',
  issuers: 'issuers.cert-manager.io, clusterissuers.cert-manager.io',
  certificates: 'certificates.cert-manager.io',
  tlsCertificates: 'secrets (kubernetes.io/tls)',
  credentials: 'secrets (the database password)',
};

/** The gate: a check that read an unreadable list cannot PASS (module comment). */
function gate(check: ReadinessCheck, snapshot: ClusterSnapshot, out: Outcome): Outcome {
  const lost = check.reads.filter((l) => snapshot.unreadable[l] !== undefined);
  if (lost.length === 0) return out;
  const ev = lost.map((l) => text(`unreadable: ${RESOURCE[l]}`, snapshot.unreadable[l]!));
  if (out.status === 'FAIL') return { ...out, evidence: [...out.evidence, ...ev] };
  // One reason read off many lists (no cluster answered) is said once.
  const byReason = new Map<string, string[]>();
  for (const l of lost) byReason.set(snapshot.unreadable[l]!, [...(byReason.get(snapshot.unreadable[l]!) ?? []), RESOURCE[l]]);
  const reasons = [...byReason].map(([why, resources]) => `${resources.join(', ')} (${why})`).join('; ');
  const forbidden = lost.some((l) => /\b403\b|forbidden/i.test(snapshot.unreadable[l]!));
  const hint = forbidden
    ? `grant the harness's Kubernetes user get/list on them (check: kubectl auth can-i list ${RESOURCE[lost[0]!].split(' ')[0]} -n ${snapshot.appNamespace})`
    : 'make the API answer for them (is the API group installed? is the cluster reachable?)';
  return pending(`Could not read ${reasons}. This check cannot judge what it cannot see: ${hint}, then re-run.`, ...ev, ...out.evidence);
}

/** Runs every check; a check that throws becomes a FAIL with `error` set (a harness error, exit 2). */
export function evaluateReadiness(
  snapshot: ClusterSnapshot,
  options: Partial<ReadinessOptions> = {},
  checks: readonly ReadinessCheck[] = READINESS_CHECKS,
): ReadinessResult[] {
  const o = { ...DEFAULT_READINESS_OPTIONS, ...options };
  return checks.map((c) => {
    const base = { id: c.id, title: c.title, blocking: c.blocking, source: c.source };
    try {
      return { ...base, ...gate(c, snapshot, c.evaluate(snapshot, o)) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ...base, status: 'FAIL' as const, evidence: [], action: 'The check itself crashed: report this as a drillbook bug with the snapshot.', error: message };
    }
  });
}
