// The application tier: PostgreSQL StatefulSet with a PVC, the migration Job, backend and frontend Deployments
// (probes, requests and limits, non-root), their Services, and the nightly backup CronJob.
import type { KubeObject } from '../../kube/kube-api.ts';
import { COMPONENT, type StackOptions } from './stack-options.ts';

const secretEnv = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: 'postgres-secret', key } } });
const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});
const restricted = (uid: number) => ({
  runAsNonRoot: true,
  runAsUser: uid,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
});
const dbEnv = (o: StackOptions) => [
  { name: 'DB_HOST', value: 'postgres' },
  { name: 'DB_NAME', value: o.db.name },
  secretEnv('DB_USER', 'db-user'),
  secretEnv('DB_PASSWORD', 'db-password'),
];

/** The backup Job's bound: an hour, above S3UploadSlow's 20-minute threshold (see the CronJob). */
export const BACKUP_DEADLINE_SECONDS = 3600;
/** Where the database archives WAL (the image's POSTGRES_ARCHIVE_DIR): a volume of its pod, standing in for S3. */
export const WAL_ARCHIVE_DIR = '/var/lib/postgresql/wal-archive';

export function postgres(o: StackOptions): KubeObject[] {
  const ns = o.namespaces.app;
  const labels = { app: 'postgres', [COMPONENT]: 'database' };
  // the image's entrypoint: 'default' = test ! -f <dir>/%f && cp %p <dir>/%f, with wal_level replica, archive_mode on
  const archive = o.walArchive
    ? {
        env: [
          { name: 'POSTGRES_ARCHIVE_COMMAND', value: 'default' },
          { name: 'POSTGRES_ARCHIVE_TIMEOUT', value: String(Math.round(o.walArchive.timeoutSeconds)) },
        ],
        mounts: [{ name: 'wal-archive', mountPath: WAL_ARCHIVE_DIR }],
        volumes: [{ name: 'wal-archive', emptyDir: {} }],
      }
    : { env: [], mounts: [], volumes: [] };
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'postgres', namespace: ns, labels },
      spec: { selector: labels, ports: [{ name: 'postgres', port: 5432, targetPort: 5432 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'postgres', namespace: ns, labels },
      spec: {
        serviceName: 'postgres',
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'postgres',
                image: o.images.postgres,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'postgres', containerPort: 5432 }],
                env: [
                  secretEnv('POSTGRES_USER', 'POSTGRES_USER'),
                  secretEnv('POSTGRES_PASSWORD', 'POSTGRES_PASSWORD'),
                  secretEnv('POSTGRES_DB', 'POSTGRES_DB'),
                  { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
                  ...archive.env,
                ],
                readinessProbe: { exec: { command: ['pg_isready', '-h', '127.0.0.1', '-p', '5432', '-q'] }, periodSeconds: 5, failureThreshold: 3 },
                livenessProbe: { exec: { command: ['pg_isready', '-h', '127.0.0.1', '-p', '5432', '-q'] }, initialDelaySeconds: 30, periodSeconds: 10 },
                resources: resources('100m', '256Mi', '1', '512Mi'),
                volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }, ...archive.mounts],
              },
            ],
            ...(archive.volumes.length ? { volumes: archive.volumes } : {}),
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels },
            spec: { storageClassName: o.storageClass, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    },
  ];
}

export function migrationJob(o: StackOptions): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'db-migration', namespace: o.namespaces.app, labels: { app: 'gravl-backend', [COMPONENT]: 'migration' } },
    spec: {
      backoffLimit: 4,
      activeDeadlineSeconds: 300,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: { app: 'gravl-backend', [COMPONENT]: 'migration' } },
        spec: {
          restartPolicy: 'OnFailure',
          serviceAccountName: 'gravl-backend',
          containers: [
            {
              name: 'migrate',
              image: o.images.backend,
              imagePullPolicy: 'IfNotPresent',
              args: ['migrate'],
              env: dbEnv(o),
              // the migration's error ("Migration failed: 004_...: duplicate key value ...") readable from the API
              terminationMessagePolicy: 'FallbackToLogsOnError',
              resources: resources('50m', '64Mi', '500m', '256Mi'),
              securityContext: restricted(10001),
            },
          ],
        },
      },
    },
  };
}

