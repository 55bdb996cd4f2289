import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REGION_LABEL, ZONE_LABEL, renderKindConfig, singleNodeConfig, twoRegionConfig } from './kind-config.ts';

describe('kind configs', () => {
  it('single node: one control plane, ports published on loopback only', () => {
    const config = singleNodeConfig({ ports: [{ containerPort: 30080, hostPort: 18080 }] });
    expect(config.nodes).toHaveLength(1);
    expect(config.nodes[0]?.role).toBe('control-plane');
    expect(config.nodes[0]?.extraPortMappings).toEqual([{ containerPort: 30080, hostPort: 18080, listenAddress: '127.0.0.1', protocol: 'TCP' }]);
    expect(config.networking.apiServerAddress).toBe('127.0.0.1');
  });

  it('two regions: a control plane and two labelled workers per region, each in its own zone', () => {
    const config = twoRegionConfig({ regions: ['eu', 'us'] });
    const workers = config.nodes.filter((n) => n.role === 'worker');
    expect(config.nodes.filter((n) => n.role === 'control-plane')).toHaveLength(1);
    expect(workers.map((w) => w.labels?.[REGION_LABEL])).toEqual(['eu', 'eu', 'us', 'us']);
    expect(new Set(workers.map((w) => w.labels?.[ZONE_LABEL])).size).toBe(4);
  });

  it('renders YAML kind can read back', () => {
    const parsed = parse(renderKindConfig(twoRegionConfig())) as { kind: string; apiVersion: string; nodes: unknown[] };
    expect(parsed.kind).toBe('Cluster');
    expect(parsed.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(parsed.nodes).toHaveLength(5);
  });
});
