import { kubeDrillsSuite } from './kube-drills.suite.ts';
import { nightlySuite } from './nightly.suite.ts';
import { quickSuite } from './quick.suite.ts';
import { regionDrillsSuite } from './region-drills.suite.ts';
import { rollbackDrillSuite } from './rollback-drill.suite.ts';
import { selftestSuite } from './selftest.suite.ts';
import { signoffSuite } from './signoff.suite.ts';
import type { SuiteDefinition } from './suite.ts';

export const suites: readonly SuiteDefinition[] = [selftestSuite, quickSuite, nightlySuite, rollbackDrillSuite, signoffSuite, kubeDrillsSuite, regionDrillsSuite];

export function findSuite(name: string): SuiteDefinition | undefined {
  return suites.find((s) => s.name === name);
}
