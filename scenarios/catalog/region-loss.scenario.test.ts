// The region-loss drill against an in-memory two-region system (a primary in region A, a streaming standby in
// region B, a backend whose pooled connections hang on a lost primary until it restarts) and a loopback HTTP
// stand-in for the backend; the real clock (probes do real HTTP), baseline and observation windows cut to 0.
// What the e2e tier measures on kind, this proves about the declaration: the failover steps in order, the
// findings, and the system serving from region B afterwards.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.ts';
import { defineScenario, type Scenario } from '../define.ts';
import type { FaultInjector, FaultSpec, InjectedFault } from '../ports.ts';
import { runScenario } from '../runner.ts';
import { FakeDataProbe, FakeLoad } from '../testing/fake-system.ts';
import type { GravlRegionEnv, InstanceState } from './gravl-region.env.ts';
import { regionFailback, regionLoss } from './region-loss.scenario.ts';

type Region = 'region-a' | 'region-b';

class FakeRegions {
  regionADown = false;
  roles: Record<Region, 'primary' | 'standby'> = { 'region-a': 'primary', 'region-b': 'standby' };
  /** Which instance the `postgres` name points at. */
  dns: Region = 'region-a';
  /** The backend's pool holds connections to the instance it connected to at its start. */
  backendConnectedTo: Region = 'region-a';
  promoteFails = false;
  readonly fenced = new Set<Region>();
  readonly log: string[] = [];
  reachable(name: Region): boolean {
    return name !== 'region-a' || !this.regionADown;
  }
  backendReady(): boolean {
    return this.reachable(this.backendConnectedTo) && this.roles[this.backendConnectedTo] === 'primary';
  }
  instance(name: Region): InstanceState {
    if (!this.reachable(name)) throw new Error('psql: could not connect to server: Connection timed out');
    const other: Region = name === 'region-a' ? 'region-b' : 'region-a';
    const standby = this.roles[name] === 'standby';
    return {
      instance: name,
      inRecovery: standby,
      walReceiver: standby ? 'streaming' : 'none',
      replayLagBytes: 0,
      streamingStandbys: !standby && this.roles[other] === 'standby' && this.reachable(other) ? 1 : 0,
      workoutLogs: 10,
      readOnly: this.fenced.has(name),
    };
  }
}

class FakeNodeFaults implements FaultInjector {
  readonly name = 'fake-node';
  readonly regions: FakeRegions;
  constructor(regions: FakeRegions) {
    this.regions = regions;
  }
  validate(spec: FaultSpec): string[] {
    if (spec.kind === 'write-fence' && spec.region === 'region-b') return [];
    return spec.kind === 'node-stop' && spec.selector === 'topology.kubernetes.io/region=region-a' ? [] : [`unexpected fault ${JSON.stringify(spec)}`];
  }
  async inject(spec: FaultSpec): Promise<InjectedFault> {
    const r = this.regions;
    if (spec.kind === 'write-fence') {
      r.fenced.add('region-b');
      r.log.push('fence region-b');
      return { id: 'write-fence-1', spec, evidence: [], revert: async () => (r.log.push('revert write-fence'), []) };
    }
    r.regionADown = true;
    r.log.push('inject node-stop');
    return {
      id: 'node-stop-1',
      spec,
      evidence: [],
      async revert() {
        r.regionADown = false;
        r.log.push('revert node-stop');
        return [];
      },
    };
  }
}

let server: Server;
let regions: FakeRegions;
let backendUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => res.writeHead(regions.backendReady() ? 200 : 503).end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backendUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function setup() {
  regions = new FakeRegions();
  const r = regions;
  const clock = systemClock;
  const env: GravlRegionEnv = {
    backendUrl,
    platform: 'fake-regions',
    namespace: 'gravl',
    primaryRegion: 'region-a',
    standbyRegion: 'region-b',
    backendReplicas: 2,
    crashFault: () => ({ kind: 'unsupported' }),
    restart: async () => 'unused',
    regionDown: (region) => ({ kind: 'node-stop', selector: `topology.kubernetes.io/region=${region}`, graceSeconds: 0 }),
    // the control plane has not noticed yet (node-monitor grace period)
    regionNodes: async () => [
      { name: 'w1', region: 'region-a', ready: true },
      { name: 'w2', region: 'region-a', ready: true },
      { name: 'w3', region: 'region-b', ready: true },
      { name: 'w4', region: 'region-b', ready: true },
    ],
    readyBackendPods: async () => (r.backendReady() ? 2 : 0),
    serving: async () => r.instance(r.dns),
    standbyStatus: async () => {
      r.log.push('standby status');
      return r.instance('region-b');
    },
    promoteStandby: async () => promote('region-b'),
    repointDatabase: async () => repoint('region-b'),
    restartBackend: async () => {
      r.backendConnectedTo = r.dns;
      r.log.push('restart backend');
      return 'restarted';
    },
    instanceStatus: async (region) => r.instance(region as Region),
    backupServing: async () => {
      r.log.push('backup');
      return { bytes: 2048, instance: r.dns };
    },
    reseedAsStandby: async (region) => {
      r.roles[region as Region] = 'standby';
      r.fenced.delete(region as Region);
      r.log.push(`reseed ${region}`);
      return 're-seeded';
    },
    writeFence: (region) => ({ kind: 'write-fence', region }),
    walPosition: async () => '0/3000060',
    replayedTo: async () => ({ caughtUp: true, replayLsn: '0/3000060' }),
    promote: async (region) => promote(region as Region),
    repointDatabaseTo: async (region) => repoint(region as Region),
  };
  function promote(region: Region) {
    r.log.push(`promote ${region}`);
    if (!r.promoteFails) r.roles[region] = 'primary';
    return { ...r.instance(region), promoted: !r.promoteFails };
  }
  function repoint(region: Region) {
    r.dns = region;
    r.log.push(`repoint ${region}`);
    return `selector -> ${region}`;
  }
  const load = new FakeLoad((profile) => ({ profile: profile.name, requests: 1000, errorRate: 0.01, rps: 50, p50Ms: 5, p95Ms: 10, p99Ms: 20, thresholds: [], passed: false, series: [] }));
  const data = new FakeDataProbe(() => ({ writesAttempted: 100, writes: [{ seq: 1, ackAtMs: 1, survived: true }], outages: [], recoveredAtMs: clock.now() }));
  const ports = { clock, faults: new FakeNodeFaults(r), load, data, cluster: { name: 'fake', context: 'fake', provider: 'kind' as const, createdByDrillbook: true } };
  return { env, ports };
}

