// kind bench: prints how long the toolchain (kind, Kubernetes binaries, node image), cluster creation and the
// reference stack take on this machine. A cold toolchain build happens only on the first run of a machine (its
// time is printed then); every later run measures the warm path. Targets (warm): cluster < 60 s, stack < 120 s.
//   node tools/bench/kind.bench.ts [--keep]
import { KindCluster } from '../../clusters/kube/kind.provider.ts';
import { singleNodeConfig } from '../../clusters/kind/kind-config.ts';
import { deployStack } from '../../clusters/stack/deploy-stack.ts';
import { stackOptions } from '../../clusters/stack/manifests/stack-options.ts';
import { resolveStackImages } from '../../clusters/stack/stack-images.ts';
import { ensureKindToolchain } from '../kube/toolchain.ts';

const keep = process.argv.includes('--keep');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rows: [string, string][] = [];
const print = () => {
  for (const [what, value] of rows) console.log(`${what.padEnd(44)} ${value}`);
};

const t0 = performance.now();
const toolchain = await ensureKindToolchain({ verbose: false });
const toolchainMs = performance.now() - t0;
const warm = toolchainMs < 60_000;
rows.push([`toolchain + node image (${warm ? 'warm' : 'cold'})`, seconds(toolchainMs)]);
for (const [step, ms] of Object.entries(toolchain.timings)) rows.push([`  ${step}`, seconds(ms)]);

const images = await resolveStackImages(['postgres', 'backend']);
const cluster = await new KindCluster('drillbook-bench')
  .withKindBinary(toolchain.kind)
  .withNodeImage(toolchain.nodeImage)
  .withConfig(singleNodeConfig())
  .withReuse(false)
  .withKeepOnDispose(keep)
  .start();
try {
  rows.push(['cluster create -> nodes + DNS + netpol ready', seconds(cluster.startMs)]);
  const t1 = performance.now();
  await cluster.loadImages(Object.values(images));
  rows.push(['kind load docker-image (stack images)', seconds(performance.now() - t1)]);
  const t2 = performance.now();
  const timings = await deployStack(
    cluster.client(),
    stackOptions({ images, db: { user: 'gravl_user', password: 'bench', name: 'gravl' }, jwtSecret: 'bench' }),
    { conditionTimeoutMs: 300_000 },
  );
  rows.push(['stack ready (apply + all conditions)', seconds(performance.now() - t2)]);
  for (const t of timings) rows.push([`  ${t.stage}`, seconds(t.ms)]);
} finally {
  await cluster[Symbol.asyncDispose]();
  print();
}
