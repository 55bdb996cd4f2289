// `drillbook doctor` line for Sealed Secrets (the sign-off's secrets-management readiness on kind): the controller
// and kubeseal built from the pinned Go module (cache), and the controller image a kind cluster is loaded with.
import type { Check } from './doctor.ts';
import { imageExists, imageTag } from '../images/images.ts';
import { VERSIONS } from '../images/recipes.ts';
import { cachedSealedSecrets, sealedSecretsCacheDir } from '../images/sealed-secrets.prerequisite.ts';

const FIX = 'DRILLBOOK_IMAGES="sealed-secrets-controller" bash tools/setup/20-images.sh   (go build of controller + kubeseal from the Go module: ~3 min cold; then a small image)';

export function sealedSecretsCheck(deps: { cached?: typeof cachedSealedSecrets; exists?: (tag: string) => Promise<boolean>; tag?: typeof imageTag } = {}): Check {
  const cached = deps.cached ?? cachedSealedSecrets;
  const exists = deps.exists ?? ((tag: string) => imageExists(tag));
  const tagOf = deps.tag ?? imageTag;
  return {
    name: 'sealed-secrets',
    neededFor: 'sign-off on kind (secrets-management: SealedSecret controller, kubeseal)',
    async run() {
      const build = cached();
      const missing: string[] = [];
      if (!build) missing.push(`controller + kubeseal build (${sealedSecretsCacheDir()})`);
      const tag = await tagOf('sealed-secrets-controller');
      if (!(await exists(tag))) missing.push(`image ${tag}`);
      return missing.length === 0
        ? { ok: true, detail: `sealed-secrets ${VERSIONS.sealedSecrets} (${build!.dir}), controller image ${tag}` }
        : { ok: false, detail: `missing: ${missing.join(', ')}`, fix: FIX };
    },
  };
}
