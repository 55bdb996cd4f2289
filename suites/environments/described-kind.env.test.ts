// The described kind environment's pieces without a cluster: what it refuses before anything is created (missing
// images, deploy methods not supported yet), how it reads manifests, and how it finds the names the drills use
// (pod selectors from the workloads, the backend's Service); nightly's wiring of a described stack.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../clusters/kube/kube-api.ts';
import { InvalidInputError } from '../../scenarios/errors.ts';
import { loadConfig } from '../../tools/config/config.ts';
import { isDescribed, type DescribedStack } from '../../tools/config/stack-description.ts';
import { checkSuiteRun } from '../suite.ts';
import { nightlySuite } from '../nightly.suite.ts';
import {
  assertImagesLocal,
  backendService,
  describedKindProblems,
  describedKindSkip,
  imagesToLoad,
  podSelector,
  readManifests,
  startDescribedKind,
} from './described-kind.env.ts';

const LEDGER = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'clusters', 'examples', 'ledger');
const ledger = () => {
  const config = loadConfig(join(LEDGER, 'drillbook.yaml'));
  if (!isDescribed(config.stack)) throw new Error('the ledger example describes its stack');
  return { config, stack: config.stack as DescribedStack };
};

describe('described kind environment', () => {
  it('loads the description’s images and every release given as a tag, each once', () => {
    expect(imagesToLoad(ledger().stack)).toEqual(['drillbook/ledger:v1', 'drillbook/postgres:15', 'drillbook/ledger:v2', 'drillbook/ledger:broken']);
  });

  it('refuses an image missing from local Docker, naming it and how to build it', async () => {
    const exists = async (tag: string) => tag !== 'drillbook/ledger:broken';
    const error = await assertImagesLocal(['drillbook/ledger:v1', 'drillbook/ledger:broken'], exists, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String((error as Error).message)).toContain('drillbook/ledger:broken: no such image in local Docker');
    expect(String((error as Error).message)).not.toContain('drillbook/ledger:v1:');
    expect((error as InvalidInputError).hint).toMatch(/npm run images -- /);
  });

  it('refuses a missing image before any cluster is made', async () => {
    const { stack } = ledger();
    const started = startDescribedKind({
      runId: 'r',
      suite: 'nightly',
      outDir: mkdtempSync(join(tmpdir(), 'described-')),
      signal: new AbortController().signal,
      log: () => undefined,
      secret: () => undefined,
      clusterName: 'drillbook-never-made',
      description: stack,
      imageExists: async (tag) => tag !== 'drillbook/postgres:15',
    });
    await expect(started).rejects.toThrow(/drillbook\/postgres:15: no such image in local Docker/);
  });

  it('says Helm, releases to build and a cluster name outside drillbook- are not for it (yet), before anything is created; kustomize is', () => {
    const { stack } = ledger();
    expect(describedKindProblems({ cluster: { provider: 'kind', name: 'drillbook-ledger' }, stack })).toEqual([]);
    expect(describedKindProblems({ cluster: { provider: 'kind', name: 'drillbook-ledger' }, stack: { ...stack, deploy: { kustomize: '/k', images: [] } } })).toEqual([]);
    const problems = describedKindProblems({
      cluster: { provider: 'kind', name: 'ledger' },
      stack: { ...stack, deploy: { helm: { chart: '/c', values: [], release: 'r' }, images: [] }, releases: { broken: { tag: 'x/y:broken', build: { context: '/app', args: {} } } } },
    });
    expect(problems).toEqual([
      "cluster.name (got 'ledger'): a kind cluster drillbook creates is named drillbook-<something>",
      expect.stringMatching(/^stack\.deploy\.helm: not yet supported on kind; render it/),
      expect.stringMatching(/^stack\.releases\.broken: building a release .* not yet supported on kind; build it and give its tag \(x\/y:broken\)/),
    ]);
  });

  it('reads the manifests of a folder by file name, every document, and names a file that is not an object', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifests-'));
    mkdirSync(join(dir, 'k8s'));
    writeFileSync(join(dir, 'k8s', '20-b.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: { name: b }\n---\napiVersion: v1\nkind: Secret\nmetadata: { name: c }\n');
    writeFileSync(join(dir, 'k8s', '10-a.yml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n---\n');
    writeFileSync(join(dir, 'k8s', 'README.md'), '# not a manifest');
    expect(readManifests([join(dir, 'k8s')]).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/a', 'Service/b', 'Secret/c']);
    expect(readManifests([join(LEDGER, 'k8s')]).map((o) => o.kind)).toContain('StatefulSet');
    writeFileSync(join(dir, 'bad.yaml'), 'kind: Service\n');
    expect(() => readManifests([join(dir, 'bad.yaml')])).toThrow(/without apiVersion, kind or metadata.name/);
  });

  it('finds the ledger’s pods by its workloads’ selectors and its Service by the backend port', () => {
    const objects = readManifests([join(LEDGER, 'k8s')]);
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
    expect(podSelector(find('Deployment', 'ledger'))).toBe('app.kubernetes.io/name=ledger');
    expect(podSelector(find('StatefulSet', 'ledger-pg'))).toMatch(/=ledger-pg/);
    const labels = (find('Deployment', 'ledger').spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    const services = objects.filter((o) => o.kind === 'Service');
    expect(backendService(services, labels, 9090, ['http'])).toEqual({ name: 'ledger', port: 9090 });
    expect(backendService(services, labels, 9999, [])).toBeUndefined();
    const noSelector: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'n' }, spec: { selector: { matchExpressions: [{}] } } };
    expect(() => podSelector(noSelector)).toThrow(/no matchLabels/);
  });

  it('runs the four core drills and skips the others with a reason', () => {
    for (const id of ['backend-crash', 'database-crash', 'bad-release-rollback', 'secret-missing']) expect(describedKindSkip(id)).toBeUndefined();
    expect(describedKindSkip('backup-job-missing')).toMatch(/not yet offered on a described stack/);
  });

  it('nightly checks a described kind config up front: the ledger passes, a non-drillbook cluster name or k6-operator is refused', () => {
    const { config } = ledger();
    expect(() => checkSuiteRun(nightlySuite, undefined, config)).not.toThrow();
    expect(() => checkSuiteRun(nightlySuite, undefined, { ...config, cluster: { ...config.cluster, name: 'ledger' } })).toThrow(/a kind cluster drillbook creates is named drillbook-/);
    expect(() => checkSuiteRun(nightlySuite, undefined, { ...config, load: { ...config.load, engine: 'k6-operator' } })).toThrow(/set load.engine: k6/);
  });
});