function quick<Env>(scenario: Scenario<Env>): Scenario<Env> {
  const { __validated: _, ...def } = scenario;
  return defineScenario<Env>({ ...def, baselineSeconds: 0, observeSeconds: 0, verifyTimeoutMs: 5_000 });
}

describe('region-loss', () => {
  it('fails over to region B step by step as the DR runbook says and serves from the promoted instance', async () => {
    const { env, ports } = setup();
    const journal = await runScenario(quick(regionLoss), { env, ports, runId: 'unit' });
    expect(journal.status, JSON.stringify(journal.error ?? journal.phases.map((p) => [p.name, p.status]))).toBe('completed');
    expect(journal.verdict, JSON.stringify(journal.objectives)).toBe('met');
    expect(journal.phases.find((p) => p.name === 'recover')!.steps.map((s) => [s.name, s.status])).toEqual([
      ['health check secondary region', 'passed'],
      ['promote secondary replica to primary', 'passed'],
      ['update DNS to the promoted instance', 'passed'],
      ['restart applications', 'passed'],
    ]);
    // the steady state checked the standby once; the health check once more
    expect(regions.log).toEqual(['standby status', 'inject node-stop', 'standby status', 'promote region-b', 'repoint region-b', 'restart backend', 'revert node-stop']);
    expect(journal.measurements.detectionMs).not.toBeNull();
    expect(journal.findings.map((f) => f.title)).toEqual([
      'Node status does not show the region loss when the service already fails',
      'The standby still believes it is streaming',
      'The failover never fences the old primary',
      'Repointing the database name alone does not bring the backend back',
      'The RTO breakdown is hours of steps a drill does in minutes',
    ]);
    expect(regions.instance(regions.dns)).toMatchObject({ instance: 'region-b', inRecovery: false });
  }, 30_000);

  it('a promotion that does not happen fails the recovery, and the fault is still reverted', async () => {
    const { env, ports } = setup();
    regions.promoteFails = true;
    const journal = await runScenario(quick(regionLoss), { env, ports, runId: 'unit' });
    const recover = journal.phases.find((p) => p.name === 'recover')!;
    // a thrown step errors; the steps after it are skipped
    expect(recover.steps.map((s) => s.status)).toEqual(['passed', 'errored', 'skipped', 'skipped']);
    expect(journal.verdict).not.toBe('met');
    expect(regions.log.at(-1)).toBe('revert node-stop');
    expect(regions.regionADown).toBe(false);
  }, 30_000);

  it('injects region A down, as data', () => {
    const { env } = setup();
    expect(regionLoss.inject(env)).toEqual([{ kind: 'node-stop', selector: 'topology.kubernetes.io/region=region-a', graceSeconds: 0 }]);
  });

  it('fails back after the region returns: re-seed, fenced switchover, restart, secondary re-seeded', async () => {
    const { env, ports } = setup();
    // the state region-loss leaves: region A back with its old primary, region B promoted and serving
    Object.assign(regions, { roles: { 'region-a': 'primary', 'region-b': 'primary' }, dns: 'region-b', backendConnectedTo: 'region-b' });
    const journal = await runScenario(quick(regionFailback), { env, ports, runId: 'unit' });
    expect(journal.status, JSON.stringify(journal.error ?? journal.phases.map((p) => [p.name, p.status]))).toBe('completed');
    expect(journal.verdict, JSON.stringify(journal.objectives)).toBe('met');
    expect(regions.log).toEqual(['backup', 'reseed region-a', 'fence region-b', 'promote region-a', 'repoint region-a', 'restart backend', 'reseed region-b', 'revert write-fence']);
    expect(journal.findings.map((f) => f.title)).toEqual([
      'The returning region brings back a second writable primary',
      '"Restore primary from backup" leaves it behind the live primary',
      'The failback moves DNS without stopping writes on the secondary',
      'The failback ends without a standby',
    ]);
    expect(regions.roles).toEqual({ 'region-a': 'primary', 'region-b': 'standby' });
    expect(regions.dns).toBe('region-a');
  }, 30_000);
});
