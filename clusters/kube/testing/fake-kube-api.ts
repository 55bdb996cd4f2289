// In-memory KubeApi for unit tests: stores applied objects, serves lists, and pushes events to open watches.
// `set()` plays the controllers' part (e.g. mark a Deployment available).
import type { CallOptions } from '../../../scenarios/ports.ts';
import type { KindRef, KubeApi, KubeObject, ObjectRef, ProxyRequest, ProxyResponse, Selectors, ServiceRef, WatchEvent } from '../kube-api.ts';

interface Watcher {
  ref: KindRef;
  selectors: Selectors;
  onEvent: (e: WatchEvent) => void;
}

function key(ref: ObjectRef): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

function matches(o: KubeObject, ref: KindRef, selectors: Selectors): boolean {
  if (o.apiVersion !== ref.apiVersion || o.kind !== ref.kind) return false;
  if (ref.namespace !== undefined && o.metadata.namespace !== ref.namespace) return false;
  const field = selectors.fieldSelector?.match(/^metadata\.name=(.+)$/);
  if (field && o.metadata.name !== field[1]) return false;
  for (const pair of selectors.labelSelector?.split(',').filter(Boolean) ?? []) {
    const [k, v] = pair.split('=');
    if (!k || o.metadata.labels?.[k] !== v) return false;
  }
  return true;
}

function merge(into: unknown, from: unknown): unknown {
  if (Array.isArray(into) && Array.isArray(from) && from.every((i) => typeof (i as { name?: unknown })?.name === 'string')) {
    const out = [...into];
    for (const item of from) {
      const at = out.findIndex((o) => (o as { name?: unknown })?.name === (item as { name: string }).name);
      if (at === -1) out.push(item);
      else out[at] = merge(out[at], item);
    }
    return out;
  }
  if (into && from && typeof into === 'object' && typeof from === 'object' && !Array.isArray(into) && !Array.isArray(from)) {
    const out: Record<string, unknown> = { ...(into as Record<string, unknown>) };
    for (const [k, v] of Object.entries(from)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  }
  return from;
}

export class FakeKubeApi implements KubeApi {
  readonly objects = new Map<string, KubeObject>();
  readonly applied: KubeObject[] = [];
  /** The field manager of each apply, in order. */
  readonly managers: string[] = [];
  readonly deleted: (ObjectRef & { gracePeriodSeconds?: number })[] = [];
  readonly #watchers = new Set<Watcher>();
  #version = 1;
  /** Called after each apply, e.g. to simulate a controller. */
  onApply: ((o: KubeObject) => void) | undefined;
  /** Every service-proxy request, in order. */
  readonly proxied: { service: ServiceRef; path: string; request: ProxyRequest }[] = [];
  /** Plays the Services behind the proxy; without one every proxy request answers 503 (no endpoints). */
  onProxy: ((service: ServiceRef, path: string, request: ProxyRequest) => ProxyResponse | Promise<ProxyResponse>) | undefined;

  get openWatches(): number {
    return this.#watchers.size;
  }

  async apply(object: KubeObject, fieldManager: string): Promise<KubeObject> {
    this.applied.push(object);
    this.managers.push(fieldManager);
    // Server-side apply merges into what is stored: maps by key, lists of named items by name.
    const existing = this.objects.get(key({ ...object, name: object.metadata.name, namespace: object.metadata.namespace }));
    const stored = this.set(existing ? (merge(existing, object) as KubeObject) : object);
    this.onApply?.(stored);
    return stored;
  }

  /** Stores (creates or replaces) an object and notifies watchers. */
  set(object: KubeObject): KubeObject {
    const k = key({ ...object, name: object.metadata.name, namespace: object.metadata.namespace });
    const existed = this.objects.has(k);
    const stored: KubeObject = structuredClone({
      ...object,
      metadata: { ...object.metadata, uid: object.metadata.uid ?? k, resourceVersion: String(++this.#version) },
    });
    this.objects.set(k, stored);
    this.#emit({ type: existed ? 'MODIFIED' : 'ADDED', object: stored });
    return stored;
  }

  async read(ref: ObjectRef): Promise<KubeObject | undefined> {
    return this.objects.get(key(ref));
  }

  async list(ref: KindRef, selectors: Selectors = {}) {
    return { items: [...this.objects.values()].filter((o) => matches(o, ref, selectors)), resourceVersion: String(this.#version) };
  }

  async delete(ref: ObjectRef, options: { gracePeriodSeconds?: number } = {}): Promise<void> {
    this.deleted.push(options.gracePeriodSeconds === undefined ? ref : { ...ref, gracePeriodSeconds: options.gracePeriodSeconds });
    const o = this.objects.get(key(ref));
    if (!o) return;
    this.objects.delete(key(ref));
    this.#emit({ type: 'DELETED', object: o });
  }

  watch(ref: KindRef, selectors: Selectors, onEvent: (e: WatchEvent) => void, options: CallOptions = {}): Promise<void> {
    return new Promise((resolve) => {
      const watcher: Watcher = { ref, selectors, onEvent };
      const end = () => {
        this.#watchers.delete(watcher);
        resolve();
      };
      if (options.signal?.aborted) return end();
      this.#watchers.add(watcher);
      options.signal?.addEventListener('abort', end, { once: true });
    });
  }

  async proxy(service: ServiceRef, path: string, request: ProxyRequest = {}): Promise<ProxyResponse> {
    this.proxied.push({ service, path, request });
    if (!this.onProxy) return { status: 503, body: `no endpoints available for service "${service.name}"` };
    return this.onProxy(service, path, request);
  }

  #emit(event: WatchEvent): void {
    for (const w of this.#watchers) if (matches(event.object, w.ref, w.selectors)) w.onEvent(event);
  }
}
