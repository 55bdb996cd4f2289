// The small surface of the Kubernetes API the harness uses, behind an interface so the client wrapper and the
// stack deployment are unit-tested against an in-memory fake (testing/fake-kube-api.ts).
import type { CallOptions } from '../../scenarios/ports.ts';

export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

/** A kind of object, optionally in one namespace. */
export interface KindRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
}

export interface ObjectRef extends KindRef {
  name: string;
}

export interface Selectors {
  fieldSelector?: string;
  labelSelector?: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

/** A Service port, reached through the API server (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/...`). */
export interface ServiceRef {
  namespace: string;
  name: string;
  /** The Service's port number or name. */
  port: number | string;
}

export interface ProxyRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: string;
  headers?: Record<string, string>;
}

export interface ProxyResponse {
  status: number;
  body: string;
}

export interface KubeApi {
  /** Server-side apply with `fieldManager`, forcing ownership conflicts (the harness owns what it applies). */
  apply(object: KubeObject, fieldManager: string, options?: CallOptions): Promise<KubeObject>;
  /** undefined when the object does not exist. */
  read(ref: ObjectRef, options?: CallOptions): Promise<KubeObject | undefined>;
  /** Objects of a kind plus the list's resourceVersion (the point a watch continues from). */
  list(ref: KindRef, selectors?: Selectors, options?: CallOptions): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /**
   * Deletes with foreground propagation unless told otherwise (Background: the object itself goes at once, no
   * foregroundDeletion finalizer); a missing object is not an error. `gracePeriodSeconds: 0` kills a pod
   * at once (SIGKILL, as Chaos Mesh's pod-kill does) instead of its graceful termination.
   */
  delete(ref: ObjectRef, options?: CallOptions & { gracePeriodSeconds?: number; propagation?: 'Foreground' | 'Background' }): Promise<void>;
  /** Streams events until the server closes the watch (resolves) or `signal` aborts (resolves). */
  watch(
    ref: KindRef,
    selectors: Selectors & { resourceVersion?: string },
    onEvent: (event: WatchEvent) => void,
    options?: CallOptions,
  ): Promise<void>;
  /**
   * An HTTP request to a Service through the API server's service proxy, with the kubeconfig's credentials (no
   * port-forward, nothing published on the host). Any HTTP status resolves; only transport failures reject.
   */
  proxy(service: ServiceRef, path: string, request?: ProxyRequest, options?: CallOptions): Promise<ProxyResponse>;
}

/** The API server path that proxies `path` to a Service port. */
export function serviceProxyPath(service: ServiceRef, path: string): string {
  const rel = path.startsWith('/') ? path : `/${path}`;
  return `/api/v1/namespaces/${encodeURIComponent(service.namespace)}/services/${encodeURIComponent(service.name)}:${encodeURIComponent(String(service.port))}/proxy${rel}`;
}

export function refOf(object: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
  if (object.metadata.namespace !== undefined) ref.namespace = object.metadata.namespace;
  return ref;
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** The API server's own words from a refused request (the Status message), else the error's message. */
export function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  try {
    const status = typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string } | undefined);
    if (status?.message) return status.message;
  } catch {
    /* not a Status body */
  }
  return (error as Error).message;
}
