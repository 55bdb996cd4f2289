// The facts the sign-off measures itself, behind their ports: the real test alert (fired, seen delivered or not,
// resolved either way), the receivers read through any JSON source, and the app pods' restart counts.
import { describe, expect, it } from 'vitest';
import { alertingFact, fireTestAlert, restartCounts, TEST_ALERT_NAME, type TestAlertPort } from './facts.ts';

/** An AlertManager + webhook pair in memory: delivers a posted alert `deliverAfterMs` later (or never). */
function fakeAlerting(o: { postStatus?: number; deliverAfterMs?: number | null } = {}) {
  let clock = 1_000_000;
  const posts: Record<string, unknown>[][] = [];
  const port: TestAlertPort = {
    now: () => clock,
    postAlerts: async (alerts) => {
      posts.push([...alerts]);
      return { status: o.postStatus ?? 200, body: o.postStatus ? 'bad request' : '' };
    },
    deliveries: async (match, waitMs) => {
      const firstPost = posts[0]?.[0] as { labels: Record<string, string>; startsAt: string } | undefined;
      const due = o.deliverAfterMs === null || o.deliverAfterMs === undefined ? null : Date.parse(firstPost!.startsAt) + o.deliverAfterMs;
      if (due !== null && firstPost?.labels.drillbook_test_id === match && clock + waitMs >= due) {
        clock = Math.max(clock, due);
        return [{ receivedAtWall: new Date(due).toISOString(), status: 'firing', receiver: 'drillbook-webhook' }];
      }
      clock += waitMs; // the long poll waited it out
      return [];
    },
  };
  return { port, posts };
}

const signal = new AbortController().signal;

describe('fireTestAlert', () => {
  it('delivered: the latency is post -> receipt, and the alert is resolved afterwards (endsAt, same labels)', async () => {
    const { port, posts } = fakeAlerting({ deliverAfterMs: 10_400 });
    const r = await fireTestAlert(port, { receiver: 'drillbook-webhook', id: 'signoff-abc', signal });
    expect(r).toMatchObject({ delivered: true, latencyMs: 10_400, receiver: 'drillbook-webhook' });
    expect(r.detail).toMatch(/received firing/);
    expect(posts).toHaveLength(2);
    const [fired, resolved] = posts.map((p) => p[0] as { labels: Record<string, string>; startsAt?: string; endsAt?: string });
    expect(fired!.labels).toEqual({ alertname: TEST_ALERT_NAME, severity: 'info', drillbook_test_id: 'signoff-abc' });
    expect(fired!.startsAt).toBeDefined();
    expect(resolved!.labels).toEqual(fired!.labels);
    expect(resolved!.endsAt).toBeDefined();
    expect(resolved!.startsAt).toBeUndefined();
  });

  it('not delivered within the timeout is delivered:false with what was seen, and still resolved', async () => {
    const { port, posts } = fakeAlerting({ deliverAfterMs: null });
    const r = await fireTestAlert(port, { receiver: 'drillbook-webhook', id: 'signoff-x', timeoutMs: 60_000, signal });
    expect(r).toMatchObject({ delivered: false, latencyMs: null });
    expect(r.detail).toMatch(/not received firing within 60 s \(nothing received\)/);
    expect(posts.at(-1)![0]).toHaveProperty('endsAt');
  });

  it('a POST AlertManager refuses is delivered:false with its answer (nothing to resolve)', async () => {
    const { port, posts } = fakeAlerting({ postStatus: 400 });
    const r = await fireTestAlert(port, { receiver: 'r', id: 'i', signal });
    expect(r).toMatchObject({ delivered: false, detail: 'POST /api/v2/alerts answered 400: bad request' });
    expect(posts).toHaveLength(1);
  });
});

describe('alertingFact', () => {
  it('reads receivers through any JSON source and fires the test alert at the route receiver', async () => {
    const original = 'route:\n  receiver: drillbook-webhook\nreceivers:\n  - name: default\n  - name: drillbook-webhook\n    webhook_configs:\n      - url: http://x\n';
    const asked: string[] = [];
    const fact = await alertingFact(async (path) => (asked.push(path), { config: { original } }), signal, async (receiver) => ({ receiver, delivered: true, latencyMs: 5, detail: 'ok' }));
    expect(asked).toEqual(['/api/v2/status']);
    expect(fact.receivers).toEqual([
      { name: 'default', kind: 'none', configured: false },
      { name: 'drillbook-webhook', kind: 'webhook', configured: true },
    ]);
    expect(fact.testAlert).toEqual({ receiver: 'drillbook-webhook', delivered: true, latencyMs: 5, detail: 'ok' });
  });
});

describe('restartCounts', () => {
  it("counts the containers of Deployment and StatefulSet pods only (a Job's pod is not the application)", () => {
    const pod = (name: string, owner: string, restarts: number) => ({ metadata: { name, ownerReferences: [{ kind: owner }] }, status: { containerStatuses: [{ name: 'c', restartCount: restarts }] } });
    expect(restartCounts([pod('postgres-0', 'StatefulSet', 1), pod('backend-x', 'ReplicaSet', 0), pod('db-migration-q', 'Job', 3)])).toEqual([
      { pod: 'backend-x', container: 'c', restarts: 0 },
      { pod: 'postgres-0', container: 'c', restarts: 1 },
    ]);
  });
});
