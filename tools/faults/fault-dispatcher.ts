// One FaultInjector for a run, made of the adapters the environment offers: each spec goes by its kind (and its
// engine, when it names one) to exactly one adapter. Two adapters claiming the same kind for the same engine are
// refused when the dispatcher is built, not discovered at the first inject.
import { DrillbookError } from '../../scenarios/errors.ts';
import type { CallOptions, FaultInjector, FaultSpec, InjectedFault, Labels } from '../../scenarios/ports.ts';

/** What the dispatcher needs of an adapter: the kinds it claims, and its engine if it is not harness-native. */
export interface RoutedInjector extends FaultInjector {
  readonly kinds: readonly string[];
  readonly engine?: string | undefined;
}

function isRouted(injector: FaultInjector): injector is RoutedInjector {
  return Array.isArray((injector as Partial<RoutedInjector>).kinds);
}

const routeKey = (kind: string, engine: string | undefined) => (engine ? `${engine}:${kind}` : kind);

export class FaultDispatcher implements FaultInjector {
  readonly name: string;
  /** The injectors routed to, nested dispatchers flattened. */
  readonly injectors: readonly RoutedInjector[];
  readonly #routes = new Map<string, RoutedInjector>();

  /** Each injector must declare its kinds; a dispatcher among them adds its own injectors (an environment's, extended by a suite). */
  constructor(injectors: readonly FaultInjector[]) {
    const flat = injectors.flatMap((i): RoutedInjector[] => {
      if (i instanceof FaultDispatcher) return [...i.injectors];
      if (isRouted(i)) return [i];
      throw new DrillbookError(`fault injector ${i.name} declares no kinds: the dispatcher cannot route to it`, { hint: 'give it `kinds` (tools/faults/fault-adapter.ts FaultAdapter does)' });
    });
    const clashes: string[] = [];
    for (const injector of flat) {
      for (const kind of injector.kinds) {
        const key = routeKey(kind, injector.engine);
        const taken = this.#routes.get(key);
        if (taken) clashes.push(`${key}: claimed by ${taken.name} and by ${injector.name}`);
        else this.#routes.set(key, injector);
      }
    }
    if (clashes.length) {
      throw new DrillbookError(`two fault injectors claim the same kind:\n${clashes.map((c) => `  - ${c}`).join('\n')}`, {
        hint: 'give one of them an engine (specs then pick it with `engine: ...`) or leave it out of this environment',
      });
    }
    this.injectors = flat;
    this.name = flat.map((i) => i.name).join('+');
  }

  /** The kinds this run can inject, `engine:kind` for the non-native ones. */
  get kinds(): string[] {
    return [...this.#routes.keys()];
  }

  #route(spec: FaultSpec): RoutedInjector | undefined {
    const engine = typeof spec.engine === 'string' ? spec.engine : undefined;
    return this.#routes.get(routeKey(spec.kind, engine));
  }

  validate(spec: FaultSpec): string[] {
    const injector = this.#route(spec);
    if (!injector) return [`unknown fault kind '${routeKey(spec.kind, spec.engine as string | undefined)}'; this run's injectors take: ${this.kinds.join(', ')}`];
    return injector.validate(spec);
  }

  async inject(spec: FaultSpec, options: CallOptions & { labels: Labels }): Promise<InjectedFault> {
    const injector = this.#route(spec);
    if (!injector) throw new DrillbookError(this.validate(spec)[0]!);
    return injector.inject(spec, options);
  }
}
