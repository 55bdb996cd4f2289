// The TLS edge of the stack (the role of the seeds' `gravl-ingress` with its `staging-tls` certificate): nginx from
// the frontend image, terminating TLS for the public host name with the certificate in the Secret `staging-tls` and
// proxying to the backend Service. No Ingress controller can be built here, so this Deployment is the edge; like an
// nginx-based ingress it serves the certificate it loaded at start. Its Service is a NodePort published on 127.0.0.1.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../kube/kube-api.ts';
import { COMPONENT, type StackOptions } from './stack-options.ts';

export const TLS_SECRET = 'staging-tls';
export const TLS_EDGE = 'gravl-ingress';

export interface TlsEdgeOptions {
  /** The public host name the certificate is for. */
  host: string;
  /** PEM certificate and key of the current certificate. */
  cert: string;
  key: string;
  nodePort: number;
  /** An nginx image with the ssl module: the frontend's. */
  image: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function tlsSecret(o: StackOptions, cert: string, key: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: TLS_SECRET, namespace: o.namespaces.app }, data: { 'tls.crt': b64(cert), 'tls.key': b64(key) } };
}

export function nginxTlsConfig(o: StackOptions, host: string): string {
  return [
    'server {',
    '  listen 8443 ssl;',
    `  server_name ${host};`,
    '  ssl_certificate /etc/gravl/tls/tls.crt;',
    '  ssl_certificate_key /etc/gravl/tls/tls.key;',
    '  ssl_protocols TLSv1.2 TLSv1.3;',
    '  location / {',
    `    proxy_pass http://backend.${o.namespaces.app}.svc:3000;`,
    '    proxy_set_header Host $host;',
    '    proxy_set_header X-Forwarded-Proto https;',
    '  }',
    '}',
  ].join('\n');
}

export function tlsEdge(o: StackOptions, e: TlsEdgeOptions): KubeObject[] {
  const ns = o.namespaces.app;
  const labels = { app: TLS_EDGE, [COMPONENT]: 'ingress' };
  return [
    tlsSecret(o, e.cert, e.key),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${TLS_EDGE}-nginx`, namespace: ns }, data: { 'gravl-tls.conf': nginxTlsConfig(o, e.host) } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: TLS_EDGE, namespace: ns, labels },
      spec: { type: 'NodePort', selector: labels, ports: [{ name: 'https', port: 443, targetPort: 8443, nodePort: e.nodePort }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: TLS_EDGE, namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          // the certificate's fingerprint rolls the edge when the stack is applied with a new one (nginx reads it at
          // start only): a kept cluster re-deployed by the next run then serves that run's certificate
          metadata: { labels, annotations: { 'drillbook.io/tls-cert-sha256': createHash('sha256').update(e.cert).digest('hex').slice(0, 16) } },
          spec: {
            containers: [
              {
                name: 'nginx',
                image: e.image,
                imagePullPolicy: 'IfNotPresent',
                // nginx alone, with the TLS site only (the image's entrypoint renders the frontend's site)
                command: ['nginx', '-g', 'daemon off;'],
                ports: [{ name: 'https', containerPort: 8443 }],
                readinessProbe: { tcpSocket: { port: 8443 }, periodSeconds: 2 },
                livenessProbe: { tcpSocket: { port: 8443 }, initialDelaySeconds: 5, periodSeconds: 10 },
                resources: { requests: { cpu: '20m', memory: '16Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
                volumeMounts: [
                  { name: 'site', mountPath: '/etc/nginx/sites-enabled' },
                  { name: 'tls', mountPath: '/etc/gravl/tls', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'site', configMap: { name: `${TLS_EDGE}-nginx` } },
              { name: 'tls', secret: { secretName: TLS_SECRET } },
            ],
          },
        },
      },
    },
  ];
}
