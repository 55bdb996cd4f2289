// rollback-drill (monthly): every procedure of ROLLBACK.md and DISASTER_RECOVERY_COMPLETION.md, followed as written
// and timed against ROLLBACK.md's objectives (RTO < 15 min, RPO < 5 min), in three environments one after the other
// (never two at once on a 2-core machine; see SuiteGroup):
// 1. the one-node kind cluster with the Gravl stack (k6 load + data probe): Scenario 1 (bad release rolled back),
//    Scenario 4 (deleted app secret), Scenario 3 (expired certificate at the TLS edge), six of the seven DR alerts
//    made to fire and resolve through AlertManager to the in-cluster receiver (Prometheus runs the rules with every
//    hold capped at 15 s: scenarios/catalog/dr-alerts.scenario.ts; the database archives WAL into a volume of its
//    pod), Scenario 2 (failed migration: the database restored from the pre-deploy backup) and the full rollback,
//    database included;
// 2. PostgreSQL 15 with a base backup and a WAL archive (Docker): point-in-time recovery after an accidental DELETE
//    under live writes. It stays on Docker: the kind PostgreSQL archives WAL but takes no base backup, and a kind
//    PITR drill is work of its own;
// 3. the two-region kind cluster: region A lost whole, failover to region B, then the fail-back.
// The monthly drill is not in CI's e2e (its budget); `npm run bench -- rollback-drill` runs it and prints per
// procedure verdict, detection, RTO and RPO against their targets, writes lost, and each environment's set-up time.
import type { Scenario } from '../scenarios/define.ts';
import { pitrAccidentalDelete } from '../scenarios/catalog/pitr-accidental-delete.scenario.ts';
import { badReleaseRollback, secretMissing } from '../scenarios/catalog/kube-rollback.scenario.ts';
import { fullRollback, migrationFailed } from '../scenarios/catalog/migration-rollback.scenario.ts';
import { regionFailback, regionLoss } from '../scenarios/catalog/region-loss.scenario.ts';
import { tlsCertificateExpired } from '../scenarios/catalog/tls-edge.scenario.ts';
import {
  DR_ALERT_DRILLS,
  drAlertBackupSizeDeviation,
  drAlertNoDailyBackup,
  drAlertPrimaryDatabaseDown,
  drAlertRestoreTestFailed,
  drAlertS3UploadSlow,
  drAlertWalArchiveLagging,
} from '../scenarios/catalog/dr-alerts.scenario.ts';
import { startGravlKind } from './environments/gravl-kind.env.ts';
import { DEFAULT_REGIONS_CLUSTER, startGravlKindRegions } from './environments/gravl-kind-regions.env.ts';
import { kindOnly } from './environments/kind-steps.ts';
import { startPitrEnvironment } from './environments/postgres-pitr.env.ts';
import { groupScenarioIds, type SuiteGroup } from './suite.ts';
import type { Config } from '../tools/config/config.ts';
import type { SuiteDefinition } from './suite.ts';

/** The config's default cluster name is signoff's long-lived cluster: the drill then uses clusters of its own. */
const DEFAULT_CONFIG_CLUSTER = 'drillbook-gravl';
const ONE_NODE_CLUSTER = 'drillbook-rollback-drill';
const OTHER_SUITES_CLUSTERS = ['drillbook-drills', 'drillbook-e2e', DEFAULT_REGIONS_CLUSTER];

/** The one-node and the two-region cluster names: both created here and deleted after their group. */
export function rollbackDrillClusters(config: Pick<Config, 'cluster'>): { oneNode: string; regions: string } {
  const named = config.cluster.name !== DEFAULT_CONFIG_CLUSTER;
  return named ? { oneNode: config.cluster.name, regions: `${config.cluster.name}-regions` } : { oneNode: ONE_NODE_CLUSTER, regions: `${ONE_NODE_CLUSTER}-regions` };
}

/** The holds Prometheus runs on the monthly drill's one-node cluster (the DR alert drills cannot wait 30 minutes). */
export const DRILL_ALERT_HOLD_SECONDS = 15;

