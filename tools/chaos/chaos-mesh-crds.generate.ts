// Regenerates tools/chaos/chaos-mesh.crds.json: the PodChaos and NetworkChaos CRDs (v1alpha1 openAPIV3Schema, as
// they are) of the Chaos Mesh module tools/images builds (VERSIONS.chaosMesh), with the version and the sha256 of
// the manifests/crd.yaml they came from. Run it after changing VERSIONS.chaosMesh:
//   node tools/chaos/chaos-mesh-crds.generate.ts [path/to/crd.yaml]
// Without a path it reads the built module's crd.yaml from the cache, else the module's own source through
// `go mod download` (the same file ensureChaosMeshBinaries copies; seconds, no build).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { crdYamlOfModule } from './chaos-mesh-crds.source.ts';
import { builtCrdYamlPath, CRDS_FIXTURE, extractChaosCrds } from './chaos-mesh.crd.ts';

const given = process.argv[2];
const path = given ?? builtCrdYamlPath() ?? (await crdYamlOfModule());
const crds = extractChaosCrds(await readFile(path, 'utf8'), { file: path });
await writeFile(CRDS_FIXTURE, `${JSON.stringify(crds, null, 1)}\n`);
console.log(`${fileURLToPath(CRDS_FIXTURE)}: ${Object.keys(crds.crds).join(', ')} from ${path} (Chaos Mesh ${crds.source.version}, sha256 ${crds.source.sha256.slice(0, 12)})`);
