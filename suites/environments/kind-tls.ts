// The TLS edge drill's operations on the kind cluster: the edge (clusters/stack/manifests/tls-edge.manifest.ts)
// reached through its NodePort on 127.0.0.1 with the public host name as SNI, verified against the drill's CA,
// as `openssl s_client -servername` and `curl https://` would; the certificate Secret re-created from files.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { deploymentAvailable, objectAbsent } from '../../clusters/kube/conditions.ts';
import type { ObjectRef } from '../../clusters/kube/kube-api.ts';
import type { KubeClient } from '../../clusters/kube/kube-client.ts';
import type { StackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import { COMPONENT } from '../../clusters/stack/manifests/stack-options.ts';
import { TLS_EDGE, TLS_SECRET, tlsSecret } from '../../clusters/stack/manifests/tls-edge.manifest.ts';
import type { GravlTlsEnv, TlsHandshake } from '../../scenarios/catalog/gravl-tls.env.ts';
import type { DrillCerts } from '../../tools/lib/tls-certs.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { settle } from '../../scenarios/wait.ts';

export interface TlsDeps {
  readonly client: KubeClient;
  readonly stack: StackOptions;
  readonly certs: DrillCerts;
  /** The edge's NodePort as published on 127.0.0.1. */
  readonly hostPort: number;
  /** Field manager of the runbook's restart. */
  readonly restartManager: string;
}

export function tlsEnv({ client, stack, certs, hostPort, restartManager }: TlsDeps): GravlTlsEnv {
  const ns = stack.namespaces.app;
  const ca = readFileSync(certs.ca);
  const secretRef: ObjectRef = { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: TLS_SECRET };

  const handshake = (signal: AbortSignal): Promise<TlsHandshake> =>
    new Promise((resolve) => {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      // verification judged here (socket.authorized), so a bad certificate still shows what it is
      const socket = connect({ host: '127.0.0.1', port: hostPort, servername: certs.host, ca, timeout: 5_000, rejectUnauthorized: false });
      const onAbort = () => done({ ok: false, error: 'aborted', ms: ms() });
      const done = (r: TlsHandshake) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(r);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('secureConnect', () => {
        const peer = socket.getPeerCertificate();
        const base = { subject: String(peer.subject?.CN ?? ''), validTo: peer.valid_to, ms: ms() };
        done(socket.authorized ? { ok: true, ...base } : { ok: false, error: String(socket.authorizationError), ...base });
      });
      socket.once('timeout', () => done({ ok: false, error: 'handshake timed out after 5 s', ms: ms() }));
      socket.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message, ms: ms() }));
    });

  return {
    publicHost: certs.host,
    expiredCertificateRollout: () => [
      { kind: 'secret-replace', namespace: ns, name: TLS_SECRET, fromFiles: { 'tls.crt': certs.expired.cert, 'tls.key': certs.expired.key } },
      // the renewal's rollout: the edge starts again and loads what the Secret holds now
      { kind: 'pod-kill', namespace: ns, selector: `${COMPONENT}=ingress` },
    ],
    tlsHandshake: handshake,
    watchTlsBroken: async (signal) => {
      // a certificate that does not verify, not a connection refused while the edge restarts: that is the symptom
      let unreachable = 0;
      // until a certificate is served that does not verify; bounded by the detect phase's timeout (its signal)
      const h = await settle({ clock: systemClock, signal }, Number.POSITIVE_INFINITY, 200, async () => {
        const attempt = await handshake(signal);
        if (!attempt.ok && attempt.validTo === undefined) unreachable += 1;
        return attempt;
      }, (attempt) => !attempt.ok && attempt.validTo !== undefined);
      const before = unreachable ? `; ${unreachable} attempt(s) refused or reset before, while the edge restarted` : '';
      return { detail: `handshake failed: ${h.error} (certificate valid to ${h.validTo}${before})`, pods: 0 };
    },
    httpsHealth: (signal) =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: hostPort, servername: certs.host, ca, path: '/api/health', headers: { host: certs.host }, signal, timeout: 5_000 }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.once('timeout', () => req.destroy(new Error('GET /api/health over HTTPS timed out after 5 s')));
        req.once('error', reject);
        req.end();
      }),
    edgeStatus: async (signal) => {
      const deployment = await client.api.read({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: TLS_EDGE }, { signal });
      const service = await client.api.read({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: TLS_EDGE }, { signal });
      const available = deployment ? deploymentAvailable(ns, TLS_EDGE).evaluate([deployment]).detail : 'missing';
      const ports = ((service?.spec as { ports?: { port: number; nodePort?: number }[] } | undefined)?.ports ?? []).map((p) => `${p.port}->${p.nodePort}`).join(', ');
      return `Deployment ${TLS_EDGE}: ${available}; Service ${TLS_EDGE}: ${service ? ports : 'missing'}`;
    },
    backendEndpoints: async (signal) => {
      const { items } = await client.api.list({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: ns }, { labelSelector: 'kubernetes.io/service-name=backend' }, { signal });
      return items.flatMap((s) => (s.endpoints as { conditions?: { ready?: boolean } }[] | undefined) ?? []).filter((e) => e.conditions?.ready).length;
    },
    restorePreviousCertificate: async (signal) => {
      await client.api.delete(secretRef, { signal, propagation: 'Background' });
      await client.waitFor(objectAbsent('v1', 'Secret', ns, TLS_SECRET), { timeoutMs: 30_000, signal });
      await client.apply([tlsSecret(stack, readFileSync(certs.current.cert, 'utf8'), readFileSync(certs.current.key, 'utf8'))], { signal });
      return `kubectl delete secret ${TLS_SECRET}; kubectl create secret tls ${TLS_SECRET} --cert=${certs.current.cert} --key=${certs.current.key}`;
    },
    restartEdge: async (signal) => {
      const started = performance.now();
      await client.api.apply(
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: TLS_EDGE, namespace: ns }, spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } },
        restartManager,
        { signal },
      );
      const verdict = await client.waitFor(deploymentAvailable(ns, TLS_EDGE), { timeoutMs: 120_000, signal });
      return `kubectl rollout restart deployment/${TLS_EDGE}: ${verdict.detail} after ${Math.round(performance.now() - started)} ms`;
    },
  };
}