// The one-node order: the release procedures first (each leaves the stack as it found it), then the DR alerts (each
// puts back the rows and replicas it changed), the database restores last.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each group has its own environment type
const ONE_NODE: readonly Scenario<any>[] = [badReleaseRollback, secretMissing, tlsCertificateExpired, ...DR_ALERT_DRILLS, migrationFailed, fullRollback];

const oneNodeKind: SuiteGroup = {
  name: 'gravl-kind (one node)',
  scenarios: ONE_NODE,
  async prepare(ctx) {
    const kube = await startGravlKind({
      runId: ctx.runId,
      suite: 'rollback-drill',
      outDir: ctx.outDir,
      signal: ctx.signal,
      log: ctx.log,
      // never kept: the two-region cluster comes next and the two must not run at once
      clusterName: rollbackDrillClusters(ctx.config).oneNode,
      namespace: ctx.config.stack.namespace,
      load: { engine: ctx.config.load.engine, parallelism: ctx.config.load.parallelism },
      // the DR alert drills read Prometheus and see its alerts in AlertManager
      prometheus: true,
      alertHoldCapSeconds: DRILL_ALERT_HOLD_SECONDS,
      // the WALArchiveLagging drill refuses the archive; a segment switch at least every 5 min (ROLLBACK.md's RPO)
      walArchive: { timeoutSeconds: 300 },
    });
    return { items: ONE_NODE.map((scenario) => ({ scenario, env: kube.env, ports: kube.ports })), secrets: kube.secrets, [Symbol.asyncDispose]: () => kube[Symbol.asyncDispose]() };
  },
};

const pitrDocker: SuiteGroup = {
  name: 'postgres-pitr (Docker)',
  scenarios: [pitrAccidentalDelete],
  async prepare(ctx) {
    const pitr = await startPitrEnvironment({ runId: ctx.runId, outDir: ctx.outDir, signal: ctx.signal, log: ctx.log });
    return { items: [{ scenario: pitrAccidentalDelete, env: pitr.env, ports: pitr.ports }], secrets: pitr.secrets, [Symbol.asyncDispose]: () => pitr[Symbol.asyncDispose]() };
  },
};

const twoRegionKind: SuiteGroup = {
  name: 'gravl-kind-regions (two regions)',
  // the fail-back starts from the state the failover leaves (region A back, region B serving)
  scenarios: [regionLoss, regionFailback],
  async prepare(ctx) {
    const regions = await startGravlKindRegions({
      runId: ctx.runId,
      suite: 'rollback-drill',
      outDir: ctx.outDir,
      signal: ctx.signal,
      log: ctx.log,
      clusterName: rollbackDrillClusters(ctx.config).regions,
      namespace: ctx.config.stack.namespace,
    });
    return { items: [regionLoss, regionFailback].map((scenario) => ({ scenario, env: regions.env, ports: regions.ports })), secrets: regions.secrets, [Symbol.asyncDispose]: () => regions[Symbol.asyncDispose]() };
  },
};

export const ROLLBACK_DRILL_GROUPS: readonly SuiteGroup[] = [oneNodeKind, pitrDocker, twoRegionKind];

export const rollbackDrillSuite: SuiteDefinition = {
  name: 'rollback-drill',
  description:
    'Monthly: every ROLLBACK.md and DISASTER_RECOVERY_COMPLETION.md procedure, timed (RTO < 15 min, RPO < 5 min): Scenarios 1-4 and the full rollback on a one-node kind cluster (k6 load + data probe), six DR alerts fired and resolved through AlertManager, PITR after an accidental DELETE (PostgreSQL + WAL archive, Docker), region loss and fail-back on a two-region kind cluster; one environment at a time',
  budgetSeconds: 3600,
  requires: ['node', 'docker', 'k6', 'kind', 'images'],
  scenarios: groupScenarioIds(ROLLBACK_DRILL_GROUPS),
  check(config) {
    const problems = kindOnly('rollback-drill', `creates a one-node then a two-region kind cluster (${Object.values(rollbackDrillClusters(config)).join(', ')}) and deletes each after its drills`)(config);
    const { oneNode, regions } = rollbackDrillClusters(config);
    for (const name of [oneNode, regions]) if (OTHER_SUITES_CLUSTERS.includes(name)) problems.push(`cluster.name '${config.cluster.name}': '${name}' is another suite's cluster; rollback-drill creates and deletes its own`);
    return problems;
  },
  groups: ROLLBACK_DRILL_GROUPS,
};

