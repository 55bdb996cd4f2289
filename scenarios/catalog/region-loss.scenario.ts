// DISASTER_RECOVERY_COMPLETION.md § 4, "Multi-Region Failover Design", executed: the primary region is lost whole
// (every node down at once), and the failover process runs as the document writes it:
//   1. Health check secondary region   2. Promote secondary replica to primary   3. Update Route 53 DNS
//   4. Restart applications            5. "Complete in ~2-4 hours"
// under background load and the data probe, which measure the RTO (writes succeed again) and the RPO (acknowledged
// writes the asynchronous replica never received) against the document's targets: RPO < 1 h, RTO < 4 h, detection
// 5 min (its RTO breakdown). On Kubernetes, "DNS" is the `postgres` Service name the backend connects to.
// What the document gets wrong or leaves out is recorded as findings, measured where the run can measure it.
import { defineScenario, type Probe, type ScenarioContext } from '../define.ts';
import { backendReady, backgroundLoad, exercisesListed, httpStatus, readinessLost } from './gravl.env.ts';
import type { GravlRegionEnv } from './gravl-region.env.ts';
import { settle } from '../wait.ts';

type Ctx = ScenarioContext<GravlRegionEnv>;

const RUNBOOK = 'DISASTER_RECOVERY_COMPLETION.md § 4 Multi-Region Failover Design';

/** Probe: the backend's database name points at a writable primary in region A (the steady state). */
export const primaryServesInRegionA: Probe<GravlRegionEnv> = {
  name: 'postgres serves from the primary region (not in recovery)',
  tolerance: { equals: true },
  timeoutMs: 150_000,
  measure: async (ctx: Ctx) => {
    const s = await ctx.env.serving(ctx.signal);
    ctx.evidence('postgres', s, 'json');
    return s.instance === ctx.env.primaryRegion && !s.inRecovery && s.streamingStandbys >= 1;
  },
};

/** Probe: the standby in region B is in recovery and streaming. */
export const standbyStreaming: Probe<GravlRegionEnv> = {
  name: 'standby in the secondary region streaming',
  tolerance: { equals: true },
  timeoutMs: 150_000,
  measure: async (ctx: Ctx) => {
    const s = await ctx.env.standbyStatus(ctx.signal);
    ctx.evidence('standby', s, 'json');
    return s.instance === ctx.env.standbyRegion && s.inRecovery && s.walReceiver === 'streaming';
  },
};

/** Verification: writes now land on the promoted instance in region B. */
export const promotedServesInRegionB: Probe<GravlRegionEnv> = {
  name: 'postgres serves from the promoted instance in the secondary region',
  tolerance: { equals: true },
  timeoutMs: 150_000,
  measure: async (ctx: Ctx) => {
    const s = await ctx.env.serving(ctx.signal);
    ctx.evidence('postgres', s, 'json');
    return s.instance === ctx.env.standbyRegion && !s.inRecovery;
  },
};

/** Readiness polled for up to `ms`: the first 200, or the last status seen. */
async function readinessWithin(ctx: Ctx, ms: number): Promise<{ ready: boolean; afterMs: number; last: string }> {
  const started = ctx.clock.now();
  let last = 'none';
  while (ctx.clock.now() - started < ms) {
    try {
      const status = await httpStatus(`${ctx.env.backendUrl}/api/ready`, ctx.signal, 1_000);
      last = String(status);
      if (status === 200) return { ready: true, afterMs: ctx.clock.now() - started, last };
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      last = String((error as Error).cause ?? (error as Error).message);
    }
    await ctx.clock.sleep(250, ctx.signal);
  }
  return { ready: false, afterMs: ctx.clock.now() - started, last };
}

