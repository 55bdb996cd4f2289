// The kube injector's typed specs: one parse that lists every problem at once, and the typed spec when there is none.
import { describe, expect, it } from 'vitest';
import { parseKubeFaultSpec } from './kube-fault.spec.ts';

const limits = { namespaces: new Set(['gravl']), nodeAccess: false };

describe('parseKubeFaultSpec', () => {
  it('lists every problem of a spec at once', () => {
    expect(parseKubeFaultSpec({ kind: 'set-image' }, limits).problems).toEqual([
      'namespace: required',
      'deployment: must name a deployment (DNS label)',
      'container: must name a container (DNS label)',
      'image: required (the bad release)',
    ]);
    expect(parseKubeFaultSpec({ kind: 'container-kill', namespace: 'other', selector: '' }, limits).problems).toEqual([
      "namespace: 'other' is not one this run deployed; allowed: gravl",
      'container-kill needs access to the nodes (a kind cluster); use pod-kill on other clusters',
      "selector: '' must be key=value[,key=value] (an empty selector would kill every pod)",
    ]);
  });

  it('returns the typed spec when there is no problem', () => {
    expect(parseKubeFaultSpec({ kind: 'object-delete', namespace: 'gravl', objectKind: 'CronJob', name: 'backup' }, limits)).toEqual({
      spec: { kind: 'object-delete', namespace: 'gravl', objectKind: 'CronJob', name: 'backup' },
      problems: [],
    });
    expect(parseKubeFaultSpec({ kind: 'container-kill', namespace: 'gravl', selector: 'a=b', container: 'backend' }, { ...limits, nodeAccess: true }).spec).toEqual({
      kind: 'container-kill',
      namespace: 'gravl',
      selector: 'a=b',
      container: 'backend',
    });
  });
});
