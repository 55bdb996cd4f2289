// RTO/RPO arithmetic and the verdict. Pure functions: the runner feeds them measurements.
import type { Objectives } from './define.ts';
import type { Measurements, ObjectiveResult, RtoSource, RunStatus, Verdict } from './journal.ts';
import type { LoadResult } from './ports.ts';

const RTO_PRECEDENCE: readonly RtoSource[] = ['data-probe', 'load', 'verify'];

/** The RTO the objective is judged on: the declared source, else the first measured in precedence order. */
export function chooseRto(
  candidates: Partial<Record<RtoSource, number>>,
  declared?: RtoSource,
): { valueMs: number; source: RtoSource } | null {
  if (declared) {
    const v = candidates[declared];
    return v === undefined ? null : { valueMs: v, source: declared };
  }
  for (const source of RTO_PRECEDENCE) {
    const v = candidates[source];
    if (v !== undefined) return { valueMs: v, source };
  }
  return null;
}

/** Objectives are strict upper bounds, as the runbooks write them ("RTO < 15 min"). */
export function evaluateObjectives(objectives: Objectives, m: Measurements, load?: LoadResult): ObjectiveResult[] {
  const results: ObjectiveResult[] = [];
  const bound = (name: 'rto' | 'rpo' | 'detection', label: string, limitS: number | undefined, measuredMs: number | null, extra = '') => {
    if (limitS === undefined) return;
    const limitMs = limitS * 1000;
    const statement = `${label} < ${limitS} s`;
    if (measuredMs === null) {
      results.push({ name, statement, limit: limitMs, measured: null, unit: 'ms', met: null, reason: `${label} could not be measured in this run${extra}` });
      return;
    }
    const met = measuredMs < limitMs;
    results.push({
      name,
      statement,
      limit: limitMs,
      measured: measuredMs,
      unit: 'ms',
      met,
      reason: `${label} ${(measuredMs / 1000).toFixed(3)} s ${met ? '<' : '≥'} ${limitS} s${extra}`,
    });
  };
  bound('rto', 'RTO', objectives.rtoSeconds, m.rto?.valueMs ?? null, m.rto ? ` (from ${m.rto.source})` : '');
  bound('rpo', 'RPO', objectives.rpoSeconds, m.rpo?.valueMs ?? null, m.rpo ? ` (${m.rpo.lostWrites} of ${m.rpo.acknowledgedWrites} acknowledged writes lost)` : '');
  bound('detection', 'Detection', objectives.detectionSeconds, m.detectionMs);
  if (objectives.loadThresholdsHold) {
    const failing = load?.thresholds.filter((t) => !t.ok).map((t) => t.name) ?? [];
    results.push({
      name: 'load',
      statement: 'load thresholds hold',
      limit: null,
      measured: null,
      unit: 'bool',
      met: load ? load.passed : null,
      reason: !load ? 'no load result' : load.passed ? 'all thresholds held' : `failed: ${failing.join(', ')}`,
    });
  }
  return results;
}

export function verdictOf(status: RunStatus, deviated: boolean, objectives: readonly ObjectiveResult[]): Verdict {
  if (status === 'failed' || status === 'interrupted' || status === 'not-run' || status === 'skipped') return 'inconclusive';
  if (deviated) return 'not-met';
  return objectives.every((o) => o.met === true) ? 'met' : 'not-met';
}
