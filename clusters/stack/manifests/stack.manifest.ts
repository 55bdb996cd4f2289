// The reference stack as stages, in dependency order. Each stage is applied (server-side) and then waited on
// through named conditions before the next one starts: foundation -> database -> migration -> app ->
// observability -> backup.
import type { KubeCondition } from '../../kube/conditions.ts';
import { daemonSetReady, deploymentAvailable, jobSucceeded, pvcBound, statefulSetReady } from '../../kube/conditions.ts';
import type { KubeObject } from '../../kube/kube-api.ts';
import { backend, backupCronJob, frontend, migrationJob, postgres } from './app.manifest.ts';
import { namespaces, networkPolicies, rbac, secrets } from './foundation.manifest.ts';
import { alertmanager, logShipper, loki, prometheus } from './observability.manifest.ts';
import type { StackOptions } from './stack-options.ts';

export interface StackStage {
  readonly name: string;
  readonly objects: readonly KubeObject[];
  readonly waits: readonly KubeCondition[];
}

export function referenceStack(o: StackOptions): StackStage[] {
  const app = o.namespaces.app;
  const stages: StackStage[] = [
    { name: 'foundation', objects: [...namespaces(o), ...rbac(o), ...networkPolicies(o), ...secrets(o)], waits: [] },
    { name: 'database', objects: postgres(o), waits: [statefulSetReady(app, 'postgres'), pvcBound(app, 'data-postgres-0')] },
    { name: 'migration', objects: [migrationJob(o)], waits: [jobSucceeded(app, 'db-migration')] },
    {
      name: 'app',
      objects: [...backend(o), ...frontend(o)],
      waits: [deploymentAvailable(app, 'backend'), ...(o.images.frontend ? [deploymentAvailable(app, 'frontend')] : [])],
    },
  ];
  const observability: KubeObject[] = [...prometheus(o), ...alertmanager(o), ...loki(o), ...logShipper(o)];
  if (observability.length) {
    const waits: KubeCondition[] = [];
    if (o.images.prometheus) waits.push(deploymentAvailable(o.namespaces.monitoring, 'prometheus'));
    if (o.images.alertmanager) waits.push(statefulSetReady(o.namespaces.monitoring, 'alertmanager'));
    if (o.images.loki) waits.push(statefulSetReady(o.namespaces.logging, 'loki'));
    if (o.images.logShipper && o.images.loki) waits.push(daemonSetReady(o.namespaces.logging, 'log-shipper'));
    stages.push({ name: 'observability', objects: observability, waits });
  }
  stages.push({ name: 'backup', objects: backupCronJob(o), waits: [] });
  return stages;
}

export function allObjects(stages: readonly StackStage[]): KubeObject[] {
  return stages.flatMap((s) => s.objects);
}
