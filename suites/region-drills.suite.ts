// region-drills: DISASTER_RECOVERY_COMPLETION.md's multi-region failover on a two-region kind cluster (one control
// plane, two workers per region) it creates and deletes afterwards: every node of the primary's region goes down at
// once (docker stop), the streaming replica in the other region is promoted, the database name repointed, the
// backend restarted; k6 background load and the data probe measure detection, RTO and RPO against the document's
// targets (RPO < 1 h, RTO < 4 h). Then the fail-back once region A is back: its old primary re-seeded as a standby
// of region B, writes fenced on region B until region A caught up, region A promoted, the name repointed, the backend
// restarted, region B re-seeded as a standby.
import { regionFailback, regionLoss } from '../scenarios/catalog/region-loss.scenario.ts';
import { DEFAULT_REGIONS_CLUSTER, startGravlKindRegions } from './environments/gravl-kind-regions.env.ts';
import { kindOnly } from './environments/kind-steps.ts';
import type { SuiteDefinition } from './suite.ts';

/** The config's default cluster name is signoff's long-lived cluster: region-drills then uses its own. */
const DEFAULT_CONFIG_CLUSTER = 'drillbook-gravl';

export const regionDrillsSuite: SuiteDefinition = {
  name: 'region-drills',
  description:
    'DISASTER_RECOVERY_COMPLETION.md multi-region failover on a two-region kind cluster: region A (PostgreSQL primary) lost whole, the replica in region B promoted, DNS repointed, backend restarted; then the fail-back to region A (k6 load + data probe: detection, RTO, RPO)',
  budgetSeconds: 1500,
  requires: ['node', 'docker', 'k6', 'kind', 'images'],
  scenarios: [regionLoss.id, regionFailback.id],
  check(config) {
    const problems = kindOnly('region-drills', `stops the nodes of a two-region kind cluster it creates (${DEFAULT_REGIONS_CLUSTER}) and deletes afterwards`)(config);
    const name = config.cluster.name === DEFAULT_CONFIG_CLUSTER ? DEFAULT_REGIONS_CLUSTER : config.cluster.name;
    if (name === 'drillbook-drills' || name === 'drillbook-e2e') problems.push(`cluster.name '${name}' is another suite's cluster; region-drills creates and deletes its own`);
    return problems;
  },
  async prepare(ctx) {
    const name = ctx.config.cluster.name === DEFAULT_CONFIG_CLUSTER ? DEFAULT_REGIONS_CLUSTER : ctx.config.cluster.name;
    const regions = await startGravlKindRegions({
      runId: ctx.runId,
      suite: 'region-drills',
      outDir: ctx.outDir,
      signal: ctx.signal,
      log: ctx.log,
      clusterName: name,
      namespace: ctx.config.stack.namespace,
    });
    return {
      // the fail-back starts from the state the failover leaves (region A back, region B serving)
      items: [regionLoss, regionFailback].map((scenario) => ({ scenario, env: regions.env, ports: regions.ports })),
      secrets: regions.secrets,
      [Symbol.asyncDispose]: () => regions[Symbol.asyncDispose](),
    };
  },
};