export const regionLoss = defineScenario<GravlRegionEnv>({
  id: 'region-loss',
  title: 'The primary region is lost; failover to the replica in the secondary region as the DR runbook says',
  description:
    'Every node of region A (PostgreSQL primary) goes down at once; the streaming replica in region B is promoted, the database name repointed, the backend restarted. RTO and RPO measured by the data probe.',
  runbookRef: RUNBOOK,
  runbookFingerprint: 'sha256:d13a8570b6a22e46',
  tags: ['dr', 'region', 'kube', 'failover'],
  destructive: true,
  needs: ['backend', 'database'],
  // The document: RPO < 1 h, RTO < 4 h; its RTO breakdown allows 5 min for detection.
  objectives: { rtoSeconds: 4 * 3600, rpoSeconds: 3600, detectionSeconds: 300 },
  steadyState: [backendReady, exercisesListed, primaryServesInRegionA, standbyStreaming],
  inject: (env) => [env.regionDown(env.primaryRegion)],
  // What shows the loss first: the backend's readiness (a query on the lost primary hangs or is refused). The
  // control plane's node status lags by the node-monitor grace period (step 1 records what it said).
  detect: readinessLost(120_000),
  recover: [
    {
      name: 'health check secondary region',
      timeoutMs: 150_000,
      runbookRef: `${RUNBOOK}, Failover Process step 1`,
      run: async (ctx: Ctx) => {
        const nodes = await ctx.env.regionNodes(ctx.signal);
        ctx.evidence('nodes (control plane view)', nodes, 'json');
        const standby = await ctx.env.standbyStatus(ctx.signal);
        ctx.evidence('standby', standby, 'json');
        if (!standby.inRecovery) throw new Error(`the standby in ${standby.instance} is not in recovery: nothing to promote`);
        const lostStillReady = nodes.filter((n) => n.region === ctx.env.primaryRegion && n.ready).map((n) => n.name);
        if (lostStillReady.length > 0) {
          ctx.finding({
            severity: 'warning',
            title: 'Node status does not show the region loss when the service already fails',
            detail:
              `When the backend had already lost its database, the control plane still reported ${lostStillReady.join(', ')} Ready: ` +
              'nodes turn NotReady only after the node-monitor grace period. Detection that watches node health is slower than the data path; the runbook names no detection signal at all.',
            runbookRef: `${RUNBOOK}; RTO breakdown "Detection: 5 min"`,
          });
        }
        if (standby.walReceiver === 'streaming') {
          ctx.finding({
            severity: 'info',
            title: 'The standby still believes it is streaming',
            detail: `The WAL receiver reported '${standby.walReceiver}' after the primary was gone; "health check secondary" must not take that as the primary being alive.`,
            runbookRef: `${RUNBOOK}, Failover Process step 1`,
          });
        }
      },
    },
    {
      name: 'promote secondary replica to primary',
      timeoutMs: 150_000,
      runbookRef: `${RUNBOOK}, Failover Process step 2`,
      run: async (ctx: Ctx) => {
        const after = await ctx.env.promoteStandby(ctx.signal);
        ctx.evidence('after pg_promote()', after, 'json');
        if (!after.promoted || after.inRecovery) throw new Error(`pg_promote() did not promote ${after.instance} (still in recovery: ${after.inRecovery})`);
        ctx.finding({
          severity: 'runbook-defect',
          title: 'The failover never fences the old primary',
          detail:
            'Steps 1-5 promote the replica and move DNS but nothing stops the primary in the lost region: when that region comes back its PostgreSQL starts as a second writable primary ' +
            '(its StatefulSet still wants it). Anything still pointing at it writes to a diverged timeline. Fence it (scale its StatefulSet to 0 / cut it off) before promoting.',
          runbookRef: `${RUNBOOK}, Failover Process`,
        });
      },
    },
    {
      name: 'update DNS to the promoted instance',
      timeoutMs: 60_000,
      runbookRef: `${RUNBOOK}, Failover Process step 3 ("Update Route 53 DNS"; here the postgres Service)`,
      run: async (ctx: Ctx) => {
        ctx.evidence('repoint', await ctx.env.repointDatabase(ctx.signal), 'command');
        const seen = await readinessWithin(ctx, 10_000);
        ctx.evidence('backend readiness after the repoint (10 s)', seen, 'json');
        if (!seen.ready) {
          ctx.finding({
            severity: 'info',
            title: 'Repointing the database name alone does not bring the backend back',
            detail: `10 s after the postgres name pointed at the promoted instance the backend still answered ${seen.last}: its pooled connections hang on the lost primary. Step 4 (restart applications) is required, not optional.`,
            runbookRef: `${RUNBOOK}, Failover Process steps 3-4`,
          });
        } else {
          ctx.finding({
            severity: 'info',
            title: 'The backend reconnects by itself once the database name is repointed',
            detail: `The backend answered readiness ${Math.round(seen.afterMs)} ms after the postgres name pointed at the promoted instance, before any restart: step 4 (restart applications) is not on the critical path of the RTO for this backend (its pool drops connections that fail).`,
            runbookRef: `${RUNBOOK}, Failover Process steps 3-4`,
          });
        }
      },
    },
    {
      name: 'restart applications',
      timeoutMs: 300_000,
      runbookRef: `${RUNBOOK}, Failover Process step 4`,
      run: async (ctx: Ctx) => {
        const started = ctx.clock.now();
        ctx.evidence('restart', await ctx.env.restartBackend(ctx.signal), 'command');
        ctx.evidence('ready backend pods', `${await ctx.env.readyBackendPods(ctx.signal)}/${ctx.env.backendReplicas}`);
        const seconds = Math.round((ctx.clock.now() - started) / 1000);
        ctx.finding({
          severity: 'info',
          title: 'The RTO breakdown is hours of steps a drill does in minutes',
          detail: `"App Reconnection: 10 min" took ${seconds} s here (rollout restart until every replica is available); the breakdown's 130 min of manual phases is not what bounds the RTO: detection and the restart are.`,
          runbookRef: `${RUNBOOK}; DISASTER_RECOVERY_COMPLETION.md § 3 RTO Breakdown`,
        });
      },
    },
  ],
  verify: [backendReady, exercisesListed, promotedServesInRegionB],
  verifyTimeoutMs: 150_000,
  baselineSeconds: 10,
  observeSeconds: 10,
  load: (env) => backgroundLoad(env, 420),
  dataProbe: true,
});

