// Waiting for a container's own HEALTHCHECK (docker inspect's State.Health.Status) to say healthy.
import { systemClock } from '../../scenarios/clock.ts';
import { condition, waitFor } from '../../scenarios/wait.ts';
import { run } from './exec.ts';

export async function waitForHealthy(container: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  await waitFor(
    systemClock,
    condition(`${container} healthy`, async () => {
      const status = (await run('docker', ['inspect', '--format', '{{.State.Health.Status}}', container], { signal: options.signal })).stdout.trim();
      return { ok: status === 'healthy', value: status };
    }),
    { timeoutMs: options.timeoutMs, intervalMs: 500, ...(options.signal ? { signal: options.signal } : {}) },
  );
}
