// The PostgreSQL 15 image every Postgres container of the harness runs: the locally built one from
// tools/images (built on first use, cached by recipe hash afterwards). DRILLBOOK_POSTGRES_IMAGE overrides it
// with a tag Docker already has.
import type { CallOptions } from '../../scenarios/ports.ts';
import { ensureImage } from '../images/images.ts';

export async function postgresImage(options: CallOptions = {}): Promise<string> {
  const override = process.env.DRILLBOOK_POSTGRES_IMAGE;
  if (override) return override;
  return ensureImage('postgres', { signal: options.signal });
}
