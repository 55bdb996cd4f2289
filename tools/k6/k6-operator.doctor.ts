// `drillbook doctor` line for k6-operator (distributed load, `load.engine: k6-operator`): the controller built
// from its release source (cache), and the two images a kind cluster is loaded with (controller, runner).
import type { Check } from '../doctor/doctor.ts';
import { imageExists, imageTag } from '../images/images.ts';
import { cachedK6Operator, K6_OPERATOR, k6OperatorCacheDir } from '../images/k6-operator.prerequisite.ts';

const FIX = 'DRILLBOOK_IMAGES="k6-operator k6-runner" bash tools/setup/20-images.sh   (go build of the controller from ../shared/vendor: ~10 min cold; then two small images)';

export function k6OperatorCheck(deps: { cached?: typeof cachedK6Operator; exists?: (tag: string) => Promise<boolean>; tag?: typeof imageTag } = {}): Check {
  const cached = deps.cached ?? cachedK6Operator;
  const exists = deps.exists ?? ((tag: string) => imageExists(tag));
  const tagOf = deps.tag ?? imageTag;
  return {
    name: 'k6-operator',
    neededFor: 'distributed load (load.engine: k6-operator) and its e2e/bench',
    async run() {
      const build = cached();
      const missing: string[] = [];
      if (!build) missing.push(`controller build (${k6OperatorCacheDir()})`);
      for (const name of ['k6-operator', 'k6-runner'] as const) {
        const tag = await tagOf(name);
        if (!(await exists(tag))) missing.push(`image ${tag}`);
      }
      return missing.length === 0
        ? { ok: true, detail: `k6-operator ${K6_OPERATOR.tag} (${build!.dir}), CRDs ${build!.crds.length}, runner image with drillbook's k6` }
        : { ok: false, detail: `missing: ${missing.join(', ')}`, fix: FIX };
    },
  };
}