export function backend(o: StackOptions): KubeObject[] {
  const ns = o.namespaces.app;
  const labels = { app: 'gravl-backend', [COMPONENT]: 'backend' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'backend', namespace: ns, labels },
      spec: {
        type: 'NodePort',
        selector: labels,
        ports: [
          { name: 'http', port: 3000, targetPort: 3000, nodePort: o.backendNodePort },
          { name: 'metrics', port: 3001, targetPort: 3001 },
        ],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'backend', namespace: ns, labels },
      spec: {
        replicas: o.backendReplicas,
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 180,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '3001' } },
          spec: {
            serviceAccountName: 'gravl-backend',
            containers: [
              {
                name: 'backend',
                image: o.images.backend,
                imagePullPolicy: 'IfNotPresent',
                args: ['serve'],
                ports: [{ name: 'http', containerPort: 3000 }, { name: 'metrics', containerPort: 3001 }],
                env: [...dbEnv(o), { name: 'JWT_SECRET', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'JWT_SECRET' } } }],
                startupProbe: { httpGet: { path: '/api/health', port: 3000 }, periodSeconds: 2, failureThreshold: 30 },
                readinessProbe: { httpGet: { path: '/api/ready', port: 3000 }, periodSeconds: 5, failureThreshold: 3 },
                livenessProbe: { httpGet: { path: '/api/health', port: 3000 }, periodSeconds: 10, failureThreshold: 3 },
                resources: resources('100m', '128Mi', '1', '256Mi'),
                securityContext: { ...restricted(10001), readOnlyRootFilesystem: true },
              },
            ],
          },
        },
      },
    },
  ];
}

export function frontend(o: StackOptions): KubeObject[] {
  if (!o.images.frontend) return [];
  const ns = o.namespaces.app;
  const labels = { app: 'gravl-frontend', [COMPONENT]: 'frontend' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'frontend', namespace: ns, labels },
      spec: { type: 'NodePort', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: o.frontendNodePort }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'frontend', namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'frontend',
                image: o.images.frontend,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 10 },
                resources: resources('50m', '32Mi', '500m', '128Mi'),
              },
            ],
          },
        },
      },
    },
  ];
}

/** postgres-backup-cronjob, as the seeds name it: pg_dump -Fc to a PVC at 02:00, keeping 7 dumps. */
export function backupCronJob(o: StackOptions): KubeObject[] {
  const ns = o.namespaces.app;
  const labels = { app: 'postgres-backup', [COMPONENT]: 'backup' };
  const script = [
    'set -eu',
    'f=/backups/gravl-$(date -u +%Y%m%dT%H%M%SZ).dump',
    // the seconds from the start of pg_dump to the dump in place on the backup volume: the stack's stand-in for the
    // runbook's S3 upload duration (there is no S3 here); coreutils date, so %N works
    't0=$(date +%s.%N)',
    'pg_dump -h postgres -U "$PGUSER" -d "$PGDATABASE" -Fc -f "$f.partial"',
    'mv "$f.partial" "$f"',
    't1=$(date +%s.%N)',
    'size=$(stat -c %s "$f")',
    // the run in backup_runs: the backend exports its newest ok row as gravl_backup_last_success_timestamp_seconds
    // (NoDailyBackup), and the newest ok full row's size_bytes and upload_seconds as gravl_backup_last_size_bytes
    // (BackupSizeDeviation) and gravl_backup_last_upload_duration_seconds (S3UploadSlow). A backup_runs older than
    // those columns gets the row without them; a database without the table keeps the dump.
    `psql -h postgres -v ON_ERROR_STOP=1 -qc "INSERT INTO backup_runs (kind, location, ok, size_bytes, upload_seconds) VALUES ('full', '$f', true, $size, $t1 - $t0)" \\`,
    `  || psql -h postgres -v ON_ERROR_STOP=1 -qc "INSERT INTO backup_runs (kind, location, ok) VALUES ('full', '$f', true)" \\`,
    '  || echo "backup not recorded in backup_runs"',
    'ls -1t /backups/*.dump | tail -n +8 | xargs -r rm -f',
    'echo "backup written: $f ($(stat -c %s "$f") bytes)"',
    // the file and its size as the pod's termination message: readable from the API (pod status) without logs
    'printf "%s %s" "$f" "$(stat -c %s "$f")" > /dev/termination-log',
  ].join('\n');
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'postgres-backups', namespace: ns, labels },
      spec: { storageClassName: o.storageClass, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'postgres-backup-cronjob', namespace: ns, labels },
      spec: {
        schedule: '0 2 * * *',
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            // above S3UploadSlow's 20 minutes (DISASTER_RECOVERY_COMPLETION.md alert 4): a Job killed at 10 min, as
            // it was, records no run, so a slow upload could never make the alert fire; it would page NoDailyBackup
            // a day later instead
            activeDeadlineSeconds: BACKUP_DEADLINE_SECONDS,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: 'OnFailure',
                containers: [
                  {
                    name: 'pg-dump',
                    image: o.images.postgres,
                    imagePullPolicy: 'IfNotPresent',
                    command: ['/bin/sh', '-c', script],
                    env: [
                      { name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'postgres-secret', key: 'POSTGRES_USER' } } },
                      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'postgres-secret', key: 'POSTGRES_PASSWORD' } } },
                      { name: 'PGDATABASE', valueFrom: { secretKeyRef: { name: 'postgres-secret', key: 'POSTGRES_DB' } } },
                    ],
                    resources: resources('50m', '64Mi', '500m', '256Mi'),
                    volumeMounts: [{ name: 'backups', mountPath: '/backups' }],
                  },
                ],
                volumes: [{ name: 'backups', persistentVolumeClaim: { claimName: 'postgres-backups' } }],
              },
            },
          },
        },
      },
    },
  ];
}
