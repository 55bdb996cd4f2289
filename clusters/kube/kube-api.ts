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
}

export function refOf(object: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
  if (object.metadata.namespace !== undefined) ref.namespace = object.metadata.namespace;
  return ref;
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}
