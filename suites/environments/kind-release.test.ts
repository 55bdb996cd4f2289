// The release drills' fault specs by name: Gravl's literals by default, a described stack's own names when given.
import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../clusters/kube/kube-client.ts';
import { DEFAULT_NAMESPACES, stackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import { businessReadUrl, readinessUrl } from '../../scenarios/catalog/gravl.env.ts';
import { GRAVL_RELEASE_NAMES, kindReleaseEnv } from './kind-release.ts';

const stack = (app: string) =>
  stackOptions({ images: { postgres: 'p', backend: 'b' }, namespaces: { ...DEFAULT_NAMESPACES, app }, db: { user: 'u', password: 'pw', name: 'd' }, jwtSecret: 'j', backendReplicas: 2 });
const base = (app: string) => ({ client: {} as KubeClient, stack: stack(app), runLabels: {}, backendUrl: 'http://127.0.0.1:1', platform: 'kind-x', replicas: 2, images: { backend: 'img:v1', broken: 'img:broken' } });

describe('kindReleaseEnv names', () => {
  it('drills Gravl by its reference names when none are given (unchanged behaviour)', () => {
    const env = kindReleaseEnv(base('gravl'));
    expect(GRAVL_RELEASE_NAMES).toEqual({ deployment: 'backend', container: 'backend', backendSelector: 'component=backend', databaseSelector: 'component=database', appSecret: 'app-secret' });
    expect(env.badRelease()).toEqual({ kind: 'set-image', namespace: 'gravl', deployment: 'backend', container: 'backend', image: 'img:broken' });
    expect(env.secretDeleted()).toEqual({ kind: 'secret-delete', namespace: 'gravl', name: 'app-secret' });
    expect(env.crashFault('backend')).toEqual({ kind: 'container-kill', namespace: 'gravl', selector: 'component=backend' });
    expect(env.crashFault('database')).toEqual({ kind: 'container-kill', namespace: 'gravl', selector: 'component=database' });
    expect(env.backendPodsKilled()).toEqual({ kind: 'pod-kill', namespace: 'gravl', selector: 'component=backend' });
    expect(env.readinessPath).toBeUndefined();
    expect([readinessUrl(env), businessReadUrl(env)]).toEqual(['http://127.0.0.1:1/api/ready', 'http://127.0.0.1:1/api/exercises']);
  });

  it('drills a described stack by its own names and paths', () => {
    const env = kindReleaseEnv({
      ...base('ledger'),
      names: { deployment: 'ledger', container: 'ledger', backendSelector: 'app.kubernetes.io/name=ledger', databaseSelector: 'app.kubernetes.io/name=ledger-pg', appSecret: 'ledger-db' },
      paths: { readinessPath: '/readyz', businessReadPath: '/v1/entries?writer=x' },
    });
    expect(env.badRelease()).toEqual({ kind: 'set-image', namespace: 'ledger', deployment: 'ledger', container: 'ledger', image: 'img:broken' });
    expect(env.secretDeleted()).toEqual({ kind: 'secret-delete', namespace: 'ledger', name: 'ledger-db' });
    expect(env.crashFault('backend')).toEqual({ kind: 'container-kill', namespace: 'ledger', selector: 'app.kubernetes.io/name=ledger' });
    expect(env.crashFault('database')).toEqual({ kind: 'container-kill', namespace: 'ledger', selector: 'app.kubernetes.io/name=ledger-pg' });
    expect(env.backendPodsKilled()).toEqual({ kind: 'pod-kill', namespace: 'ledger', selector: 'app.kubernetes.io/name=ledger' });
    expect([readinessUrl(env), businessReadUrl(env)]).toEqual(['http://127.0.0.1:1/readyz', 'http://127.0.0.1:1/v1/entries?writer=x']);
  });
});
