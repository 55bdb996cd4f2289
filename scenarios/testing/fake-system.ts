// An in-memory stand-in for a target system and the ports around it, for the engine's unit tests.
import type { ScenarioContext } from '../define.ts';
import type {
  DataProbe,
  DataProbeReport,
  FaultInjector,
  FaultSpec,
  InjectedFault,
  LoadGenerator,
  LoadProfile,
  LoadResult,
  Ports,
} from '../ports.ts';
import type { FakeClock } from './fake-clock.ts';

/** The "service": healthy or not, and the log of everything that happened to it. */
export class FakeSystem {
  healthy = true;
  version = 'v1';
  readonly log: string[] = [];
}

export interface FakeInjectorBehaviour {
  /** Throw when injecting a spec of this kind. */
  failInjectKind?: string;
  /** Throw when reverting. */
  failRevert?: boolean;
  /** Simulated time the injection takes. */
  injectMs?: number;
}

export class FakeFaultInjector implements FaultInjector {
  readonly name = 'fake';
  readonly injected: InjectedFault[] = [];
  readonly behaviour: FakeInjectorBehaviour;
  readonly #system: FakeSystem;
  readonly #clock: FakeClock;
  #n = 0;

  constructor(system: FakeSystem, clock: FakeClock, behaviour: FakeInjectorBehaviour = {}) {
    this.#system = system;
    this.#clock = clock;
    this.behaviour = behaviour;
  }

  validate(spec: FaultSpec): string[] {
    if (spec.kind !== 'break-service' && spec.kind !== 'noop') return [`unknown fault kind '${spec.kind}'; this injector supports break-service, noop`];
    return [];
  }

  async inject(spec: FaultSpec, options: { signal?: AbortSignal }): Promise<InjectedFault> {
    if (this.behaviour.injectMs) await this.#clock.sleep(this.behaviour.injectMs, options.signal);
    if (spec.kind === this.behaviour.failInjectKind) throw new Error(`cannot inject ${spec.kind}: target refused`);
    const id = `fault-${++this.#n}`;
    const system = this.#system;
    if (spec.kind === 'break-service') system.healthy = false;
    system.log.push(`inject ${id}`);
    let reverted = false;
    const behaviour = this.behaviour;
    const fault: InjectedFault = {
      id,
      spec,
      evidence: [{ kind: 'text', label: 'injected', value: `${spec.kind} on the fake service` }],
      async revert() {
        if (behaviour.failRevert) throw new Error('revert refused');
        if (!reverted && spec.kind === 'break-service') system.healthy = true;
        reverted = true;
        system.log.push(`revert ${id}`);
        return [{ kind: 'text', label: 'reverted', value: id }];
      },
    };
    this.injected.push(fault);
    return fault;
  }
}

export class FakeDataProbe implements DataProbe {
  started = 0;
  readonly report: () => DataProbeReport;
  constructor(report: () => DataProbeReport) {
    this.report = report;
  }
  async start() {
    this.started += 1;
    return { stop: async () => this.report() };
  }
}

export class FakeLoad implements LoadGenerator {
  readonly result: (profile: LoadProfile) => LoadResult;
  constructor(result: (profile: LoadProfile) => LoadResult) {
    this.result = result;
  }
  validate(profile: LoadProfile): string[] {
    return /^http:\/\/127\./.test(profile.target) ? [] : [`target ${profile.target} is not loopback`];
  }
  async start(profile: LoadProfile) {
    return { profile, stop: async () => this.result(profile) };
  }
}

export interface FakeEnv {
  system: FakeSystem;
}

export function fakePorts(clock: FakeClock, faults: FaultInjector, extra: Partial<Ports> = {}): Ports {
  return {
    clock,
    faults,
    cluster: { name: 'fake', context: 'fake', provider: 'local', createdByDrillbook: true },
    ...extra,
  };
}

/** A runbook step that takes `ms` of (fake) time and then does `effect`. */
export function takes(ms: number, effect: (ctx: ScenarioContext<FakeEnv>) => void = () => {}) {
  return async (ctx: ScenarioContext<FakeEnv>) => {
    await ctx.clock.sleep(ms, ctx.signal);
    effect(ctx);
  };
}
