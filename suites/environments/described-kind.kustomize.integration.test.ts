// The kustomize deploy of a described stack, rendered by the real kubectl of the kind toolchain (`kubectl kustomize`,
// what `kubectl apply -k` runs): the ledger's own manifests as the base, an overlay a team would write (a name
// prefix, a label, an image tag). No cluster: kustomize renders locally; the harness applies what it printed.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ensureKindToolchain } from '../../tools/kube/toolchain.ts';
import { readManifests, renderKustomize } from './described-kind.env.ts';

const LEDGER_K8S = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'clusters', 'examples', 'ledger', 'k8s');

describe('a described stack deployed with kustomize', () => {
  it('renders an overlay over the ledger manifests with the toolchain kubectl: every object, transformed as the overlay says', async () => {
    const { kubectl } = await ensureKindToolchain();
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-kustomize-'));
    cpSync(LEDGER_K8S, join(dir, 'base'), { recursive: true });
    writeFileSync(join(dir, 'base', 'kustomization.yaml'), `resources:\n${['00-namespace.yaml', '10-secret.yaml', '20-postgres.yaml', '30-ledger.yaml'].map((f) => `  - ${f}\n`).join('')}`);
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - base\nlabels:\n  - pairs: { team: payments }\nimages:\n  - name: drillbook/ledger\n    newTag: v2\n');
    const objects = await renderKustomize(kubectl, dir);
    const plain = readManifests(['00-namespace.yaml', '10-secret.yaml', '20-postgres.yaml', '30-ledger.yaml'].map((f) => join(LEDGER_K8S, f)));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(plain.map((o) => `${o.kind}/${o.metadata.name}`).sort());
    for (const o of objects) expect(o.metadata.labels?.team, `${o.kind}/${o.metadata.name}`).toBe('payments');
    const ledger = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'ledger')!;
    const containers = (ledger.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers;
    expect(containers.find((c) => c.name === 'ledger')?.image).toBe('drillbook/ledger:v2');
  });

  it('names the folder and what kustomize said when the kustomization is broken, before anything is applied', async () => {
    const { kubectl } = await ensureKindToolchain();
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-kustomize-bad-'));
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - missing.yaml\n');
    await expect(renderKustomize(kubectl, dir)).rejects.toThrow(/missing\.yaml/);
  });
});
