// DISASTER_RECOVERY_COMPLETION.md § Restore procedures 2 (point-in-time recovery) under ROLLBACK.md's objectives:
// an operator deletes a table's rows by accident while the application keeps writing; the runbook fences the
// primary, recovers a fresh instance to just before the accident from the base backup and the WAL archive, and
// repoints the application. The data probe proves what came back and which acknowledged writes were lost.
import { defineScenario } from '../define.ts';
import type { FaultSpec } from '../ports.ts';

export interface PitrDrillEnv {
  readonly table: string;
  /** Rows the table held when the drill started (the dataset). */
  readonly expectedRows: number;
  countRows(signal: AbortSignal): Promise<number>;
  accident(): FaultSpec;
  /** Runbook step 1: archive the current WAL segment and stop the primary, so nothing more diverges. */
  fencePrimary(signal: AbortSignal): Promise<string>;
  /** Runbook step 2: recover a fresh instance to just before the accident, promote it. */
  recoverToBeforeAccident(signal: AbortSignal): Promise<string>;
  /** Runbook step 3: point the application (and the data probe) at the recovered instance. */
  repointApplication(signal: AbortSignal): Promise<string>;
}

const tableIntact = {
  name: 'table holds every row of the dataset',
  tolerance: { equals: true },
  measure: async (ctx: { env: PitrDrillEnv; signal: AbortSignal }) => (await ctx.env.countRows(ctx.signal)) >= ctx.env.expectedRows,
} as const;

export const pitrAccidentalDelete = defineScenario<PitrDrillEnv>({
  id: 'pitr-accidental-delete',
  title: 'Accidental DELETE under live writes; point-in-time recovery to just before it',
  runbookRef: 'DISASTER_RECOVERY_COMPLETION.md § 2. Backup Restore Testing Procedures; DISASTER_RECOVERY_COMPLETION.md § 3. RTO/RPO Strategy Documentation',
  runbookFingerprint: 'sha256:b7eb6ab9ebfcbf87',
  tags: ['rollback', 'dr', 'database'],
  destructive: true,
  // RTO is judged at verification (the table intact again): during an accidental DELETE writes keep succeeding
  // while the data is gone, so the data probe's "writes work again" would understate the outage.
  objectives: { rtoSeconds: 900, rpoSeconds: 300, detectionSeconds: 2, rtoSource: 'verify' },
  steadyState: [tableIntact],
  baselineSeconds: 3,
  inject: (env) => [env.accident()],
  detect: {
    name: 'rows missing from the table',
    timeoutMs: 30_000,
    intervalMs: 100,
    check: async (ctx) => {
      const n = await ctx.env.countRows(ctx.signal);
      return { detected: n < ctx.env.expectedRows, value: { rows: n, expected: ctx.env.expectedRows } };
    },
  },
  recover: [
    { name: 'fence the primary (archive current WAL, stop it)', timeoutMs: 120_000, runbookRef: 'DR § PITR: stop writes before recovering', run: async (ctx) => ctx.evidence('fence', await ctx.env.fencePrimary(ctx.signal), 'command') },
    { name: 'recover a fresh instance to just before the accident', timeoutMs: 600_000, runbookRef: 'DR § PITR: base backup + WAL replay to a target time', run: async (ctx) => ctx.evidence('recovery', await ctx.env.recoverToBeforeAccident(ctx.signal), 'command') },
    { name: 'repoint the application at the recovered instance', timeoutMs: 60_000, runbookRef: 'DR § Failover: restart applications', run: async (ctx) => ctx.evidence('repoint', await ctx.env.repointApplication(ctx.signal), 'command') },
  ],
  verify: [tableIntact],
  verifyTimeoutMs: 30_000,
  observeSeconds: 3,
  dataProbe: true,
});
