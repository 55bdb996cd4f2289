// kind cluster configurations as data: one node (the default for suites), and two regions (one control plane plus
// two workers per region, labelled with topology.kubernetes.io/region and zone) for region-loss drills.
// Rendered to YAML and handed to `kind create cluster --config`.
import { stringify } from 'yaml';

export interface PortMapping {
  /** Port inside the node (a NodePort of a Service). */
  containerPort: number;
  /** Port published on the host; always bound to 127.0.0.1. */
  hostPort: number;
}

export interface KindNode {
  role: 'control-plane' | 'worker';
  labels?: Record<string, string>;
  extraPortMappings?: { containerPort: number; hostPort: number; listenAddress: string; protocol: 'TCP' }[];
}

export interface KindConfig {
  kind: 'Cluster';
  apiVersion: 'kind.x-k8s.io/v1alpha4';
  networking: { apiServerAddress: string; podSubnet: string; serviceSubnet: string };
  nodes: KindNode[];
}

export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

function networking(): KindConfig['networking'] {
  // API server only on loopback (house rule); subnets are kind's defaults.
  return { apiServerAddress: '127.0.0.1', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16' };
}

function mappings(ports: readonly PortMapping[]): KindNode['extraPortMappings'] {
  return ports.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, listenAddress: '127.0.0.1', protocol: 'TCP' as const }));
}

/** One node running the control plane and every workload. */
export function singleNodeConfig(options: { ports?: readonly PortMapping[] } = {}): KindConfig {
  const node: KindNode = { role: 'control-plane' };
  if (options.ports?.length) node.extraPortMappings = mappings(options.ports);
  return { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', networking: networking(), nodes: [node] };
}

/** One control plane plus two workers in each of two regions (one zone per worker). */
export function twoRegionConfig(
  options: { regions?: readonly [string, string]; ports?: readonly PortMapping[] } = {},
): KindConfig {
  const [a, b] = options.regions ?? ['region-a', 'region-b'];
  const controlPlane: KindNode = { role: 'control-plane' };
  if (options.ports?.length) controlPlane.extraPortMappings = mappings(options.ports);
  const workers: KindNode[] = [];
  for (const region of [a, b]) {
    for (const zone of ['1', '2']) {
      workers.push({ role: 'worker', labels: { [REGION_LABEL]: region, [ZONE_LABEL]: `${region}-${zone}` } });
    }
  }
  return { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', networking: networking(), nodes: [controlPlane, ...workers] };
}

export function renderKindConfig(config: KindConfig): string {
  return stringify(config);
}
