// e2e: Chaos Mesh for real. A one-node kind cluster, Chaos Mesh's controller built here from its Go module
// (image chaos-mesh-controller) and its CRDs installed, a Deployment of target pods; the chaos-mesh injector
// applies a PodChaos pod-kill: Chaos Mesh reports AllInjected and the pod is really gone (replaced by the
// Deployment); the revert deletes the PodChaos and Chaos Mesh's finalizer lets it go; the ledger is empty.
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { singleNodeConfig } from '../../clusters/kind/kind-config.ts';
import { deploymentAvailable, isPodReady } from '../../clusters/kube/conditions.ts';
import { KindCluster } from '../../clusters/kube/kind.provider.ts';
import { CHAOS_CONTROLLER, CHAOS_MESH_NAMESPACE, CHAOS_WEBHOOK_HOST, chaosMeshController, chaosMeshCrds } from '../../clusters/stack/manifests/chaos-mesh.manifest.ts';
import { LABELS, MANAGED_BY } from '../../scenarios/ports.ts';
import { ensureImage } from '../images/images.ts';
import { ensureChaosMeshBinaries } from '../images/prerequisites.ts';
import { ensureKindToolchain } from '../kube/toolchain.ts';
import { makeDrillCerts } from '../lib/tls-certs.ts';
import { FaultLedger } from '../state/ledger.ts';
import { ChaosMeshFaultInjector } from '../faults/chaos-mesh.fault.ts';

describe('Chaos Mesh on a kind cluster', () => {
  it('installs the controller built here and kills a pod through a PodChaos, reverted by deleting it', async () => {
    const log = (line: string) => console.log(line);
    const toolchain = await ensureKindToolchain({});
    const images = { chaos: await ensureImage('chaos-mesh-controller', { log }), base: await ensureImage('base', { log }) };
    const crdYaml = await readFile(join(await ensureChaosMeshBinaries({ log }), 'crd.yaml'), 'utf8');
    await using cluster = await new KindCluster('drillbook-chaos').withKindBinary(toolchain.kind).withNodeImage(toolchain.nodeImage).withConfig(singleNodeConfig()).withReuse(false).start();
    await cluster.loadImages([images.chaos, images.base]);
    const client = cluster.client();

    const started = performance.now();
    const crds = chaosMeshCrds(crdYaml);
    expect(crds.length).toBeGreaterThan(20);
    await client.apply(crds);
    const certs = await makeDrillCerts(mkdtempSync(join(tmpdir(), 'drillbook-chaos-certs-')), CHAOS_WEBHOOK_HOST);
    const read = (f: string) => readFile(f, 'utf8');
    await client.apply(chaosMeshController(images.chaos, { cert: await read(certs.current.cert), key: await read(certs.current.key), ca: await read(certs.ca) }));
    await client.waitFor(deploymentAvailable(CHAOS_MESH_NAMESPACE, CHAOS_CONTROLLER), { timeoutMs: 180_000, hint: `kubectl -n ${CHAOS_MESH_NAMESPACE} logs deploy/${CHAOS_CONTROLLER}` });
    console.log(`chaos mesh controller installed and available in ${Math.round(performance.now() - started)} ms`);

    const ns = 'chaos-target';
    const labels = { app: 'target' };
    await client.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'target', namespace: ns },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'sleep', image: images.base, imagePullPolicy: 'IfNotPresent', command: ['sleep', 'infinity'] }] } },
        },
      },
    ]);
    await client.waitFor(deploymentAvailable(ns, 'target'), { timeoutMs: 120_000 });
    const podUids = async () => (await client.api.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: 'app=target' })).items.filter((p) => !p.metadata.deletionTimestamp && isPodReady(p)).map((p) => p.metadata.uid!);
    const before = await podUids();
    expect(before).toHaveLength(2);

    const ledger = new FaultLedger(join(mkdtempSync(join(tmpdir(), 'drillbook-chaos-state-')), 'faults'));
    const injector = new ChaosMeshFaultInjector(client.api, { kubeconfig: cluster.kubeconfigPath, context: cluster.context }, [ns], ledger);
    const runLabels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: `chaos-e2e-${Date.now().toString(36)}`, [LABELS.scenario]: 'chaos-mesh-e2e' };
    const injectedAt = performance.now();
    const fault = await injector.inject({ kind: 'pod-kill', namespace: ns, selector: 'app=target', mode: 'one' }, { labels: runLabels });
    console.log(`PodChaos AllInjected after ${Math.round(performance.now() - injectedAt)} ms: ${JSON.stringify(fault.evidence.find((e) => e.label === 'chaos-mesh status')?.value)}`);
    expect(ledger.list().map((e) => e.faultKind)).toEqual(['pod-kill']);

    // exactly one of the two pods was killed and the Deployment replaced it
    await client.waitFor(deploymentAvailable(ns, 'target'), { timeoutMs: 120_000 });
    let after = await podUids();
    for (const deadline = Date.now() + 60_000; after.length < 2 && Date.now() < deadline; after = await podUids()) await new Promise((r) => setTimeout(r, 500));
    expect(after).toHaveLength(2);
    expect(after.filter((uid) => before.includes(uid))).toHaveLength(1);

    const reverted = await fault.revert();
    expect(JSON.stringify(reverted)).toMatch(/Chaos Mesh has lifted the fault/);
    expect(ledger.list()).toEqual([]);
    expect((await client.api.list({ apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'PodChaos', namespace: ns })).items).toEqual([]);
  });
});
