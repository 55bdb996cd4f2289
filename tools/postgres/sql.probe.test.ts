import { describe, expect, it } from 'vitest';
import { computeDataRto, computeRpo } from '../../scenarios/data-loss.ts';
import { LABELS } from '../../scenarios/ports.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { SteadyWriteProbe, type ProbeTransport } from './sql.probe.ts';
import { FakeClock } from '../../scenarios/testing/fake-clock.ts';

/** An in-memory store: fails every operation while `down`, and can "restore" to an older state. */
class FakeStore implements ProbeTransport {
  readonly description = 'fake store';
  down = false;
  rows = new Set<number>();
  async prepare(): Promise<void> {}
  async write(_run: string, seq: number): Promise<void> {
    if (this.down) throw new Error('connection refused');
    this.rows.add(seq);
  }
  async read(): Promise<void> {
    if (this.down) throw new Error('connection refused');
  }
  /** readBack attempts that still fail after `down` was cleared (a database coming back slowly). */
  comesBackAfterReads = 0;
  async readBack(): Promise<Set<number>> {
    if (this.comesBackAfterReads > 0) {
      this.comesBackAfterReads--;
      if (this.comesBackAfterReads === 0) this.down = false;
    }
    if (this.down) throw new Error('connection refused');
    return new Set(this.rows);
  }
  async close(): Promise<void> {}
  /** Keep only writes up to and including `seq` (a restore to an older point). */
  restoreTo(seq: number): void {
    this.rows = new Set([...this.rows].filter((s) => s <= seq));
  }
}

const labels = { [LABELS.runId]: 'run-1' };

describe('SteadyWriteProbe', () => {
  it('records every acknowledged write; with no fault nothing is lost and RTO is 0', async () => {
    const clock = new FakeClock();
    const store = new FakeStore();
    const probe = await new SteadyWriteProbe(store, { clock, intervalMs: 50 }).start({ labels });
    await waitFor(clock, condition('20 writes acked', async () => ({ ok: probe.acknowledged >= 20, value: probe.acknowledged })), { timeoutMs: 60_000, intervalMs: 10 });
    const report = await probe.stop();
    expect(report.writes.length).toBeGreaterThanOrEqual(20);
    expect(report.writes.every((w) => w.survived)).toBe(true);
    expect(report.outages).toEqual([]);
    expect(computeRpo(report).lostWrites).toBe(0);
    expect(computeDataRto(report, clock.now())).toBe(0);
  });

  it('measures the outage, the lost writes after a restore to an older point, and the recovery time', async () => {
    const clock = new FakeClock();
    const store = new FakeStore();
    const probe = await new SteadyWriteProbe(store, { clock, intervalMs: 50 }).start({ labels });
    await waitFor(clock, condition('30 writes', async () => ({ ok: probe.acknowledged >= 30, value: probe.acknowledged })), { timeoutMs: 60_000, intervalMs: 10 });
    const keptUpTo = 20;
    const faultAt = clock.now();
    store.down = true;
    await waitFor(clock, condition('probe sees the outage', async () => ({ ok: probe.failing, value: probe.failing })), { timeoutMs: 60_000, intervalMs: 10 });
    await clock.sleep(2_000);
    store.restoreTo(keptUpTo); // the "restore" brings back an older state
    store.down = false;
    const before = probe.acknowledged;
    await waitFor(clock, condition('writes succeed again', async () => ({ ok: probe.acknowledged > before + 5, value: probe.acknowledged })), { timeoutMs: 60_000, intervalMs: 10 });
    const report = await probe.stop();

    expect(report.outages).toHaveLength(1);
    const outage = report.outages[0]!;
    expect(outage.fromMs).toBeGreaterThanOrEqual(faultAt);
    expect(outage.toMs - outage.fromMs).toBeGreaterThanOrEqual(2_000);
    const lost = report.writes.filter((w) => !w.survived);
    expect(lost.length).toBe(before - keptUpTo);
    expect(lost.every((w) => w.seq > keptUpTo)).toBe(true);
    const rpo = computeRpo(report);
    const anchor = report.writes.find((w) => w.seq === keptUpTo)!;
    expect(rpo.valueMs).toBe(Math.round(lost.at(-1)!.ackAtMs - anchor.ackAtMs));
    expect(report.recoveredAtMs).toBe(outage.toMs);
    expect(computeDataRto(report, faultAt)).toBe(Math.round(outage.toMs - faultAt));
    // attempted writes include the failed ones, which are never counted as acknowledged
    expect(report.writesAttempted).toBeGreaterThan(report.writes.length);
  });

  it('reports recoveredAtMs null when the store is still down at stop, and reads back once it returns', async () => {
    const clock = new FakeClock();
    const store = new FakeStore();
    const probe = await new SteadyWriteProbe(store, { clock, intervalMs: 50, readBackTimeoutMs: 60_000 }).start({ labels });
    await waitFor(clock, condition('5 writes', async () => ({ ok: probe.acknowledged >= 5, value: probe.acknowledged })), { timeoutMs: 60_000, intervalMs: 10 });
    store.down = true;
    await waitFor(clock, condition('failing', async () => ({ ok: probe.failing, value: probe.failing })), { timeoutMs: 60_000, intervalMs: 10 });
    store.comesBackAfterReads = 3;
    const report = await probe.stop();
    expect(report.recoveredAtMs).toBeNull();
    expect(computeDataRto(report, 0)).toBeNull();
    expect(report.writes.every((w) => w.survived)).toBe(true);
  });

  it('never writes more than maxWrites', async () => {
    const clock = new FakeClock();
    const store = new FakeStore();
    const probe = await new SteadyWriteProbe(store, { clock, intervalMs: 1, maxWrites: 7 }).start({ labels });
    await waitFor(clock, condition('7 writes', async () => ({ ok: probe.acknowledged >= 7, value: probe.acknowledged })), { timeoutMs: 60_000, intervalMs: 10 });
    await clock.sleep(100);
    const report = await probe.stop();
    expect(report.writesAttempted).toBe(7);
  });
});
