// The committed CRD extraction (chaos-mesh.crds.json) is what the pinned Chaos Mesh module declares: re-extracted
// here from the module's manifests/crd.yaml (Go module cache / proxy, seconds; the file ensureChaosMeshBinaries
// copies), and, when this machine has built Chaos Mesh, from the built copy in the cache too.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { VERSIONS } from '../images/recipes.ts';
import { crdYamlOfModule } from './chaos-mesh-crds.source.ts';
import { builtCrdYamlPath, extractChaosCrds, loadCrdsFixture } from './chaos-mesh.crd.ts';

describe('Chaos Mesh CRD extraction', () => {
  it('equals what the pinned module declares (regenerate with node tools/chaos/chaos-mesh-crds.generate.ts)', { timeout: 300_000 }, async () => {
    const fixture = loadCrdsFixture();
    const modulePath = await crdYamlOfModule();
    expect(modulePath).toContain(`@${VERSIONS.chaosMesh}/`);
    const fromModule = extractChaosCrds(await readFile(modulePath, 'utf8'), { file: modulePath });
    expect(fromModule).toEqual(fixture);
    const built = builtCrdYamlPath();
    const fromBuilt = built ? extractChaosCrds(await readFile(built, 'utf8'), { file: built }) : fromModule;
    expect(fromBuilt.source.sha256, `${built ?? 'no built copy'}: the built module's crd.yaml differs from the module's`).toBe(fixture.source.sha256);
  });
});
