// manifests/crd.yaml of the pinned Chaos Mesh module, straight from the Go module cache (`go mod download`, which
// fetches it through the module proxy when missing): the file ensureChaosMeshBinaries copies into its cache, without
// the ~20 min build. For the fixture generator and the integration test that checks the fixture.
import { join } from 'node:path';
import { DrillbookError } from '../../scenarios/errors.ts';
import { CHAOS_MESH_MODULE } from '../images/prerequisites.ts';
import { VERSIONS } from '../images/recipes.ts';
import { run } from '../lib/exec.ts';

export async function crdYamlOfModule(options: { signal?: AbortSignal } = {}): Promise<string> {
  const { stdout } = await run('go', ['mod', 'download', '-json', `${CHAOS_MESH_MODULE}@${VERSIONS.chaosMesh}`], {
    signal: options.signal,
    hint: 'needs Go and the Go module proxy (or a warm module cache)',
  });
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new DrillbookError(`go mod download ${CHAOS_MESH_MODULE}@${VERSIONS.chaosMesh}: ${info.Error ?? 'no directory'}`);
  return join(info.Dir, 'manifests', 'crd.yaml');
}
