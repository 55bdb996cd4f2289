// The PostgreSQL 15 image every Postgres container of the harness runs: the locally built one from
// tools/images (ensureImage('postgres')). DRILLBOOK_POSTGRES_IMAGE overrides it (an image already loaded).
import { DrillbookError } from '../../scenarios/errors.ts';
import type { CallOptions } from '../../scenarios/ports.ts';

export async function postgresImage(options: CallOptions = {}): Promise<string> {
  void options;
  const override = process.env.DRILLBOOK_POSTGRES_IMAGE;
  if (override) return override;
  throw new DrillbookError('no PostgreSQL image: tools/images is not merged into this branch yet', {
    hint: 'set DRILLBOOK_POSTGRES_IMAGE to a local postgres 15 image tag',
  });
}