/**
 * The procedures the runbooks list, each with the drill that follows it. `runbook` is the section that lists them
 * (a runbookRef); `procedure` is how that section names it: a sub-heading, the section's own heading, an item of a
 * numbered list or a bold label. rollback-drill.suite.test.ts reads the sections and fails when a procedure they
 * list has no drill here (or a drill here names a procedure they no longer list).
 */
export interface RunbookProcedure {
  readonly runbook: string;
  readonly procedure: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any drill of the suite
  readonly scenario: Scenario<any>;
}

const SCENARIOS = 'ROLLBACK.md § Rollback Scenarios';
const FULL = 'ROLLBACK.md § Full Rollback (Nuclear Option)';
const RESTORE = 'DISASTER_RECOVERY_COMPLETION.md § 2. Backup Restore Testing Procedures';
const REGIONS = 'DISASTER_RECOVERY_COMPLETION.md § 4. Multi-Region Failover Design';
const ALERTS = 'DISASTER_RECOVERY_COMPLETION.md § Monitoring & Alerting';

export const ROLLBACK_DRILL_PROCEDURES: readonly RunbookProcedure[] = [
  { runbook: SCENARIOS, procedure: 'Scenario 1: Pod Crash After Deployment (Most Common)', scenario: badReleaseRollback },
  { runbook: SCENARIOS, procedure: 'Scenario 2: Database Migration Failure', scenario: migrationFailed },
  { runbook: SCENARIOS, procedure: 'Scenario 3: Ingress / Network Failure', scenario: tlsCertificateExpired },
  { runbook: SCENARIOS, procedure: 'Scenario 4: Secrets / Configuration Issue', scenario: secretMissing },
  { runbook: FULL, procedure: 'Full Rollback (Nuclear Option)', scenario: fullRollback },
  // "Restore Procedures:" 1-3. The full rollback restores the whole database from its backup (step 5); PITR and the
  // incremental restore are one procedure here: the base backup, then WAL replayed from the archive to a target time.
  { runbook: RESTORE, procedure: 'Full restore', scenario: fullRollback },
  { runbook: RESTORE, procedure: 'Point-in-time recovery (PITR)', scenario: pitrAccidentalDelete },
  { runbook: RESTORE, procedure: 'Incremental restore', scenario: pitrAccidentalDelete },
  { runbook: REGIONS, procedure: 'Failover Process', scenario: regionLoss },
  { runbook: REGIONS, procedure: 'Failback Process', scenario: regionFailback },
  // "Alert Rules (7 total)": each alert made to fire, delivered, fixed and resolved
  { runbook: ALERTS, procedure: 'NoDailyBackup', scenario: drAlertNoDailyBackup },
  { runbook: ALERTS, procedure: 'BackupSizeDeviation', scenario: drAlertBackupSizeDeviation },
  { runbook: ALERTS, procedure: 'WALArchiveLagging', scenario: drAlertWalArchiveLagging },
  { runbook: ALERTS, procedure: 'S3UploadSlow', scenario: drAlertS3UploadSlow },
  { runbook: ALERTS, procedure: 'BackupRestoreTestFailed', scenario: drAlertRestoreTestFailed },
  { runbook: ALERTS, procedure: 'PrimaryDatabaseDown', scenario: drAlertPrimaryDatabaseDown },
];

/** Procedures the sections list that no drill follows yet, and why: the suite's test fails on any other gap. */
export const ROLLBACK_DRILL_GAPS: readonly { readonly runbook: string; readonly procedure: string; readonly why: string }[] = [
  {
    runbook: ALERTS,
    procedure: 'HighReplicationLag',
    why: 'only the two-region stack has a standby, and it runs no Prometheus; 1 GB of unreplayed WAL must be written with replay paused',
  },
];
