import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_DIR, EXAMPLE_DIR } from '../../clusters/examples/gravl/gravl-example.render.ts';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { FakeKubeApi } from '../../clusters/kube/testing/fake-kube-api.ts';
import { KubeClient } from '../../clusters/kube/kube-client.ts';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { loadConfig } from './config.ts';
import { assertStackOnCluster, validateAgainstCluster } from './stack-cluster-check.ts';
import type { DescribedStack } from './stack-description.ts';

/** A fake cluster holding the Gravl example's rendered manifests, as kubectl apply -f k8s/ would leave it. */
async function gravlCluster(): Promise<KubeClient> {
  const api = new FakeKubeApi();
  const objects = readdirSync(MANIFEST_DIR).flatMap((f) => parseAllDocuments(readFileSync(join(MANIFEST_DIR, f), 'utf8')).map((d) => d.toJS() as KubeObject).filter(Boolean));
  for (const o of objects) await api.apply(o, 'test');
  return new KubeClient(api);
}

const described = (): DescribedStack => loadConfig(join(EXAMPLE_DIR, 'drillbook.yaml')).stack as DescribedStack;

describe('validateAgainstCluster', () => {
  it('the Gravl example description matches its own manifests on a cluster: no problem', async () => {
    expect(await validateAgainstCluster(described(), await gravlCluster())).toEqual([]);
  });

  it('names what does not exist and what exists instead: Deployment, container, port, Secret key, Service port, namespace', async () => {
    const s = described();
    const stack: DescribedStack = {
      ...s,
      components: {
        ...s.components,
        backend: { ...s.components.backend, deployment: 'gravl-api' },
        database: { ...s.components.database, port: 5433, credentials: { ...s.components.database.credentials, passwordKey: 'password' } },
        logging: { ...s.components.logging!, namespace: 'logs' },
        alerting: { ...s.components.alerting!, config: { kind: 'ConfigMap', name: 'alertmanager-config', key: 'alertmanager.yml' } },
      },
    };
    expect(await validateAgainstCluster(stack, await gravlCluster())).toEqual([
      "stack.components.backend.deployment: no Deployment 'gravl-api' in namespace 'gravl-production'; Deployments there: backend",
      "stack.components.database.port: Service 'postgres' has no port 5433; its ports: 5432",
      "stack.components.database.credentials.passwordKey: Secret 'postgres-secret' has no key 'password'; its keys: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, db-user, db-password",
      "stack.components.logging.service: no namespace 'logs' in the cluster; namespaces: gravl-production, gravl-monitoring, gravl-logging",
      "stack.components.alerting.config.key: ConfigMap 'alertmanager-config' has no key 'alertmanager.yml'; its keys: alertmanager.yaml",
    ]);
  });

  it('a container or port that is not there is named with the ones that are', async () => {
    const s = described();
    const wrongContainer = { ...s, components: { ...s.components, backend: { ...s.components.backend, container: 'api' } } };
    expect(await validateAgainstCluster(wrongContainer, await gravlCluster())).toEqual(["stack.components.backend.container: Deployment 'backend' has no container 'api'; its containers: backend"]);
    const wrongPort = { ...s, components: { ...s.components, backend: { ...s.components.backend, port: 8080 } } };
    expect(await validateAgainstCluster(wrongPort, await gravlCluster())).toEqual(["stack.components.backend.port: container 'backend' of Deployment 'backend' declares no port 8080; its ports: 3000, 3001"]);
  });

  it('assertStackOnCluster throws InvalidInputError (exit 2) before anything is injected, and touches nothing', async () => {
    const kube = await gravlCluster();
    const api = kube.api as FakeKubeApi;
    const applied = api.applied.length;
    const s = described();
    const error = await assertStackOnCluster({ ...s, components: { ...s.components, backup: { cronJob: 'nightly-backup', pvc: 'postgres-backups' } } }, kube, 'kind-test').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems).toEqual(["stack.components.backup.cronJob: no CronJob 'nightly-backup' in namespace 'gravl-production'; CronJobs there: postgres-backup-cronjob"]);
    expect(api.applied.length).toBe(applied);
    expect(api.deleted).toEqual([]);
  });
});
