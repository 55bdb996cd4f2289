// The journal's schema: the shape the runner writes (scenarios/journal.ts), as data, so a journal read back from
// disk (`drillbook report`) is checked field by field before anything renders it. The type assertions at the
// bottom fail to compile when this schema and the Journal type drift apart.
import { z } from 'zod';
import { InvalidInputError } from './errors.ts';
import { issueLines } from './input.ts';
import { JOURNAL_SCHEMA_VERSION, PHASES, RUN_ID, type Journal } from './journal.ts';

const ms = z.number().finite();
const text = z.string();
const errorRecord = z.object({ name: text, message: text, hint: text.optional() });
const stepStatus = z.enum(['passed', 'failed', 'errored', 'skipped', 'interrupted']);
const evidence = z.object({ kind: z.enum(['text', 'json', 'command', 'metric', 'manifest', 'log']), label: text, value: z.unknown(), atMs: ms.optional() });
const step = z.object({ name: text, startMs: ms, endMs: ms, status: stepStatus, timeoutMs: ms.optional(), evidence: z.array(evidence), error: errorRecord.optional() });
const phase = z.object({ name: z.enum(PHASES), startMs: ms, endMs: ms, status: stepStatus, steps: z.array(step), error: errorRecord.optional() });
const faultSpec = z.looseObject({ kind: text });
const fault = z.object({ id: text, spec: faultSpec, injectedAtMs: ms, revertedAtMs: ms.optional(), revertError: errorRecord.optional() });
const finding = z.object({ severity: z.enum(['info', 'warning', 'runbook-defect']), title: text, detail: text, runbookRef: text.optional() });
const rtoSource = z.enum(['data-probe', 'load', 'verify']);
const measurements = z.object({
  detectionMs: ms.nullable(),
  rto: z.object({ valueMs: ms, source: rtoSource }).nullable(),
  rtoCandidates: z.partialRecord(rtoSource, ms),
  rpo: z.object({ valueMs: ms, lostWrites: z.int().min(0), acknowledgedWrites: z.int().min(0) }).nullable(),
});
const objective = z.object({
  name: z.enum(['rto', 'rpo', 'detection', 'load']),
  statement: text,
  limit: z.number().nullable(),
  measured: z.number().nullable(),
  unit: z.enum(['ms', 'bool']),
  met: z.boolean().nullable(),
  reason: text,
});
const threshold = z.object({ name: text, limit: z.number(), actual: z.number().nullable(), ok: z.boolean() });
const load = z.object({
  profile: text,
  requests: z.number().min(0),
  errorRate: z.number().min(0).max(1),
  rps: z.number().min(0),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  thresholds: z.array(threshold),
  passed: z.boolean(),
  series: z.array(z.object({ atMs: ms, requests: z.number(), errors: z.number(), p95Ms: z.number().nullable() })),
});
const data = z.object({
  writesAttempted: z.int().min(0),
  writes: z.array(z.object({ seq: z.number(), ackAtMs: ms, survived: z.boolean() })),
  outages: z.array(z.object({ fromMs: ms, toMs: ms })),
  recoveredAtMs: ms.nullable(),
});

export const journalSchema = z.object({
  schemaVersion: z.literal(JOURNAL_SCHEMA_VERSION),
  runId: z.string().regex(RUN_ID, 'a run id: 1-128 letters, digits, ".", "_" or "-"'),
  suite: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a suite name: letters, digits, ".", "_" or "-"').optional(),
  scenario: z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'a kebab-case scenario id'), title: text, runbookRef: text.optional(), tags: z.array(text), destructive: z.boolean() }),
  target: z.object({ name: text, context: text, provider: text }).optional(),
  startedAtWall: z.iso.datetime(),
  durationMs: ms.min(0),
  status: z.enum(['completed', 'aborted', 'failed', 'interrupted', 'not-run', 'skipped']),
  deviated: z.boolean(),
  verdict: z.enum(['met', 'not-met', 'inconclusive']),
  phases: z.array(phase),
  faults: z.array(fault),
  measurements,
  objectives: z.array(objective),
  load: load.optional(),
  data: data.optional(),
  findings: z.array(finding),
  error: errorRecord.optional(),
});

// Compile-time: the schema's output is a Journal, and a Journal passes the schema.
type Parsed = z.output<typeof journalSchema>;
type Writable<T> = T extends readonly (infer U)[] ? Writable<U>[] : T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;
export const _journalFitsSchema = (j: Writable<Journal>): z.input<typeof journalSchema> => j;
export const _schemaFitsJournal = (p: Parsed): Journal => p;

/** Checks one journal read from `source` (a file name): returns it typed, or throws naming the source and every bad field. */
export function parseJournal(raw: unknown, source: string): Journal {
  const result = journalSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const lines = issueLines(result.error.issues);
  const shown = lines.length > 12 ? [...lines.slice(0, 12), `… and ${lines.length - 12} more`] : lines;
  throw new InvalidInputError(`journal ${source}`, shown, { hint: 'a journal is what `drillbook run` writes (<run folder>/<scenario>.journal.json); nothing was written' });
}
