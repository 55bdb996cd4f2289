import { run } from '../../tools/lib/exec.ts';

/** Names of containers (running or not) that still carry the run's id: a suite must leave none behind. */
export async function leftoverContainers(runId: string): Promise<string[]> {
  const { stdout } = await run('docker', ['ps', '-a', '--filter', `label=drillbook.io/run-id=${runId}`, '--format', '{{.Names}}']);
  return stdout.split('\n').filter(Boolean);
}
