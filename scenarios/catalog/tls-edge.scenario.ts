// ROLLBACK.md § Scenario 3 ("Ingress / Network Failure"), the TLS case: a certificate renewal rolls out an expired
// certificate at the edge; users' TLS handshakes fail while the backend is fine. Detected with a real handshake
// from outside (SNI, chain verified, as `openssl s_client` does), recovered as the runbook writes it: check the
// ingress and the endpoints, re-create the certificate Secret from the previous files, verify over HTTPS.
import { defineScenario, type Probe, type ScenarioContext } from '../define.ts';
import { backendReady, type GravlEnv } from './gravl.env.ts';
import type { GravlTlsEnv } from './gravl-tls.env.ts';
import { settle } from '../wait.ts';

/** What the TLS drill needs: the stack and its edge. */
type TlsDrillEnv = GravlEnv & GravlTlsEnv;

type Ctx = ScenarioContext<TlsDrillEnv>;

const handshakeValid: Probe<TlsDrillEnv> = {
  name: 'TLS handshake with the edge verifies for the public host',
  tolerance: { equals: true },
  measure: async (ctx: Ctx) => {
    const h = await ctx.env.tlsHandshake(ctx.signal);
    ctx.evidence('handshake', h, 'json');
    return h.ok;
  },
};

const healthOverHttps: Probe<TlsDrillEnv> = {
  name: 'GET https://<host>/api/health through the edge',
  tolerance: { equals: 200 },
  measure: (ctx: Ctx) => ctx.env.httpsHealth(ctx.signal),
};

/** How long the drill gives the edge to pick up the restored certificate by itself before restarting it. */
const SELF_RELOAD_WAIT_MS = 15_000;

export const tlsCertificateExpired = defineScenario<TlsDrillEnv>({
  id: 'tls-certificate-expired',
  title: 'An expired certificate is rolled out at the TLS edge; the previous certificate is restored as ROLLBACK.md § Scenario 3 says',
  runbookRef: 'ROLLBACK.md § Scenario 3: Ingress / Network Failure', // step 3: the TLS cert
  runbookFingerprint: 'sha256:4878c25fbacdc40d',
  tags: ['rollback', 'kube', 'tls'],
  destructive: true,
  needs: ['backend', 'tlsEdge'],
  // ROLLBACK.md's timeline for Scenario 3: diagnose, revert and verify in 0-3 min. Detection waits for the edge
  // to restart onto the new certificate: 30 s.
  objectives: { rtoSeconds: 180, detectionSeconds: 30, rtoSource: 'verify' },
  steadyState: [backendReady, handshakeValid, healthOverHttps],
  inject: (env) => env.expiredCertificateRollout(),
  detect: { name: 'the edge presents a certificate that does not verify (real handshake every 200 ms)', timeoutMs: 120_000, watch: (ctx: Ctx) => ctx.env.watchTlsBroken(ctx.signal) },
  recover: [
    {
      name: 'check ingress status',
      timeoutMs: 15_000,
      runbookRef: 'ROLLBACK.md § Scenario 3 step 1: kubectl describe ingress gravl-ingress',
      run: async (ctx: Ctx) => {
        const [edge, handshake] = await Promise.all([ctx.env.edgeStatus(ctx.signal), ctx.env.tlsHandshake(ctx.signal)]);
        ctx.evidence('edge', edge, 'text');
        ctx.evidence('handshake', handshake, 'json');
      },
    },
    {
      name: 'check service endpoints',
      timeoutMs: 15_000,
      runbookRef: 'ROLLBACK.md § Scenario 3 step 2: kubectl get endpoints',
      run: async (ctx: Ctx) => {
        const ready = await ctx.env.backendEndpoints(ctx.signal);
        ctx.evidence('backend endpoints ready', ready, 'metric');
        if (ready === 0) throw new Error('the backend has no ready endpoints: this is not (only) a TLS failure');
      },
    },
    {
      name: 'revert to the previous certificate',
      timeoutMs: 60_000,
      runbookRef: 'ROLLBACK.md § Scenario 3 step 3: kubectl delete secret staging-tls; kubectl create secret tls staging-tls --cert=previous',
      run: async (ctx: Ctx) => ctx.evidence('secret', await ctx.env.restorePreviousCertificate(ctx.signal), 'command'),
    },
    {
      name: 'verify the edge serves it',
      timeoutMs: SELF_RELOAD_WAIT_MS + 150_000,
      runbookRef: 'ROLLBACK.md § Scenario 3 step 5: kubectl get ingress -w',
      run: async (ctx: Ctx) => {
        const h = await settle(ctx, SELF_RELOAD_WAIT_MS, 500, () => ctx.env.tlsHandshake(ctx.signal), (x) => x.ok);
        ctx.evidence(`handshake ${SELF_RELOAD_WAIT_MS / 1000} s after the Secret was restored`, h, 'json');
        if (h.ok) return;
        ctx.finding({
          severity: 'runbook-defect',
          title: 'Restoring the certificate Secret does not reach the edge; the runbook never restarts it',
          detail:
            `${SELF_RELOAD_WAIT_MS / 1000} s after \`kubectl create secret tls\` the edge still presented the expired certificate (${h.error}). ` +
            'A Secret mounted into a pod is refreshed by the kubelet only after its sync period, and nginx keeps the certificate it loaded; ' +
            'step 4 re-applies the ingress config but nothing reloads the edge. Add `kubectl rollout restart deployment/gravl-ingress` (or rely on a controller that watches the Secret) and verify the handshake.',
          runbookRef: 'ROLLBACK.md § Scenario 3 steps 3-5',
        });
        ctx.evidence('restart', await ctx.env.restartEdge(ctx.signal), 'command');
      },
    },
  ],
  verify: [backendReady, handshakeValid, healthOverHttps],
  verifyTimeoutMs: 60_000,
  dataProbe: true,
});
