// A load result's thresholds follow its numbers: each was measured and judged exactly against its limit, the run
// passed iff all held, and k6 exited 0 on a pass and 99 (thresholds crossed) otherwise. Tests on this shared 2-core
// machine assert this instead of "p95 < 200 ms held" (a timing); `npm run bench -- k6` prints the latencies.
import { expect } from 'vitest';
import type { LoadResult } from '../../../scenarios/ports.ts';

export function expectThresholdsFollowNumbers(result: LoadResult & { k6?: { exitCode: number | null } }): void {
  expect(result.thresholds.length).toBeGreaterThan(0);
  for (const t of result.thresholds) {
    expect(t.actual, `${t.name}: not measured`).not.toBeNull();
    expect(Number.isFinite(t.actual), t.name).toBe(true);
    const above = t.name.includes('>');
    expect(t.ok, `${t.name}: measured ${t.actual}, limit ${t.limit}`).toBe(above ? t.actual! > t.limit : t.actual! < t.limit);
  }
  expect(result.passed).toBe(result.thresholds.every((t) => t.ok));
  if (result.k6) expect(result.k6.exitCode).toBe(result.passed ? 0 : 99);
}
