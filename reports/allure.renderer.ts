// Allure results (allure-results/*.json, the format `allure generate` reads): one result per scenario with
// its phases as steps and steps as sub-steps, one per readiness check. Deterministic uuids from run + id, and a
// stable historyId per scenario/check so Allure's own history and trends line up across runs.
import { createHash } from 'node:crypto';
import type { Journal, StepStatus } from '../scenarios/journal.ts';
import type { ReadinessResult } from '../scenarios/decision.ts';
import { evidenceText, fmtDuration } from './format.ts';
import type { SuiteReport } from './suite-report.ts';

type AllureStatus = 'passed' | 'failed' | 'broken' | 'skipped';

export interface AllureFile {
  readonly name: string;
  readonly content: string;
}

const uuid = (...parts: string[]) => {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

const stepStatus = (s: StepStatus): AllureStatus => (s === 'passed' ? 'passed' : s === 'failed' ? 'failed' : s === 'skipped' ? 'skipped' : 'broken');

function scenarioResult(report: SuiteReport, j: Journal): object {
  const t0 = Date.parse(j.startedAtWall);
  const status: AllureStatus = j.status === 'not-run' || j.status === 'skipped' ? 'skipped' : j.status !== 'completed' ? 'broken' : j.verdict === 'met' ? 'passed' : 'failed';
  const missed = j.objectives.filter((o) => o.met !== true);
  return {
    uuid: uuid(report.runId, 'scenario', j.scenario.id),
    historyId: md5(`drillbook.${report.suite}.scenario.${j.scenario.id}`),
    testCaseId: md5(`scenario.${j.scenario.id}`),
    name: j.scenario.title,
    fullName: `drillbook.${report.suite}.${j.scenario.id}`,
    status,
    statusDetails: status === 'passed' ? {} : { message: j.error?.message ?? missed.map((o) => `${o.statement}: ${o.reason}`).join('; '), trace: j.error?.hint ?? '' },
    stage: 'finished',
    start: t0,
    stop: t0 + j.durationMs,
    labels: [
      { name: 'suite', value: report.suite },
      { name: 'parentSuite', value: 'drillbook' },
      { name: 'subSuite', value: 'scenarios' },
      { name: 'feature', value: j.scenario.runbookRef ?? j.scenario.id },
      ...j.scenario.tags.map((t) => ({ name: 'tag', value: t })),
    ],
    parameters: [
      { name: 'runId', value: report.runId },
      { name: 'RTO', value: fmtDuration(j.measurements.rto?.valueMs) },
      { name: 'RPO', value: j.measurements.rpo ? `${fmtDuration(j.measurements.rpo.valueMs)} (${j.measurements.rpo.lostWrites} lost)` : '—' },
      { name: 'p95', value: j.load?.p95Ms === null || j.load === undefined ? '—' : `${j.load.p95Ms} ms` },
    ],
    links: [],
    attachments: [],
    steps: j.phases.map((p) => ({
      name: p.name,
      status: stepStatus(p.status),
      stage: 'finished',
      start: t0 + p.startMs,
      stop: t0 + p.endMs,
      statusDetails: p.error ? { message: `${p.error.name}: ${p.error.message}` } : {},
      parameters: [],
      attachments: [],
      steps: p.steps.map((s) => ({
        name: s.name,
        status: stepStatus(s.status),
        stage: 'finished',
        start: t0 + s.startMs,
        stop: t0 + s.endMs,
        statusDetails: s.error ? { message: `${s.error.name}: ${s.error.message}` } : {},
        parameters: s.evidence.map((ev) => ({ name: ev.label, value: evidenceText(ev.value).slice(0, 500) })),
        attachments: [],
        steps: [],
      })),
    })),
  };
}

function readinessResult(report: SuiteReport, r: ReadinessResult): object {
  const t = Date.parse(report.startedAtWall);
  const status: AllureStatus = r.error ? 'broken' : r.status === 'PASS' ? 'passed' : r.status === 'FAIL' || r.blocking ? 'failed' : 'skipped';
  return {
    uuid: uuid(report.runId, 'readiness', r.id),
    historyId: md5(`drillbook.readiness.${r.id}`),
    testCaseId: md5(`readiness.${r.id}`),
    name: `${r.title}${r.blocking ? ' [blocking]' : ''}`,
    fullName: `drillbook.readiness.${r.id}`,
    status,
    statusDetails: r.status === 'PASS' ? {} : { message: `${r.status}: ${r.action ?? ''}`, trace: r.error ?? '' },
    stage: 'finished',
    start: t,
    stop: t,
    labels: [
      { name: 'suite', value: report.suite },
      { name: 'parentSuite', value: 'drillbook' },
      { name: 'subSuite', value: 'readiness' },
      { name: 'severity', value: r.blocking ? 'blocker' : 'normal' },
    ],
    parameters: [{ name: 'source', value: r.source }, ...r.evidence.map((ev) => ({ name: ev.label, value: evidenceText(ev.value).slice(0, 500) }))],
    links: [],
    attachments: [],
    steps: [],
  };
}

export function renderAllure(report: SuiteReport): AllureFile[] {
  const files: AllureFile[] = [];
  for (const j of report.journals) {
    const r = scenarioResult(report, j) as { uuid: string };
    files.push({ name: `${r.uuid}-result.json`, content: JSON.stringify(r) });
  }
  for (const c of report.readiness) {
    const r = readinessResult(report, c) as { uuid: string };
    files.push({ name: `${r.uuid}-result.json`, content: JSON.stringify(r) });
  }
  files.push({ name: 'environment.properties', content: `suite=${report.suite}\nrunId=${report.runId}\ndecision=${report.decision}\n` });
  files.push({ name: 'executor.json', content: JSON.stringify({ name: 'drillbook', type: 'drillbook', buildName: `${report.suite} ${report.runId}` }) });
  return files;
}
