// What every fault adapter is: a typed spec (a discriminated union on `kind`) with a parse that lists every problem,
// and a plan per kind that the one fault transaction (fault-transaction.ts) carries out. The domain's FaultSpec
// stays abstract (scenarios/ports.ts: a kind and fields); an adapter turns it into its own type once, in parse,
// and never reads `spec.x as string` after that.
import { InvalidInputError } from '../../scenarios/errors.ts';
import type { Evidence } from '../../scenarios/journal.ts';
import type { CallOptions, FaultInjector, FaultSpec, InjectedFault, Labels } from '../../scenarios/ports.ts';
import type { FaultLedger } from '../state/ledger.ts';
import { faultId, FaultTransactions, transactionsOf, type FaultPlan } from './fault-transaction.ts';

/** A parsed spec, or every problem with it (each saying what to fix). */
export type Parsed<S> = { readonly spec: S; readonly problems: readonly [] } | { readonly spec?: undefined; readonly problems: readonly string[] };

/** What a plan knows besides the spec: the fault's id (for names and labels), the run's labels, the signal. */
export interface PlanContext {
  readonly id: string;
  readonly labels: Labels;
  readonly signal: AbortSignal | undefined;
}

/**
 * Reads the fields of an untyped spec, collecting a problem for each one that is wrong; `done(spec)` then
 * returns the typed spec only when there were none.
 */
export class SpecReader {
  readonly problems: string[] = [];
  readonly #spec: FaultSpec;
  constructor(spec: FaultSpec) {
    this.#spec = spec;
  }
  problem(text: string): void {
    this.problems.push(text);
  }
  /** A non-empty string, or a problem `field: <message>`. */
  string(field: string, message = 'required'): string {
    const v = this.#spec[field];
    if (typeof v === 'string' && v.length > 0) return v;
    this.problems.push(`${field}: ${message}`);
    return '';
  }
  /** A string matching `pattern`, or a problem. */
  matching(field: string, pattern: RegExp, message: string): string {
    const v = this.#spec[field];
    if (typeof v === 'string' && pattern.test(v)) return v;
    this.problems.push(message);
    return '';
  }
  optionalString(field: string): string | undefined {
    const v = this.#spec[field];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v.length > 0) return v;
    this.problems.push(`${field}: a non-empty string when given`);
    return undefined;
  }
  /** An integer in [min, max] or the default when absent. */
  integer(field: string, min: number, max: number, fallback: number, message: string): number {
    const v = this.#spec[field];
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    this.problems.push(message);
    return fallback;
  }
  raw(field: string): unknown {
    return this.#spec[field];
  }
  done<S>(spec: S): Parsed<S> {
    return this.problems.length ? { problems: this.problems } : { spec, problems: [] };
  }
}

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const LABEL_SELECTOR = /^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]+(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]+)*$/;

/**
 * An injector made of a typed parse and a plan per spec, run through the fault transaction. `engine` tells the
 * dispatcher apart two injectors that break the same kind of thing differently (Chaos Mesh's pod-kill and the
 * harness's own): a spec names it to pick one (`engine: 'chaos-mesh'`); without it the harness-native one is meant.
 */
export abstract class FaultAdapter<S extends { readonly kind: string }> implements FaultInjector {
  abstract readonly name: string;
  abstract readonly kinds: readonly S['kind'][];
  readonly engine: string | undefined = undefined;
  protected readonly transactions: FaultTransactions;

  constructor(ledger?: FaultLedger | FaultTransactions) {
    this.transactions = transactionsOf(ledger);
  }

  /** The typed spec, or every problem with it. Called with a spec of one of `kinds` only. */
  protected abstract parseKind(spec: FaultSpec): Parsed<S>;
  protected abstract plan(spec: S, context: PlanContext): Promise<FaultPlan>;

  /** Problems with the engine and kind, then the adapter's own. */
  parse(spec: FaultSpec): Parsed<S> {
    if (!(this.kinds as readonly string[]).includes(spec.kind)) return { problems: [`unknown fault kind '${spec.kind}'; the ${this.name} injector supports: ${this.kinds.join(', ')}`] };
    const engine = spec.engine;
    if (engine !== undefined && engine !== this.engine) {
      return { problems: [`engine: '${String(engine)}' is not this injector's (${this.engine ?? 'the harness-native one takes no engine field'})`] };
    }
    return this.parseKind(spec);
  }

  validate(spec: FaultSpec): string[] {
    return [...this.parse(spec).problems];
  }

  async inject(spec: FaultSpec, options: CallOptions & { labels: Labels }): Promise<InjectedFault> {
    const parsed = this.parse(spec);
    if (!parsed.spec) throw new InvalidInputError(`fault '${spec.kind}'`, parsed.problems);
    const id = faultId(spec.kind);
    const plan = await this.plan(parsed.spec, { id, labels: options.labels, signal: options.signal });
    return this.transactions.run(spec, id, plan, options);
  }
}

/** One evidence line saying what was injected. */
export const injected = (value: string): Evidence => ({ kind: 'command', label: 'injected', value });
