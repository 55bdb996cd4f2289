// CLI: node tools/images/build.ts [names...] [--force] [--list]
// Builds the named images (default: all) if missing and prints one `name<TAB>tag` line each on stdout.
import { parseArgs } from 'node:util';
import { DrillbookError } from '../../scenarios/errors.ts';
import { ensureImage, imageTag, IMAGE_NAMES, isImageName, type ImageName } from './images.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { force: { type: 'boolean', default: false }, list: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
});

if (values.help) {
  process.stdout.write(`usage: node tools/images/build.ts [--force] [--list] [${IMAGE_NAMES.join('|')} ...]\n`);
  process.exit(0);
}

const unknown = positionals.filter((n) => !isImageName(n));
if (unknown.length > 0) {
  process.stderr.write(`unknown image(s): ${unknown.join(', ')}\nknown: ${IMAGE_NAMES.join(', ')}\n`);
  process.exit(2);
}
const names = (positionals.length > 0 ? positionals : [...IMAGE_NAMES]) as ImageName[];
const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('SIGINT')));
process.once('SIGTERM', () => controller.abort(new Error('SIGTERM')));

try {
  for (const name of names) {
    const tag = values.list
      ? await imageTag(name)
      : await ensureImage(name, { signal: controller.signal, force: values.force, log: (l) => process.stderr.write(`[images] ${l}\n`) });
    process.stdout.write(`${name}\t${tag}\n`);
  }
} catch (error) {
  const e = error as Error;
  process.stderr.write(`${e.name}: ${e.message}\n`);
  if (error instanceof DrillbookError && error.hint) process.stderr.write(`hint: ${error.hint}\n`);
  process.exit(1);
}
