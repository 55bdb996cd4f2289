// What the TLS edge drill (ROLLBACK.md § Scenario 3, "Ingress / Network Failure") needs: the fault (an expired
// certificate rolled out at the edge), a real TLS handshake and HTTPS request from outside, what the runbook checks
// (ingress and endpoints) and what it does (re-create the certificate Secret from the previous files).
import type { FaultSpec } from '../ports.ts';
import type { WatchResult } from './gravl-kube.env.ts';

export interface TlsHandshake {
  /** The handshake succeeded and the chain verified for the public host name. */
  readonly ok: boolean;
  /** Why not (CERT_HAS_EXPIRED, ECONNREFUSED...). */
  readonly error?: string;
  readonly subject?: string;
  readonly validTo?: string;
  readonly ms: number;
}

export interface GravlTlsEnv {
  /** The host name users reach (the certificate's). */
  readonly publicHost: string;
  /** Faults: the edge's certificate Secret replaced by an expired certificate, and the edge restarted onto it. */
  expiredCertificateRollout(): readonly FaultSpec[];
  /** A TLS handshake with the edge, as `openssl s_client -servername <host>` does, verifying against the CA. */
  tlsHandshake(signal: AbortSignal): Promise<TlsHandshake>;
  /** Resolves when the edge presents a certificate that does not verify (a handshake every 200 ms; refused connections while it restarts do not count). */
  watchTlsBroken(signal: AbortSignal): Promise<WatchResult>;
  /** Status of `GET https://<host>/api/health` through the edge, certificate verified. */
  httpsHealth(signal: AbortSignal): Promise<number>;
  /** `kubectl describe ingress gravl-ingress`: the edge Deployment and Service. */
  edgeStatus(signal: AbortSignal): Promise<string>;
  /** `kubectl get endpoints`: ready addresses behind the backend Service. */
  backendEndpoints(signal: AbortSignal): Promise<number>;
  /** `kubectl delete secret staging-tls; kubectl create secret tls staging-tls --cert=previous --key=previous`. */
  restorePreviousCertificate(signal: AbortSignal): Promise<string>;
  /** `kubectl rollout restart deployment/gravl-ingress` and wait for it. */
  restartEdge(signal: AbortSignal): Promise<string>;
}
