import { nightlySuite } from './nightly.suite.ts';
import { selftestSuite } from './selftest.suite.ts';
import type { SuiteDefinition } from './suite.ts';

export const suites: readonly SuiteDefinition[] = [selftestSuite, nightlySuite];

export function findSuite(name: string): SuiteDefinition | undefined {
  return suites.find((s) => s.name === name);
}