/** Polls the re-seeded instance of `region` until it is a streaming standby. */
function untilStreaming(ctx: Ctx, region: string, timeoutMs: number) {
  return settle(ctx, timeoutMs, 2_000, () => ctx.env.instanceStatus(region, ctx.signal), (s) => s.inRecovery && s.walReceiver === 'streaming');
}

/**
 * The fail-back, after region-loss on the same cluster (region A's nodes are back, its old primary running on a
 * diverged timeline, the promoted instance in region B serving): the document's Failback Process
 *   1. Backup secondary (current primary)  2. Restore primary from backup  3. Resync secondary as replica
 *   4. Update DNS  5. Restart applications
 * with what it leaves out added where the drill cannot do without it (a write fence before the switch, the
 * secondary re-seeded as a standby afterwards), each recorded as a finding. Steps 1-3 are the setup; the "fault" is
 * the planned switchover's write fence on the secondary (read-only), so the data probe measures the switchover's
 * write outage (RTO) and any write it lost (RPO); steps 4-5 and the re-seed of the secondary are the recovery.
 */
export const regionFailback = defineScenario<GravlRegionEnv>({
  id: 'region-failback',
  title: "Fail back to the primary region after its recovery, as the DR runbook's Failback Process says",
  description:
    'Region A is back; its old primary is re-seeded as a standby of region B, writes are fenced on region B until region A has replayed them, region A is promoted, the database name repointed and the backend restarted; region B re-seeded as a standby.',
  runbookRef: RUNBOOK, // its 'Failback Process' list (a bold label in § 4, not a heading)
  runbookFingerprint: 'sha256:d13a8570b6a22e46',
  tags: ['dr', 'region', 'kube', 'failback'],
  destructive: true,
  needs: ['backend', 'database'],
  objectives: { rtoSeconds: 4 * 3600, rpoSeconds: 3600, detectionSeconds: 300 },
  steadyState: [backendReady, exercisesListed, promotedServesInRegionB],
  setup: [
    {
      name: 'primary region back (every node Ready)',
      timeoutMs: 300_000,
      runbookRef: `${RUNBOOK}, Failback Process (precondition)`,
      run: async (ctx: Ctx) => {
        for (;;) {
          const nodes = (await ctx.env.regionNodes(ctx.signal)).filter((n) => n.region === ctx.env.primaryRegion);
          if (nodes.length > 0 && nodes.every((n) => n.ready)) return ctx.evidence('nodes', nodes, 'json');
          await ctx.clock.sleep(2_000, ctx.signal);
        }
      },
    },
    {
      name: 'backup secondary (current primary)',
      timeoutMs: 150_000,
      runbookRef: `${RUNBOOK}, Failback Process step 1`,
      run: async (ctx: Ctx) => {
        const backup = await ctx.env.backupServing(ctx.signal);
        ctx.evidence('pg_dump of the current primary', backup, 'json');
        if (!(backup.bytes > 0)) throw new Error('the backup of the current primary is empty');
      },
    },
    {
      name: 'restore primary (re-seed region A as a standby of region B)',
      timeoutMs: 300_000,
      runbookRef: `${RUNBOOK}, Failback Process step 2`,
      run: async (ctx: Ctx) => {
        const before = await ctx.env.instanceStatus(ctx.env.primaryRegion, ctx.signal).catch((error: Error) => ({ unreachable: error.message }));
        ctx.evidence('old primary before the re-seed', before, 'json');
        if ('inRecovery' in before && !before.inRecovery) {
          ctx.finding({
            severity: 'runbook-defect',
            title: 'The returning region brings back a second writable primary',
            detail: `When region ${ctx.env.primaryRegion} came back, its old PostgreSQL started as a primary (not in recovery, ${before.workoutLogs} workout logs on its own timeline) beside the promoted one: nothing in the failover fenced it.`,
            runbookRef: `${RUNBOOK}, Failover Process / Failback Process`,
          });
        }
        ctx.evidence('re-seed', await ctx.env.reseedAsStandby(ctx.env.primaryRegion, ctx.signal), 'command');
        ctx.finding({
          severity: 'warning',
          title: '"Restore primary from backup" leaves it behind the live primary',
          detail:
            'A restore of the step-1 backup would miss every write since the dump and could not stream from the promoted instance (a diverged timeline needs a new base). The drill re-seeds it with pg_basebackup from the live primary instead; the backup of step 1 is a safety copy, not the way back.',
          runbookRef: `${RUNBOOK}, Failback Process steps 1-2`,
        });
      },
    },
    {
      name: 'resync secondary as replica',
      timeoutMs: 180_000,
      runbookRef: `${RUNBOOK}, Failback Process step 3`,
      run: async (ctx: Ctx) => {
        const s = await untilStreaming(ctx, ctx.env.primaryRegion, 150_000);
        ctx.evidence('region A instance', s, 'json');
        if (!(s.inRecovery && s.walReceiver === 'streaming')) throw new Error(`the re-seeded instance in ${ctx.env.primaryRegion} is not streaming (${s.walReceiver})`);
      },
    },
  ],
  // the switchover starts: writes fenced (read-only) on the secondary, which the runbook never does
  inject: (env) => [env.writeFence(env.standbyRegion)],
  detect: {
    name: 'writes refused on the secondary (backend readiness still answers)',
    timeoutMs: 60_000,
    intervalMs: 500,
    check: async (ctx: Ctx) => {
      const s = await ctx.env.instanceStatus(ctx.env.standbyRegion, ctx.signal);
      return { detected: s.readOnly === true, value: s };
    },
  },
  recover: [
    {
      name: 'update DNS back to the primary region (after it replayed up to the fence)',
      timeoutMs: 240_000,
      runbookRef: `${RUNBOOK}, Failback Process step 4`,
      run: async (ctx: Ctx) => {
        const lsn = await ctx.env.walPosition(ctx.env.standbyRegion, ctx.signal);
        ctx.evidence('secondary WAL position after the fence', lsn);
        const started = ctx.clock.now();
        let replayed = await ctx.env.replayedTo(ctx.env.primaryRegion, lsn, ctx.signal);
        while (!replayed.caughtUp && ctx.clock.now() - started < 60_000) {
          await ctx.clock.sleep(500, ctx.signal);
          replayed = await ctx.env.replayedTo(ctx.env.primaryRegion, lsn, ctx.signal);
        }
        ctx.evidence('region A replayed up to the fence', replayed, 'json');
        if (!replayed.caughtUp) throw new Error(`region A replayed only up to ${replayed.replayLsn}, not ${lsn}: promoting now would lose writes`);
        const promoted = await ctx.env.promote(ctx.env.primaryRegion, ctx.signal);
        ctx.evidence('after pg_promote() in region A', promoted, 'json');
        if (!promoted.promoted || promoted.inRecovery) throw new Error(`pg_promote() did not promote the instance in ${ctx.env.primaryRegion}`);
        ctx.evidence('repoint', await ctx.env.repointDatabaseTo(ctx.env.primaryRegion, ctx.signal), 'command');
        ctx.finding({
          severity: 'runbook-defect',
          title: 'The failback moves DNS without stopping writes on the secondary',
          detail:
            "Between \"resync\" and \"update DNS\" the secondary keeps accepting writes; any it takes after the primary's last replayed position are lost when the primary is promoted. The drill fences writes (read-only) on the secondary, waits until the primary has replayed up to the fence, then promotes and repoints.",
          runbookRef: `${RUNBOOK}, Failback Process steps 3-4`,
        });
      },
    },
    {
      name: 'restart applications',
      timeoutMs: 300_000,
      runbookRef: `${RUNBOOK}, Failback Process step 5`,
      run: async (ctx: Ctx) => {
        ctx.evidence('restart', await ctx.env.restartBackend(ctx.signal), 'command');
      },
    },
    {
      name: 're-seed the secondary region as a standby (not in the runbook)',
      timeoutMs: 420_000,
      runbookRef: `${RUNBOOK}, Failback Process (after step 5)`,
      run: async (ctx: Ctx) => {
        ctx.evidence('re-seed', await ctx.env.reseedAsStandby(ctx.env.standbyRegion, ctx.signal), 'command');
        const s = await untilStreaming(ctx, ctx.env.standbyRegion, 150_000);
        ctx.evidence('region B instance', s, 'json');
        if (!(s.inRecovery && s.walReceiver === 'streaming')) throw new Error(`the re-seeded instance in ${ctx.env.standbyRegion} is not streaming (${s.walReceiver})`);
        ctx.finding({
          severity: 'runbook-defect',
          title: 'The failback ends without a standby',
          detail: `After step 5 the secondary region holds a fenced former primary and no replica streams from the primary: a second region loss would lose everything. The drill re-seeds ${ctx.env.standbyRegion} as a standby; the runbook should.`,
          runbookRef: `${RUNBOOK}, Failback Process`,
        });
      },
    },
  ],
  verify: [backendReady, exercisesListed, primaryServesInRegionA],
  verifyTimeoutMs: 150_000,
  baselineSeconds: 10,
  observeSeconds: 10,
  load: (env) => backgroundLoad(env, 600),
  dataProbe: true,
});
