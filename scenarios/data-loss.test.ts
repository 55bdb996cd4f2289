import { describe, expect, it } from 'vitest';
import { computeDataRto, computeRpo, dataMeasurements, dataRtoObjective, lostRanges, rpoObjective } from './data-loss.ts';
import { InvalidInputError } from './errors.ts';
import type { AckedWrite } from './ports.ts';

/** seq i acknowledged at 1000 + 100*i; `lost` lists the sequence numbers not read back. */
function writes(count: number, lost: number[] = []): AckedWrite[] {
  const gone = new Set(lost);
  return Array.from({ length: count }, (_, i) => ({ seq: i + 1, ackAtMs: 1000 + 100 * (i + 1), survived: !gone.has(i + 1) }));
}

describe('computeRpo', () => {
  it('is zero with nothing lost', () => {
    expect(computeRpo({ writes: writes(10) })).toEqual({ valueMs: 0, lostWrites: 0, acknowledgedWrites: 10 });
  });

  it('is zero without any write', () => {
    expect(computeRpo({ writes: [] })).toEqual({ valueMs: 0, lostWrites: 0, acknowledgedWrites: 0 });
  });

  it('spans from the last surviving write before the first lost one to the last lost write', () => {
    // seq 6 survived (ack 1600); 7..10 lost, last lost ack 2000
    expect(computeRpo({ writes: writes(10, [7, 8, 9, 10]) })).toEqual({ valueMs: 400, lostWrites: 4, acknowledgedWrites: 10 });
  });

  it('anchors on the first lost write when no earlier write survived', () => {
    // 1..3 lost: 1100 -> 1300
    expect(computeRpo({ writes: writes(5, [1, 2, 3]) })).toEqual({ valueMs: 200, lostWrites: 3, acknowledgedWrites: 5 });
  });

  it('a single lost write with a survivor before it spans the gap to that survivor', () => {
    expect(computeRpo({ writes: writes(5, [3]) }).valueMs).toBe(100);
  });

  it('a single lost first write spans zero but still counts', () => {
    expect(computeRpo({ writes: writes(5, [1]) })).toEqual({ valueMs: 0, lostWrites: 1, acknowledgedWrites: 5 });
  });

  it('covers scattered losses up to the last lost write, counting only lost ones', () => {
    // first lost 3 (anchor seq 2 at 1200), last lost 9 at 1900; survivors in between do not shrink the span
    expect(computeRpo({ writes: writes(10, [3, 4, 9]) })).toEqual({ valueMs: 700, lostWrites: 3, acknowledgedWrites: 10 });
  });

  it('orders by acknowledgement time, not by the order in the report', () => {
    const shuffled = writes(10, [7, 8, 9, 10]).reverse();
    expect(computeRpo({ writes: shuffled }).valueMs).toBe(400);
  });

  it('rounds to whole milliseconds', () => {
    const w: AckedWrite[] = [
      { seq: 1, ackAtMs: 10.2, survived: true },
      { seq: 2, ackAtMs: 20.9, survived: false },
    ];
    expect(computeRpo({ writes: w }).valueMs).toBe(11);
  });

  it('rejects a report with a non-finite ack time or a duplicated seq', () => {
    expect(() => computeRpo({ writes: [{ seq: 1, ackAtMs: Number.NaN, survived: true }] })).toThrow(InvalidInputError);
    expect(() =>
      computeRpo({
        writes: [
          { seq: 1, ackAtMs: 1, survived: true },
          { seq: 1, ackAtMs: 2, survived: false },
        ],
      }),
    ).toThrow(/appears twice/);
  });
});

describe('computeDataRto', () => {
  it('is the time from fault start to recovery', () => {
    expect(computeDataRto({ recoveredAtMs: 5_250.4 }, 1_000)).toBe(4_250);
  });
  it('is null when writes and reads never succeeded again', () => {
    expect(computeDataRto({ recoveredAtMs: null }, 1_000)).toBeNull();
  });
  it('is zero when nothing failed after the fault', () => {
    expect(computeDataRto({ recoveredAtMs: 10 }, 1_000)).toBe(0);
  });
  it('rejects a non-finite fault time', () => {
    expect(() => computeDataRto({ recoveredAtMs: 10 }, Number.POSITIVE_INFINITY)).toThrow(InvalidInputError);
  });
});

describe('lostRanges', () => {
  it('groups consecutive lost sequence numbers', () => {
    expect(lostRanges({ writes: writes(10, [3, 4, 9]) })).toEqual([
      { fromSeq: 3, toSeq: 4, count: 2, fromAckMs: 1300, toAckMs: 1400 },
      { fromSeq: 9, toSeq: 9, count: 1, fromAckMs: 1900, toAckMs: 1900 },
    ]);
  });
  it('is empty when nothing was lost', () => {
    expect(lostRanges({ writes: writes(3) })).toEqual([]);
  });
});

describe('objectives', () => {
  it('RPO objective met below the limit, not met at or above it, with the reason', () => {
    const rpo = computeRpo({ writes: writes(10, [7, 8, 9, 10]) });
    expect(rpoObjective(rpo, 300_000)).toMatchObject({ name: 'rpo', met: true, measured: 400, statement: 'RPO < 300 s' });
    const tight = rpoObjective(rpo, 400);
    expect(tight.met).toBe(false);
    expect(tight.reason).toContain('4 of 10 acknowledged writes lost');
  });
  it('RPO objective is unmeasured (null) without a report', () => {
    expect(rpoObjective(null, 1000).met).toBeNull();
  });
  it('RTO objective judges the data-view RTO', () => {
    expect(dataRtoObjective(899_999, 900_000).met).toBe(true);
    expect(dataRtoObjective(900_000, 900_000)).toMatchObject({ met: false, statement: 'RTO < 900 s' });
    expect(dataRtoObjective(null, 900_000).met).toBeNull();
  });
});

describe('dataMeasurements', () => {
  it('bundles RPO and the data-view RTO for the journal', () => {
    const report = { writesAttempted: 12, writes: writes(10, [9, 10]), outages: [{ fromMs: 2_100, toMs: 4_000 }], recoveredAtMs: 4_000 };
    expect(dataMeasurements(report, 2_050)).toEqual({ rpo: { valueMs: 200, lostWrites: 2, acknowledgedWrites: 10 }, rtoMs: 1_950 });
  });
});
