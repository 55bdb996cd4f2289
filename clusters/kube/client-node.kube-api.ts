// KubeApi over @kubernetes/client-node: server-side apply through KubernetesObjectApi, watches through Watch.
import { KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, dumpYaml, loadYaml, type KubernetesObject } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { DrillbookError } from '../../scenarios/errors.ts';
import type { CallOptions } from '../../scenarios/ports.ts';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { serviceProxyPath, type KindRef, type KubeApi, type KubeObject, type ObjectRef, type ProxyRequest, type ProxyResponse, type Selectors, type ServiceRef, type WatchEvent } from './kube-api.ts';

/** Loads `kubeconfigPath` and pins `context`; never reads or writes the user's default kubeconfig implicitly. */
export function loadKubeConfig(kubeconfigPath: string, context: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  if (!kc.getContexts().some((c) => c.name === context)) {
    throw new DrillbookError(`kube context "${context}" is not in ${kubeconfigPath}`, {
      hint: `available: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}`,
    });
  }
  kc.setCurrentContext(context);
  return kc;
}

/** The resource name of a kind, as the API serves it (the kinds drillbook lists and watches). */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  // Chaos Mesh's CRDs name their plural as the singular: podchaos, networkchaos, iochaos, ...
  if (lower.endsWith('chaos')) return lower;
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  if (lower.endsWith('s')) return `${lower}es`;
  return `${lower}s`;
}

export function collectionPath(ref: KindRef): string {
  const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  return `${base}${ref.namespace ? `/namespaces/${ref.namespace}` : ''}/${pluralOf(ref.kind)}`;
}

function statusCode(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown; body?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

/**
 * client-node hands back its typed models, whose field names differ from the API's in places (NetworkPolicy's
 * `from` is `_from`). Everything the harness reads is turned back into the API's own JSON, so a saved copy
 * re-applies as it was (a restored NetworkPolicy keeps its peers).
 */
export function toWire(object: unknown, apiVersion: string, kind: string): KubeObject {
  return { ...(parseYaml(dumpYaml({ ...(object as object), apiVersion, kind })) as KubeObject), apiVersion, kind };
}

export class ClientNodeKubeApi implements KubeApi {
  readonly #kc: KubeConfig;
  readonly #objects: KubernetesObjectApi;

  constructor(kc: KubeConfig) {
    this.#kc = kc;
    this.#objects = KubernetesObjectApi.makeApiClient(kc);
  }

  async apply(object: KubeObject, fieldManager: string, _options?: CallOptions): Promise<KubeObject> {
    // client-node serializes built-in kinds through its typed models, whose field names differ in places
    // (NetworkPolicy's `from` is `_from`): a plain object would lose those fields silently. Going through
    // loadYaml (JSON is YAML) yields the typed model, which serializes back to the same JSON.
    const typed = loadYaml<KubernetesObject>(JSON.stringify(object));
    const applied = await this.#objects.patch(
      typed,
      undefined,
      undefined,
      fieldManager,
      true,
      PatchStrategy.ServerSideApply,
    );
    return applied as KubeObject;
  }

  async read(ref: ObjectRef, _options?: CallOptions): Promise<KubeObject | undefined> {
    try {
      const header = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } };
      return toWire(await this.#objects.read(header as never), ref.apiVersion, ref.kind);
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  async list(ref: KindRef, selectors: Selectors = {}, _options?: CallOptions) {
    const result = await this.#objects.list(
      ref.apiVersion,
      ref.kind,
      ref.namespace,
      undefined,
      undefined,
      undefined,
      selectors.fieldSelector,
      selectors.labelSelector,
    );
    return {
      items: result.items.map((item) => toWire(item, ref.apiVersion, ref.kind)),
      resourceVersion: result.metadata?.resourceVersion ?? '',
    };
  }

  async delete(ref: ObjectRef, options: CallOptions & { gracePeriodSeconds?: number; propagation?: 'Foreground' | 'Background' } = {}): Promise<void> {
    try {
      const header = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } };
      await this.#objects.delete(header, undefined, undefined, options.gracePeriodSeconds, undefined, options.propagation ?? 'Foreground');
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
  }

  /**
   * node:https with the options client-node derives from the kubeconfig (CA, client certificate, bearer token or
   * exec credentials, proxy agent): the generated connect*ServiceProxy methods cannot send a request body.
   */
  async proxy(service: ServiceRef, path: string, req: ProxyRequest = {}, options: CallOptions = {}): Promise<ProxyResponse> {
    const cluster = this.#kc.getCurrentCluster();
    if (!cluster) throw new DrillbookError('the kubeconfig has no current cluster', { hint: 'check the context passed to loadKubeConfig' });
    const url = new URL(cluster.server.replace(/\/$/, '') + serviceProxyPath(service, path));
    const opts: RequestOptions = { method: req.method ?? 'GET' };
    await this.#kc.applyToHTTPSOptions(opts);
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    opts.headers = { ...(opts.headers as Record<string, string> | undefined), ...req.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<ProxyResponse>((resolve, reject) => {
      const call = send(url, { ...opts, ...(options.signal ? { signal: options.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      call.on('error', reject);
      call.end(body);
    });
  }

  watch(
    ref: KindRef,
    selectors: Selectors & { resourceVersion?: string },
    onEvent: (event: WatchEvent) => void,
    options: CallOptions = {},
  ): Promise<void> {
    const query: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (selectors.fieldSelector) query.fieldSelector = selectors.fieldSelector;
    if (selectors.labelSelector) query.labelSelector = selectors.labelSelector;
    if (selectors.resourceVersion) query.resourceVersion = selectors.resourceVersion;
    return new Promise<void>((resolve, reject) => {
      if (options.signal?.aborted) return resolve();
      let controller: AbortController | undefined;
      const onAbort = () => controller?.abort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (error: unknown) => {
        options.signal?.removeEventListener('abort', onAbort);
        // An abort we asked for, the client's request timeout, or the server closing the stream all end the
        // watch normally: the caller re-lists and watches again.
        const name = (error as Error | undefined)?.name;
        if (error && !options.signal?.aborted && name !== 'AbortError' && name !== 'TimeoutError') reject(error);
        else resolve();
      };
      new Watch(this.#kc)
        .watch(
          collectionPath(ref),
          query,
          (type, object) => {
            const obj = object as KubeObject;
            if (type !== 'BOOKMARK' && type !== 'ERROR') onEvent({ type: type as WatchEvent['type'], object: { ...obj, apiVersion: ref.apiVersion, kind: ref.kind } });
          },
          finish,
        )
        .then((c) => {
          controller = c;
          if (options.signal?.aborted) c.abort();
        }, finish);
    });
  }
}
