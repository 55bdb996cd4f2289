// The sign-off's measurements after the drills, in the order PRODUCTION_GO_LIVE.md runs them: a backup success of
// the CronJob (run now when the drills left none), the app pods' restart counts, the sign-off load through the
// front door, the restart counts again, the monitoring facts read from the cluster's own services (a real test alert
// included), the migrations read inside the cluster, then the snapshot of THAT cluster in the namespace the stack
// was deployed into, judged by the readiness checks. Every step behind a port (the kind environment in production,
// fakes in the unit tests); a fact that cannot be measured is recorded with why (the check then says PENDING).
import { randomBytes } from 'node:crypto';
import type { LoadResult } from '../../scenarios/ports.ts';
import type { CollectedSnapshot, CredentialRef } from './collect.ts';
import { alertingFact, fireTestAlert, lokiFact, prometheusTargets, releaseMigrations, type JsonGet, type TestAlertPort } from './facts.ts';
import { evaluateReadiness, type ReadinessResult } from './readiness.ts';
import type { ContainerRestarts, HarnessFacts } from './snapshot.ts';

/** The release being signed off is the backend v2 (gravl-backend-v2): its schema is migration 002. */
export const RELEASE_SCHEMA = 2;

/** What the sign-off reads and does on the cluster (suites/environments/kind-signoff.ts on kind). */
export interface SignoffClusterEnv {
  /** The namespace the stack was deployed into: the one the readiness snapshot judges. */
  readonly appNamespace: string;
  readonly backupCronJob: string;
  /** A Job made from the backup CronJob now, waited for until it succeeds; the detail of what ran. */
  runBackupFromCronJob(signal: AbortSignal): Promise<string>;
  /** Has a Job owned by the CronJob as it exists now (its uid) succeeded? false when the CronJob is gone. */
  backupSucceeded(signal: AbortSignal): Promise<boolean>;
  /** Every container restartCount of the app namespace's Deployment and StatefulSet pods. */
  appRestarts(signal: AbortSignal): Promise<ContainerRestarts[]>;
  /** The names in schema_migrations, read by a one-off psql Job in the app namespace. */
  appliedMigrations(signal: AbortSignal): Promise<string[]>;
  readonly prometheus: JsonGet;
  readonly alertmanager: JsonGet;
  readonly loki: JsonGet;
  /** The LogQL query whose lines prove the backend's logs reach Loki (the write path's commit line). */
  readonly lokiQuery: string;
  /** AlertManager POST /api/v2/alerts and the in-cluster webhook's deliveries. */
  readonly testAlert: TestAlertPort;
  /** The webhook receiver deployed, AlertManager's route sent to it, and the config running (reloaded). */
  routeAlertsToWebhook(signal: AbortSignal): Promise<string>;
}

export interface SignoffMeasurePorts {
  readonly cluster: SignoffClusterEnv;
  /** The sign-off load, through the cluster's front door, to its bounded end. */
  runLoad(signal: AbortSignal): Promise<LoadResult>;
  /** The readiness snapshot of the cluster the stack runs on. */
  collect(o: { appNamespace: string; facts: HarnessFacts; credentialRefs: readonly CredentialRef[]; signal: AbortSignal }): Promise<CollectedSnapshot>;
  /** The database user (a password equal to it is a default). */
  readonly dbUser: string;
  /** config.stack.namespace, said beside the namespace actually judged. */
  readonly configuredNamespace: string;
  readonly runId: string;
  log(line: string): void;
}

type Measured = keyof NonNullable<HarnessFacts['unmeasured']>;

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';

/** A fact, or undefined with why in `unmeasured`: the check then says PENDING with what to do and what failed. */
async function measure<T>(unmeasured: Partial<Record<Measured, string>>, fact: Measured, run: () => Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (signal.aborted) throw error;
    unmeasured[fact] = firstLine(error);
    return undefined;
  }
}

export async function measureSignoff(p: SignoffMeasurePorts, signal: AbortSignal): Promise<{ readiness: ReadinessResult[]; secrets: readonly string[] }> {
  const { cluster, log } = p;
  const ns = cluster.appNamespace;
  // The backup row needs a success of a Job the CronJob owns; a drill that deletes and re-creates the CronJob
  // leaves the earlier run owned by a CronJob that no longer exists.
  try {
    if (await cluster.backupSucceeded(signal)) log(`backup: a Job of CronJob ${ns}/${cluster.backupCronJob} has succeeded`);
    else log(`backup: ${await cluster.runBackupFromCronJob(signal)}`);
  } catch (error) {
    if (signal.aborted) throw error;
    log(`backup: no run of CronJob ${ns}/${cluster.backupCronJob} (${firstLine(error)}): the backup row will say what is missing`);
  }
  const unmeasured: Partial<Record<Measured, string>> = {};
  const before = await measure(unmeasured, 'restarts', () => cluster.appRestarts(signal), signal);
  const load = await measure(unmeasured, 'load', () => p.runLoad(signal), signal);
  const after = await measure(unmeasured, 'restarts', () => cluster.appRestarts(signal), signal);
  const restarts = before && after ? { namespace: ns, before, after } : undefined;
  const grew = restarts ? describeGrowth(before!, after!) : '';
  if (grew) log(`restarts during the sign-off load: ${grew}`);
  const testAlertId = `${p.runId}-${randomBytes(3).toString('hex')}`;
  const facts: HarnessFacts = {
    ...(load ? { load } : {}),
    ...(restarts ? { restarts } : {}),
    prometheusTargets: await measure(unmeasured, 'prometheusTargets', () => prometheusTargets(cluster.prometheus, signal), signal),
    alerting: await measure(
      unmeasured,
      'alerting',
      () => alertingFact(cluster.alertmanager, signal, (receiver) => fireTestAlert(cluster.testAlert, { receiver, id: testAlertId, signal })),
      signal,
    ),
    loki: await measure(unmeasured, 'loki', () => lokiFact(cluster.loki, cluster.lokiQuery, signal), signal),
    migrations: await measure(unmeasured, 'migrations', async () => ({ expected: releaseMigrations(RELEASE_SCHEMA), applied: await cluster.appliedMigrations(signal) }), signal),
    unmeasured,
  };
  log(`readiness: snapshot of namespace ${ns} (where the environment deployed the stack${ns === p.configuredNamespace ? '' : `; config.stack.namespace is ${p.configuredNamespace}`})`);
  const credentialRefs: CredentialRef[] = [{ namespace: ns, secret: 'postgres-secret', key: 'POSTGRES_PASSWORD', user: p.dbUser }];
  const collected = await p.collect({ appNamespace: ns, facts, credentialRefs, signal });
  const readiness = evaluateReadiness(collected.snapshot).map((r, i) =>
    // the report says once which namespace was judged, on the matrix's first row
    i === 0 ? { ...r, evidence: [{ kind: 'text' as const, label: 'namespace judged', value: `${ns} (the stack's namespace as deployed by the environment; config.stack.namespace: ${p.configuredNamespace})` }, ...r.evidence] } : r,
  );
  return { readiness, secrets: collected.secrets };
}

function describeGrowth(before: readonly ContainerRestarts[], after: readonly ContainerRestarts[]): string {
  const was = new Map(before.map((c) => [`${c.pod}/${c.container}`, c.restarts]));
  return after
    .filter((c) => c.restarts > (was.get(`${c.pod}/${c.container}`) ?? 0))
    .map((c) => `${c.pod}/${c.container} ${was.get(`${c.pod}/${c.container}`) ?? 0} -> ${c.restarts}`)
    .join(', ');
}
