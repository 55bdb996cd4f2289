// Realistic journals for report tests and the bench: a load series (1 sample/s) around a fault, the six
// phases with timed runbook steps, RTO/RPO measured against objectives (met and not met), findings.
// Deterministic: the same options give the same journal (seeded PRNG), so snapshots and numbers are stable.
import type { Evidence, Finding, Journal, ObjectiveResult, PhaseRecord, RunStatus, StepRecord, Verdict } from '../../scenarios/journal.ts';
import type { AckedWrite, LoadResult, LoadSample } from '../../scenarios/ports.ts';
import { buildSuiteReport, type SuiteReport } from '../suite-report.ts';
import type { ReadinessResult } from '../../scenarios/decision.ts';

export interface SampleJournalOptions {
  scenarioId?: string;
  title?: string;
  runId?: string;
  suite?: string;
  startedAtWall?: string;
  seed?: number;
  /** Time from injection to recovery. */
  rtoMs?: number;
  rtoObjectiveMs?: number;
  /** Acknowledged writes lost; 0 = none. */
  lostWrites?: number;
  rpoObjectiveMs?: number;
  /** Steady-state p95 (ms). */
  baseP95Ms?: number;
  /** Steady state deviated before injection: the run aborts before the fault. */
  abortBeforeInject?: boolean;
  runbookRef?: string;
  findings?: Finding[];
  /** Extra evidence planted in the recover phase's first step (canary tests). */
  extraEvidence?: Evidence[];
  rps?: number;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const step = (name: string, startMs: number, endMs: number, evidence: Evidence[] = [], status: StepRecord['status'] = 'passed'): StepRecord => ({ name, startMs, endMs, status, evidence });

export function sampleJournal(options: SampleJournalOptions = {}): Journal {
  const o = {
    scenarioId: 'backend-pod-kill',
    title: 'Backend pod killed under load',
    runId: 'run-20260307-0200',
    suite: 'nightly',
    startedAtWall: '2026-03-07T02:00:00.000Z',
    seed: 1,
    rtoMs: 18_000,
    rtoObjectiveMs: 300_000,
    lostWrites: 0,
    rpoObjectiveMs: 300_000,
    baseP95Ms: 120,
    abortBeforeInject: false,
    runbookRef: 'ROLLBACK.md §2',
    findings: [] as Finding[],
    extraEvidence: [] as Evidence[],
    rps: 40,
    ...options,
  };
  const rnd = prng(o.seed);
  const steadyEnd = 30_000;
  const injectAt = steadyEnd + 500;
  const detectAt = injectAt + Math.min(o.rtoMs / 3, 45_000) + Math.round(rnd() * 2000);
  const recoveredAt = injectAt + o.rtoMs;
  const verifyEnd = recoveredAt + 20_000;
  const revertEnd = verifyEnd + 3_000;
  const endMs = o.abortBeforeInject ? steadyEnd : revertEnd;

  // Load: 1 sample per second; during the outage errors climb and p95 rises, then settle back.
  const series: LoadSample[] = [];
  let requests = 0;
  let errors = 0;
  const p95s: number[] = [];
  for (let t = 0; t < endMs; t += 1000) {
    const n = Math.round(o.rps * (0.9 + rnd() * 0.2));
    const inOutage = !o.abortBeforeInject && t >= injectAt && t < recoveredAt;
    const settling = !o.abortBeforeInject && t >= recoveredAt && t < recoveredAt + 8000;
    const deviating = o.abortBeforeInject && t > steadyEnd / 2;
    const errShare = inOutage ? 0.25 + rnd() * 0.35 : settling ? 0.01 * rnd() : deviating ? 0.05 + rnd() * 0.05 : rnd() < 0.03 ? 1 / n : 0;
    const e = Math.round(n * errShare);
    const p95 = inOutage ? o.baseP95Ms * (3 + rnd() * 4) : settling ? o.baseP95Ms * (1.5 + rnd()) : o.baseP95Ms * (0.85 + rnd() * 0.3) * (deviating ? 2.5 : 1);
    series.push({ atMs: t, requests: n, errors: e, p95Ms: Math.round(p95) });
    requests += n;
    errors += e;
    p95s.push(p95);
  }
  const sorted = [...p95s].sort((a, b) => a - b);
  const pct = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  const errorRate = requests ? errors / requests : 0;
  const thresholds = [
    { name: 'p95<200ms', limit: 200, actual: pct(0.95), ok: pct(0.95) < 200 },
    { name: 'p99<500ms', limit: 500, actual: pct(0.99), ok: pct(0.99) < 500 },
    { name: 'errors<0.1%', limit: 0.001, actual: Number(errorRate.toFixed(5)), ok: errorRate < 0.001 },
  ];
  const load: LoadResult = {
    profile: 'background',
    requests,
    errorRate,
    rps: requests / (endMs / 1000),
    p50Ms: pct(0.5),
    p95Ms: pct(0.95),
    p99Ms: pct(0.99),
    thresholds,
    passed: thresholds.every((t) => t.ok),
    series,
  };

  // Data probe: one acknowledged write every 2 s; the last `lostWrites` before injection did not survive.
  const writes: AckedWrite[] = [];
  for (let t = 1000, seq = 1; t < endMs; t += 2000, seq++) {
    if (!o.abortBeforeInject && t >= injectAt && t < recoveredAt) continue;
    writes.push({ seq, ackAtMs: t, survived: true });
  }
  const beforeInject = writes.filter((w) => w.ackAtMs < injectAt);
  const lost = beforeInject.slice(Math.max(0, beforeInject.length - o.lostWrites));
  const lostSeqs = new Set(lost.map((w) => w.seq));
  const finalWrites = writes.map((w) => (lostSeqs.has(w.seq) ? { ...w, survived: false } : w));
  const rpoMs = lost.length ? injectAt - (lost[0]?.ackAtMs ?? injectAt) : 0;

  const phases: PhaseRecord[] = [
    {
      name: 'steady-state-before',
      startMs: 0,
      endMs: steadyEnd,
      status: o.abortBeforeInject ? 'failed' : 'passed',
      steps: [
        step('backend /api/health 200', 0, 1200, [{ kind: 'metric', label: 'status', value: 200 }]),
        step(`p95 below 200 ms for 30 s`, 1200, steadyEnd, [{ kind: 'metric', label: 'p95Ms', value: o.abortBeforeInject ? 310 : Math.round(o.baseP95Ms) }], o.abortBeforeInject ? 'failed' : 'passed'),
      ],
    },
  ];
  if (!o.abortBeforeInject) {
    const recoverSteps = [
      step('kubectl rollout undo deployment/backend', detectAt + 1000, detectAt + 4000, [
        { kind: 'command', label: 'command', value: ['kubectl', 'rollout', 'undo', 'deployment/backend', '-n', 'gravl'] },
        ...o.extraEvidence,
      ]),
      step('wait: backend pods Ready', detectAt + 4000, recoveredAt - 500, [{ kind: 'text', label: 'condition', value: 'deployment/backend 3/3 Ready' }]),
    ];
    phases.push(
      { name: 'inject', startMs: steadyEnd, endMs: injectAt + 500, status: 'passed', steps: [step('inject pod-kill app=backend', steadyEnd, injectAt + 500, [{ kind: 'manifest', label: 'fault', value: { kind: 'pod-kill', selector: 'app=backend' } }])] },
      { name: 'detect', startMs: injectAt + 500, endMs: detectAt, status: 'passed', steps: [step('alert BackendDown firing', injectAt + 500, detectAt, [{ kind: 'text', label: 'alert', value: 'BackendDown (severity=critical)' }])] },
      { name: 'recover', startMs: detectAt, endMs: recoveredAt, status: 'passed', steps: recoverSteps },
      { name: 'verify', startMs: recoveredAt, endMs: verifyEnd, status: 'passed', steps: [step('steady state holds again', recoveredAt, verifyEnd)] },
      { name: 'revert', startMs: verifyEnd, endMs: revertEnd, status: 'passed', steps: [step('revert fault (no-op: runbook repaired it)', verifyEnd, revertEnd)] },
    );
  }

  const rtoMet = o.rtoMs < o.rtoObjectiveMs;
  const rpoMet = rpoMs < o.rpoObjectiveMs;
  const objectives: ObjectiveResult[] = o.abortBeforeInject
    ? [{ name: 'rto', statement: `RTO < ${o.rtoObjectiveMs / 1000} s`, limit: o.rtoObjectiveMs, measured: null, unit: 'ms', met: null, reason: 'not measured: the run aborted before injection' }]
    : [
        { name: 'rto', statement: `RTO < ${o.rtoObjectiveMs / 1000} s`, limit: o.rtoObjectiveMs, measured: o.rtoMs, unit: 'ms', met: rtoMet, reason: `measured ${(o.rtoMs / 1000).toFixed(1)} s (data-probe)` },
        { name: 'rpo', statement: `RPO < ${o.rpoObjectiveMs / 1000} s`, limit: o.rpoObjectiveMs, measured: rpoMs, unit: 'ms', met: rpoMet, reason: `${lost.length} acknowledged writes lost over ${(rpoMs / 1000).toFixed(1)} s` },
        { name: 'detection', statement: 'detected < 120 s', limit: 120_000, measured: detectAt - injectAt, unit: 'ms', met: detectAt - injectAt < 120_000, reason: 'alert fired' },
      ];
  const status: RunStatus = o.abortBeforeInject ? 'aborted' : 'completed';
  const verdict: Verdict = o.abortBeforeInject ? 'inconclusive' : objectives.every((x) => x.met === true) ? 'met' : 'not-met';
  return {
    schemaVersion: 1,
    runId: o.runId,
    suite: o.suite,
    scenario: { id: o.scenarioId, title: o.title, runbookRef: o.runbookRef, tags: ['k8s', 'rollback'], destructive: true },
    target: { name: 'drillbook-kind', context: 'kind-drillbook', provider: 'kind' },
    startedAtWall: o.startedAtWall,
    durationMs: endMs,
    status,
    deviated: o.abortBeforeInject,
    verdict,
    phases,
    faults: o.abortBeforeInject ? [] : [{ id: 'f1', spec: { kind: 'pod-kill', selector: 'app=backend' }, injectedAtMs: injectAt, revertedAtMs: revertEnd }],
    measurements: {
      detectionMs: o.abortBeforeInject ? null : detectAt - injectAt,
      rto: o.abortBeforeInject ? null : { valueMs: o.rtoMs, source: 'data-probe' },
      rtoCandidates: o.abortBeforeInject ? {} : { 'data-probe': o.rtoMs, load: o.rtoMs + 1200 },
      rpo: o.abortBeforeInject ? null : { valueMs: rpoMs, lostWrites: lost.length, acknowledgedWrites: finalWrites.length },
    },
    objectives,
    load,
    data: { writesAttempted: finalWrites.length + 3, writes: finalWrites, outages: o.abortBeforeInject ? [] : [{ fromMs: injectAt, toMs: recoveredAt }], recoveredAtMs: o.abortBeforeInject ? null : recoveredAt },
    findings: o.findings,
    ...(o.abortBeforeInject ? { error: { name: 'SteadyStateDeviatedError', message: 'p95 310 ms above 200 ms before injection', hint: 'Fix the steady state (is the cluster overloaded?) and re-run.' } } : {}),
  };
}

/** The scenarios of a typical rollback drill, with one RTO miss and one RPO miss. */
export function sampleDrillJournals(runId = 'run-20260307-0200', startedAtWall = '2026-03-07T02:00:00.000Z', seed = 1): Journal[] {
  const common = { runId, startedAtWall, suite: 'rollback-drill' };
  return [
    sampleJournal({ ...common, seed, scenarioId: 'backend-pod-kill', title: 'Backend pod killed under load', rtoMs: 18_000 + seed * 100 }),
    sampleJournal({
      ...common,
      seed: seed + 1,
      scenarioId: 'postgres-restore',
      title: 'PostgreSQL restored from the nightly backup',
      rtoMs: 1_140_000,
      rtoObjectiveMs: 900_000,
      lostWrites: 0,
      baseP95Ms: 95,
      runbookRef: 'DISASTER_RECOVERY_COMPLETION.md §3',
      findings: [
        { severity: 'runbook-defect', title: 'pg_restore step needs --clean', detail: 'Restoring into the existing database fails on duplicate keys without --clean --if-exists.', runbookRef: 'ROLLBACK.md §4.2' },
        { severity: 'warning', title: 'Backup takes 11 min', detail: 'The restore window alone uses most of the RTO budget.' },
      ],
    }),
    sampleJournal({ ...common, seed: seed + 2, scenarioId: 'db-failover', title: 'Primary database lost, replica promoted', rtoMs: 95_000, lostWrites: 6, rpoObjectiveMs: 5_000, runbookRef: 'DISASTER_RECOVERY_COMPLETION.md §5' }),
    sampleJournal({ ...common, seed: seed + 3, scenarioId: 'frontend-rollback', title: 'Frontend rolled back to the previous image', rtoMs: 42_000, abortBeforeInject: seed % 5 === 4 }),
  ];
}

/** A complete suite report: the drill journals plus readiness results. */
export function sampleSuiteReport(options: { runId?: string; startedAtWall?: string; seed?: number; suite?: string; readiness?: readonly ReadinessResult[]; journals?: Journal[] } = {}): SuiteReport {
  const runId = options.runId ?? 'run-20260307-0200';
  const startedAtWall = options.startedAtWall ?? '2026-03-07T02:00:00.000Z';
  return buildSuiteReport({
    suite: options.suite ?? 'signoff',
    runId,
    startedAtWall,
    journals: options.journals ?? sampleDrillJournals(runId, startedAtWall, options.seed ?? 1),
    readiness: options.readiness ?? [],
  });
}

/** N nightly runs, one a day, with the backend RTO slowly regressing in the last three (to show in trends). */
export function sampleNightlyHistory(n: number, start = Date.parse('2026-02-01T02:00:00.000Z')): SuiteReport[] {
  const out: SuiteReport[] = [];
  for (let i = 0; i < n; i++) {
    const startedAtWall = new Date(start + i * 86_400_000).toISOString();
    const runId = `nightly-${startedAtWall.slice(0, 10).replaceAll('-', '')}-${String(i).padStart(3, '0')}`;
    const regress = i >= n - 3 ? (i - (n - 4)) * 25_000 : 0;
    const journals = [
      sampleJournal({ runId, startedAtWall, seed: 100 + i, suite: 'nightly', scenarioId: 'backend-pod-kill', title: 'Backend pod killed under load', rtoMs: 16_000 + ((i * 7919) % 5000) + regress, baseP95Ms: 110 + (i % 4) * 6 + regress / 2500 }),
      sampleJournal({ runId, startedAtWall, seed: 200 + i, suite: 'nightly', scenarioId: 'frontend-rollback', title: 'Frontend rolled back to the previous image', rtoMs: 30_000 + ((i * 104729) % 9000) }),
    ];
    out.push(buildSuiteReport({ suite: 'nightly', runId, startedAtWall, journals }));
  }
  return out;
}
