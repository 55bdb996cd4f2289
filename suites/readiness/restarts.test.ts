// PRODUCTION_GO_LIVE.md § 6.1: no application pod restarts during the sign-off load. The check compares the
// restartCount samples taken right before and right after the load; any growth, or a pod replaced, is a FAIL naming it.
import { describe, expect, it } from 'vitest';
import { evaluateReadiness, restartsDuring } from './readiness.ts';
import type { RestartsFact } from './snapshot.ts';
import { editSnapshot } from './testing/snapshots.ts';

const withRestarts = (r: RestartsFact) => evaluateReadiness(editSnapshot((s) => (s.facts = { ...s.facts, restarts: r }))).find((x) => x.id === 'no-restarts-under-load')!;
const c = (pod: string, restarts: number, container = 'backend') => ({ pod, container, restarts });

describe('no restarts under load', () => {
  it('unchanged counts (even non-zero ones from before the load) PASS with both samples as evidence', () => {
    const r = withRestarts({ namespace: 'gravl', before: [c('backend-a', 2), c('postgres-0', 0, 'postgres')], after: [c('backend-a', 2), c('postgres-0', 0, 'postgres')] });
    expect(r.status).toBe('PASS');
    expect(JSON.stringify(r.evidence)).toMatch(/backend-a\/backend: 2/);
  });

  it('a restartCount that grew during the load FAILs naming the pod and container', () => {
    const r = withRestarts({ namespace: 'gravl', before: [c('backend-a', 0), c('backend-b', 0)], after: [c('backend-a', 0), c('backend-b', 3)] });
    expect(r.status).toBe('FAIL');
    expect(r.blocking).toBe(true);
    expect(JSON.stringify(r.evidence)).toMatch(/pod backend-b container backend: restartCount 0 -> 3/);
    expect(r.action).toMatch(/backend-b/);
    expect(r.action).not.toMatch(/backend-a/);
  });

  it('a pod replaced during the load (one vanished, a new one at 0 restarts) FAILs: the counters alone would miss it', () => {
    const problems = restartsDuring([c('backend-a', 0)], [c('backend-z', 0)]);
    expect(problems).toEqual(['pod backend-z appeared during the load (a replacement)', 'pod backend-a vanished during the load']);
    expect(withRestarts({ namespace: 'gravl', before: [c('backend-a', 0)], after: [c('backend-z', 0)] }).status).toBe('FAIL');
  });
});
