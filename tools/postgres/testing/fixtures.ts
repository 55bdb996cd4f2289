// Test data shaped like Gravl's: applied migrations, users, and logs referencing users (a foreign key).
import { randomBytes } from 'node:crypto';
import { LABELS, MANAGED_BY } from '../../../scenarios/ports.ts';

export function testLabels(scenario: string): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.runId]: `test-${randomBytes(4).toString('hex')}`, [LABELS.scenario]: scenario };
}

export { countRows, seedGravl, tableChecksum, type SeedOptions } from '../dataset.ts';
