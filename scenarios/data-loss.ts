// Pure arithmetic over a DataProbeReport: how much acknowledged data a recovery lost (RPO) and when the data
// path worked again (RTO from the data view). No I/O, no clock: every instant comes from the report.
//
// RPO, as drillbook measures it from real writes:
//   lost      = acknowledged writes that were not read back after recovery
//   valueMs   = ack time of the last lost write
//               - ack time of the last write that survived before the first lost one
//                 (or the first lost write's own ack time when no earlier write survived)
//   plus the count of lost writes and of all acknowledged writes.
// RTO (data view) = DataProbeReport.recoveredAtMs - fault start.

import { InvalidInputError } from './errors.ts';
import type { ObjectiveResult } from './journal.ts';
import type { AckedWrite, DataProbeReport } from './ports.ts';

export interface RpoMeasurement {
  /** Span of lost acknowledged writes, whole milliseconds. 0 when nothing was lost. */
  readonly valueMs: number;
  readonly lostWrites: number;
  readonly acknowledgedWrites: number;
}

/** A run of consecutive lost sequence numbers, for evidence ("seq 412..498 lost"). */
export interface LostRange {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly count: number;
  readonly fromAckMs: number;
  readonly toAckMs: number;
}

function checkWrites(writes: readonly AckedWrite[]): void {
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const w of writes) {
    if (!Number.isFinite(w.ackAtMs)) problems.push(`write seq ${w.seq} has a non-finite ackAtMs (${w.ackAtMs})`);
    if (!Number.isSafeInteger(w.seq)) problems.push(`write seq ${w.seq} is not an integer`);
    if (seen.has(w.seq)) problems.push(`write seq ${w.seq} appears twice`);
    seen.add(w.seq);
    if (problems.length >= 5) break;
  }
  if (problems.length > 0) {
    throw new InvalidInputError('data probe report', problems, { hint: 'the probe must record each acknowledged write once, with its monotonic ack time' });
  }
}

/** Writes in acknowledgement order (ties broken by sequence number). */
function byAck(writes: readonly AckedWrite[]): AckedWrite[] {
  return [...writes].sort((a, b) => a.ackAtMs - b.ackAtMs || a.seq - b.seq);
}

export function computeRpo(report: Pick<DataProbeReport, 'writes'>): RpoMeasurement {
  checkWrites(report.writes);
  const ordered = byAck(report.writes);
  const firstLostIndex = ordered.findIndex((w) => !w.survived);
  if (firstLostIndex < 0) return { valueMs: 0, lostWrites: 0, acknowledgedWrites: ordered.length };
  let anchor = ordered[firstLostIndex]!;
  for (let i = firstLostIndex - 1; i >= 0; i--) {
    if (ordered[i]!.survived) {
      anchor = ordered[i]!;
      break;
    }
  }
  let lastLost = anchor;
  let lostWrites = 0;
  for (const w of ordered) {
    if (w.survived) continue;
    lostWrites++;
    lastLost = w;
  }
  return {
    valueMs: Math.max(0, Math.round(lastLost.ackAtMs - anchor.ackAtMs)),
    lostWrites,
    acknowledgedWrites: ordered.length,
  };
}

/** From fault start until writes and reads succeed again; null when they never did. 0 when nothing failed after the fault. */
export function computeDataRto(report: Pick<DataProbeReport, 'recoveredAtMs'>, faultAtMs: number): number | null {
  if (!Number.isFinite(faultAtMs)) throw new InvalidInputError('fault start', [`faultAtMs must be a finite number, got ${faultAtMs}`]);
  if (report.recoveredAtMs === null) return null;
  return Math.max(0, Math.round(report.recoveredAtMs - faultAtMs));
}

/** Consecutive runs of lost writes (by sequence number), for evidence. */
export function lostRanges(report: Pick<DataProbeReport, 'writes'>): LostRange[] {
  checkWrites(report.writes);
  const bySeq = [...report.writes].sort((a, b) => a.seq - b.seq);
  const ranges: LostRange[] = [];
  let current: { fromSeq: number; toSeq: number; count: number; fromAckMs: number; toAckMs: number } | null = null;
  for (const w of bySeq) {
    if (w.survived) {
      if (current) ranges.push(current);
      current = null;
      continue;
    }
    if (current && w.seq === current.toSeq + 1) {
      current.toSeq = w.seq;
      current.count++;
      current.fromAckMs = Math.min(current.fromAckMs, w.ackAtMs);
      current.toAckMs = Math.max(current.toAckMs, w.ackAtMs);
    } else {
      if (current) ranges.push(current);
      current = { fromSeq: w.seq, toSeq: w.seq, count: 1, fromAckMs: w.ackAtMs, toAckMs: w.ackAtMs };
    }
  }
  if (current) ranges.push(current);
  return ranges;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(3)} s`;
}

/** RPO objective: the span of lost writes must stay strictly below `limitMs`. */
export function rpoObjective(rpo: RpoMeasurement | null, limitMs: number): ObjectiveResult {
  const statement = `RPO < ${seconds(limitMs)}`;
  if (rpo === null) {
    return { name: 'rpo', statement, limit: limitMs, measured: null, unit: 'ms', met: null, reason: 'no data probe report: RPO could not be measured' };
  }
  const met = rpo.valueMs < limitMs;
  const what = `${rpo.lostWrites} of ${rpo.acknowledgedWrites} acknowledged writes lost, spanning ${rpo.valueMs} ms`;
  return {
    name: 'rpo',
    statement,
    limit: limitMs,
    measured: rpo.valueMs,
    unit: 'ms',
    met,
    reason: met ? `${what}; below the ${limitMs} ms objective` : `${what}; the objective allows less than ${limitMs} ms`,
  };
}

/** RTO objective on the data view: fault start -> writes and reads succeed again, strictly below `limitMs`. */
export function dataRtoObjective(rtoMs: number | null, limitMs: number): ObjectiveResult {
  const statement = `RTO < ${seconds(limitMs)}`;
  if (rtoMs === null) {
    return { name: 'rto', statement, limit: limitMs, measured: null, unit: 'ms', met: null, reason: 'writes and reads never succeeded again after the fault' };
  }
  const met = rtoMs < limitMs;
  return {
    name: 'rto',
    statement,
    limit: limitMs,
    measured: rtoMs,
    unit: 'ms',
    met,
    reason: met
      ? `writes and reads succeeded again ${rtoMs} ms after the fault; below the ${limitMs} ms objective`
      : `writes and reads succeeded again only ${rtoMs} ms after the fault; the objective allows less than ${limitMs} ms`,
  };
}

/** What a scenario puts in Journal.measurements from a data probe: the RPO and the data-view RTO candidate. */
export function dataMeasurements(report: DataProbeReport, faultAtMs: number): { rpo: RpoMeasurement; rtoMs: number | null } {
  return { rpo: computeRpo(report), rtoMs: computeDataRto(report, faultAtMs) };
}
