import { describe, expect, it } from 'vitest';
import { DrillbookError, InterruptedError } from '../../scenarios/errors.ts';
import { systemClock } from '../../scenarios/clock.ts';
import { BackupIntegrityError, StepTimedOutError } from './postgres.errors.ts';
import { StepRecorder, unwrap } from './step-recorder.ts';
import { FakeClock } from '../../scenarios/testing/fake-clock.ts';

describe('StepRecorder', () => {
  it('records passed steps with timing, timeout and evidence', async () => {
    const clock = new FakeClock();
    clock.advance(100);
    const result = await new StepRecorder(clock).procedure(async (rec) => {
      await rec.step('dump', 5_000, async (ctx) => {
        clock.advance(250);
        ctx.evidence('metric', 'size bytes', 42);
      });
      return 'done';
    });
    expect(result.ok).toBe(true);
    expect(unwrap(result)).toBe('done');
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]).toMatchObject({ name: 'dump', startMs: 100, endMs: 350, status: 'passed', timeoutMs: 5_000 });
    expect(result.steps[0]!.evidence[0]).toMatchObject({ kind: 'metric', label: 'size bytes', value: 42, atMs: 350 });
  });

  it('a failed integrity check is a failed step; later steps do not run; the error is returned, not thrown', async () => {
    let ranAfter = false;
    const result = await new StepRecorder(new FakeClock()).procedure(async (rec) => {
      await rec.step('verify', 1_000, async () => {
        throw new BackupIntegrityError('k', ['truncated: 10 of 20 bytes']);
      });
      ranAfter = true;
    });
    expect(ranAfter).toBe(false);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(BackupIntegrityError);
    expect(result.steps[0]).toMatchObject({ status: 'failed', error: { name: 'BackupIntegrityError' } });
    expect(result.steps[0]!.error!.message).toContain('truncated');
    expect(() => unwrap(result)).toThrow(BackupIntegrityError);
  });

  it('a step past its timeout is errored with StepTimedOutError, even if it ignores its signal', async () => {
    const result = await new StepRecorder(systemClock).procedure(async (rec) => {
      await rec.step('stuck', 20, () => new Promise<void>(() => undefined));
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(StepTimedOutError);
    expect(result.steps[0]).toMatchObject({ name: 'stuck', status: 'errored', timeoutMs: 20 });
  });

  it('an aborted procedure signal marks the step interrupted', async () => {
    const controller = new AbortController();
    const result = await new StepRecorder(systemClock, controller.signal).procedure(async (rec) => {
      await rec.step('long', 10_000, (ctx) => {
        setTimeout(() => controller.abort(new Error('SIGINT')), 5);
        return new Promise<void>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      });
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(InterruptedError);
    expect(result.steps[0]!.status).toBe('interrupted');
  });

  it('wraps a plain Error into a DrillbookError with the original as cause', async () => {
    const result = await new StepRecorder(new FakeClock()).procedure(async (rec) => {
      await rec.step('boom', 1_000, async () => {
        throw new TypeError('bad');
      });
    });
    if (result.ok) throw new Error('expected failure');
    expect(result.error).toBeInstanceOf(DrillbookError);
    expect(result.error.cause).toBeInstanceOf(TypeError);
    expect(result.steps[0]!.status).toBe('errored');
  });
});
