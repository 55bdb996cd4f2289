// Can the cluster take N runners, and do its nodes have the runner image? Answered from Nodes and Pods before a
// TestRun is created, so a parallelism the cluster cannot schedule, or an image no node has (kind has no
// registry: an image must be loaded onto the node), is a clear error instead of runners Pending forever.
import type { KubeObject } from '../../clusters/kube/kube-api.ts';

export interface ResourceRequest {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
}

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity ("500m", "2", "16Gi", "1.5G", "128974848") as a number of units (cpu cores, bytes). */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined) return 0;
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(m|k|[KMGTPE]i|[MGTPE]|)$/.exec(q.trim());
  if (!m) return Number.NaN;
  const value = Number(m[1]);
  return m[2] === 'm' ? value / 1000 : value * (SUFFIX[m[2]!] ?? Number.NaN);
}

interface NodeShape {
  metadata: { name: string };
  spec?: { unschedulable?: boolean; taints?: { effect?: string; key?: string }[] };
  status?: {
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string }[];
    images?: { names?: string[] }[];
  };
}

interface PodShape {
  spec?: { nodeName?: string; containers?: { resources?: { requests?: Record<string, string> } }[]; initContainers?: { resources?: { requests?: Record<string, string> } }[] };
  status?: { phase?: string };
}

/** Ready, schedulable, and without a NoSchedule/NoExecute taint (runners carry no tolerations). */
export function schedulableNodes(nodes: readonly KubeObject[]): KubeObject[] {
  return nodes.filter((n) => {
    const node = n as unknown as NodeShape;
    if (node.spec?.unschedulable) return false;
    if (node.spec?.taints?.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) return false;
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  });
}

/** How many runners fit on the schedulable nodes, given what the pods already there request. */
export function fitRunners(nodes: readonly KubeObject[], pods: readonly KubeObject[], request: ResourceRequest, options: { separate?: boolean } = {}): { runners: number; detail: string } {
  const eligible = schedulableNodes(nodes);
  const parts: string[] = [];
  let runners = 0;
  for (const n of eligible) {
    const node = n as unknown as NodeShape;
    let cpu = parseQuantity(node.status?.allocatable?.cpu) * 1000;
    let mem = parseQuantity(node.status?.allocatable?.memory);
    let podsLeft = parseQuantity(node.status?.allocatable?.pods ?? '110');
    for (const p of pods) {
      const pod = p as unknown as PodShape;
      if (pod.spec?.nodeName !== node.metadata.name || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      podsLeft--;
      for (const c of pod.spec?.containers ?? []) {
        cpu -= parseQuantity(c.resources?.requests?.cpu) * 1000;
        mem -= parseQuantity(c.resources?.requests?.memory);
      }
    }
    const fit = Math.max(0, Math.min(Math.floor(cpu / Math.max(1, request.cpuMilli)), Math.floor(mem / Math.max(1, request.memoryBytes)), Math.floor(podsLeft)));
    const count = options.separate ? Math.min(1, fit) : fit;
    runners += Number.isFinite(count) ? count : 0;
    parts.push(`${node.metadata.name}: ${Math.max(0, Math.round(cpu))}m CPU, ${Math.max(0, Math.round(mem / 2 ** 20))}Mi free`);
  }
  const excluded = nodes.length - eligible.length;
  return { runners, detail: `${parts.join('; ') || 'no schedulable node'}${excluded ? `; ${excluded} node(s) not schedulable, tainted or not Ready` : ''}` };
}

/** docker.io/library/x:t and x:t are one image to the kubelet. */
export function normalizeImage(ref: string): string {
  let r = ref.replace(/^docker\.io\//, '');
  if (!r.includes('/')) r = `library/${r}`;
  return r.replace(/^library\//, '');
}

/**
 * True when a schedulable node reports the image in status.images. The kubelet reports at most 50 images per node
 * (--node-status-max-images): on a node with more, an image can be present and unlisted; declare it pullable then.
 */
export function imageOnNodes(nodes: readonly KubeObject[], image: string): boolean {
  const want = normalizeImage(image);
  return schedulableNodes(nodes).some((n) => (n as unknown as NodeShape).status?.images?.some((i) => i.names?.some((name) => normalizeImage(name) === want)));
}
