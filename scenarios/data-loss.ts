// RPO and data-side RTO from what the data probe saw. Pure.
import type { DataProbeReport } from './ports.ts';

export interface Rpo {
  /** Span of acknowledged writes that were lost (ms). 0 when nothing was lost. */
  valueMs: number;
  lostWrites: number;
  acknowledgedWrites: number;
}

/**
 * Lost = acknowledged but not read back. The RPO spans from the last write that survived before the first lost
 * one (the recovery point) to the acknowledgement of the last lost write; with no survivor before, from the
 * first lost write's acknowledgement.
 */
export function computeRpo(report: Pick<DataProbeReport, 'writes'>): Rpo {
  const writes = [...report.writes].sort((a, b) => a.ackAtMs - b.ackAtMs || a.seq - b.seq);
  const lost = writes.filter((w) => !w.survived);
  if (lost.length === 0) return { valueMs: 0, lostWrites: 0, acknowledgedWrites: writes.length };
  const firstLost = lost[0]!;
  const lastLost = lost[lost.length - 1]!;
  let recoveryPoint = firstLost.ackAtMs;
  for (const w of writes) {
    if (w.ackAtMs > firstLost.ackAtMs || (w.ackAtMs === firstLost.ackAtMs && w.seq >= firstLost.seq)) break;
    if (w.survived) recoveryPoint = w.ackAtMs;
  }
  return { valueMs: Math.max(0, lastLost.ackAtMs - recoveryPoint), lostWrites: lost.length, acknowledgedWrites: writes.length };
}

/** Fault start -> writes and reads succeed again, as the data probe saw it. Null when it never recovered. */
export function computeDataRto(report: Pick<DataProbeReport, 'recoveredAtMs' | 'outages'>, faultAtMs: number): number | null {
  if (report.recoveredAtMs === null) return null;
  const hadOutage = report.outages.some((o) => o.toMs >= faultAtMs);
  if (!hadOutage) return 0;
  return Math.max(0, report.recoveredAtMs - faultAtMs);
}
