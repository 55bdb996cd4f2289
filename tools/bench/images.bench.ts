// Image build times (cold: `docker build --no-cache` with parents and staged inputs warm; warm: the no-op
// ensureImage() a test pays on every run) and image sizes.
//   node tools/bench/images.bench.ts                 postgres, gravl-backend-v2, gravl-frontend
//   node tools/bench/images.bench.ts --all           every image (the base's cold time is `docker import` of
//                                                    the cached debootstrap tarball; Loki's Go build stays cached)
//   node tools/bench/images.bench.ts --warm-only     only warm times and sizes (seconds, for CI)
//   node tools/bench/images.bench.ts loki promtail   just these
// Prints a table, then one JSON line (prefix "BENCH ") for the lead's `npm run bench`.
import { parseArgs } from 'node:util';
import { ensureImage, IMAGE_NAMES, imageSize, isImageName, type ImageName } from '../images/images.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { all: { type: 'boolean', default: false }, 'warm-only': { type: 'boolean', default: false } } });
const unknown = positionals.filter((n) => !isImageName(n));
if (unknown.length > 0) throw new Error(`unknown image(s) ${unknown.join(', ')}; known: ${IMAGE_NAMES.join(', ')}`);
const names: ImageName[] = positionals.length > 0 ? (positionals as ImageName[]) : values.all ? [...IMAGE_NAMES] : ['postgres', 'gravl-backend-v2', 'gravl-frontend'];

interface Row {
  image: ImageName;
  tag: string;
  coldSeconds: number | null;
  warmMs: number;
  sizeMB: number;
}

const rows: Row[] = [];
for (const name of names) {
  await ensureImage(name, { log: (l) => process.stderr.write(`[images] ${l}\n`) }); // make sure parents exist
  let coldSeconds: number | null = null;
  if (!values['warm-only']) {
    const t0 = performance.now();
    await ensureImage(name, { force: true });
    coldSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  }
  const t1 = performance.now();
  const tag = await ensureImage(name);
  const warmMs = Math.round(performance.now() - t1);
  rows.push({ image: name, tag, coldSeconds, warmMs, sizeMB: Math.round((await imageSize(tag)) / 1e6) });
  process.stderr.write(`[bench] ${name} done\n`);
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
process.stdout.write(`${pad('image', 22)}${pad('cold build (s)', 16)}${pad('warm (ms)', 11)}${pad('size (MB)', 11)}tag\n`);
for (const r of rows) process.stdout.write(`${pad(r.image, 22)}${pad(r.coldSeconds ?? '-', 16)}${pad(r.warmMs, 11)}${pad(r.sizeMB, 11)}${r.tag}\n`);
process.stdout.write(`BENCH ${JSON.stringify({ bench: 'images', rows })}\n`);
