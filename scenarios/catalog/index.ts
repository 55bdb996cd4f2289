// Every scenario drillbook knows, for `drillbook scenarios` and for suites to compose.
import type { Scenario } from '../define.ts';
import { backendCrash, databaseCrash } from './gravl-crash.scenario.ts';
import { backupJobMissing } from './backup-job-missing.scenario.ts';
import { badReleaseRollback, secretMissing } from './kube-rollback.scenario.ts';
import { localServiceCrash, localServiceFreeze } from './local-service-crash.scenario.ts';
import { pitrAccidentalDelete } from './pitr-accidental-delete.scenario.ts';
import { alertReceivers } from './alert-receivers.scenario.ts';
import { lokiStorageEmptyDir, lokiStorageLocalPath } from './loki-storage.scenario.ts';
import { fullRollback, migrationFailed } from './migration-rollback.scenario.ts';
import { regionFailback, regionLoss } from './region-loss.scenario.ts';
import { tlsCertificateExpired } from './tls-edge.scenario.ts';
import { DR_ALERT_DRILLS } from './dr-alerts.scenario.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each scenario has its own environment type
export const catalog: readonly Scenario<any>[] = [
  localServiceCrash, localServiceFreeze, backendCrash, databaseCrash, pitrAccidentalDelete, badReleaseRollback,
  secretMissing,
  tlsCertificateExpired,
  migrationFailed,
  fullRollback,
  backupJobMissing,
  lokiStorageLocalPath,
  lokiStorageEmptyDir,
  alertReceivers,
  regionLoss,
  regionFailback,
  ...DR_ALERT_DRILLS,
];
