import { describe, expect, it } from 'vitest';
import { readyReadiness, stagingReadiness } from '../../reports/testing/sample-readiness.ts';
import { evaluateReadiness } from './readiness.ts';
import { readySnapshot, stagingAsSignedOff } from './testing/snapshots.ts';

// reports/ may not import the checks, so its tests render these results as data; they must stay what the checks say.
describe("reports' readiness samples", () => {
  it('are what the checks give for the ready snapshot', () => {
    expect(readyReadiness()).toEqual(evaluateReadiness(readySnapshot()));
  });

  it('are what the checks give for the staging cluster of the sign-off document', () => {
    expect(stagingReadiness()).toEqual(evaluateReadiness(stagingAsSignedOff()));
  });
});
