import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CAPPED_HOLDS_ANNOTATION, prometheus } from './observability.manifest.ts';
import { stackOptions } from './stack-options.ts';

const base = stackOptions({ images: { postgres: 'pg:1', backend: 'b:1', prometheus: 'prom:1' }, db: { user: 'u', password: 'p', name: 'd' }, jwtSecret: 'j' });
const configMap = (o: typeof base) => prometheus(o).find((x) => x.kind === 'ConfigMap') as unknown as { metadata: { annotations?: Record<string, string> }; data: Record<string, string> };

describe('prometheus config', () => {
  it('scrapes every backend pod, Ready or not: a backend whose database is down still reports it', () => {
    const svc = prometheus(base).find((x) => x.kind === 'Service' && x.metadata.name === 'backend-metrics') as unknown as { spec: Record<string, unknown> };
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  });

  it('carries the Gravl rules as written by default', () => {
    const cm = configMap(base);
    expect(cm.data['gravl.rules.yml']).toBe(readFileSync(new URL('../../images/prometheus/gravl.rules.yml', import.meta.url), 'utf8'));
    expect(cm.metadata.annotations).toBeUndefined();
    expect(parse(cm.data['prometheus.yaml']!)).toMatchObject({ global: { scrape_interval: '15s', evaluation_interval: '15s' } });
  });

  it('on a drill cluster, runs every hold capped and says which in an annotation', () => {
    const cm = configMap({ ...base, alertHoldCapSeconds: 15 });
    const holds = (text: string) => (parse(text) as { groups: { rules: { alert?: string; for?: string }[] }[] }).groups.flatMap((g) => g.rules).filter((r) => r.alert).map((r) => [r.alert, r.for]);
    expect(holds(cm.data['gravl.rules.yml']!)).toContainEqual(['GravlNoRecentBackup', '15s']);
    expect(holds(cm.data['rules.yaml']!)).toContainEqual(['BackendAbsent', '15s']);
    const capped = JSON.parse(cm.metadata.annotations![CAPPED_HOLDS_ANNOTATION]!) as { alert: string; written: string }[];
    expect(capped).toContainEqual({ alert: 'GravlNoRecentBackup', written: '30m', drill: '15s' });
    expect(capped).toContainEqual({ alert: 'BackendAbsent', written: '2m', drill: '15s' });
    expect(parse(cm.data['prometheus.yaml']!)).toMatchObject({ global: { scrape_interval: '5s', evaluation_interval: '5s' } });
  });
});
