// Inline SVG charts: a scenario's timeline (p95 latency and error rate per second, fault and recovery windows
// shaded, RTO marked) and a trend across stored runs. Plain strings, no library, no external asset.
import type { Journal } from '../scenarios/journal.ts';
import { escapeHtml, fmtDuration } from './format.ts';
import type { ScenarioTrend } from './history.store.ts';

const W = 760;
const H = 240;
const M = { left: 52, right: 52, top: 26, bottom: 34 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

const n = (v: number) => (Math.round(v * 10) / 10).toString();

function polyline(points: [number, number][], cls: string): string {
  if (points.length === 0) return '';
  return `<polyline class="${cls}" fill="none" points="${points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}"/>`;
}

/** Keeps at most `max` points by taking each bucket's worst (max) value, so spikes survive downsampling. */
function downsample<T>(items: readonly T[], max: number, worst: (a: T, b: T) => T): T[] {
  if (items.length <= max) return [...items];
  const size = Math.ceil(items.length / max);
  const out: T[] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size).reduce(worst));
  return out;
}

export function timelineChart(j: Journal, options: { p95LimitMs?: number } = {}): string {
  const series = j.load?.series ?? [];
  const endMs = Math.max(j.durationMs, (series.at(-1)?.atMs ?? 0) + 1000, 1000);
  const p95Limit = options.p95LimitMs ?? j.load?.thresholds.find((t) => t.name.startsWith('p95'))?.limit ?? null;
  const maxP95 = niceMax(Math.max(p95Limit ?? 0, ...series.map((s) => s.p95Ms ?? 0)) * 1.05);
  const errShare = (s: { requests: number; errors: number }) => (s.requests ? s.errors / s.requests : 0);
  const maxErr = niceMax(Math.max(0.01, ...series.map(errShare)));
  const x = (ms: number) => M.left + (ms / endMs) * PW;
  const yL = (v: number) => M.top + PH - (v / maxP95) * PH;
  const yR = (v: number) => M.top + PH - (v / maxErr) * PH;

  const parts: string[] = [];
  // windows
  const fault = j.faults[0];
  const detectEnd = j.phases.find((p) => p.name === 'detect')?.endMs;
  const recover = j.phases.find((p) => p.name === 'recover');
  if (fault) {
    const to = detectEnd ?? recover?.startMs ?? fault.revertedAtMs ?? endMs;
    parts.push(`<rect class="win-fault" x="${n(x(fault.injectedAtMs))}" y="${M.top}" width="${n(Math.max(1, x(to) - x(fault.injectedAtMs)))}" height="${PH}"><title>fault window: injected at ${fmtDuration(fault.injectedAtMs)}, detected at ${fmtDuration(to)}</title></rect>`);
  }
  if (recover) {
    parts.push(`<rect class="win-recovery" x="${n(x(recover.startMs))}" y="${M.top}" width="${n(Math.max(1, x(recover.endMs) - x(recover.startMs)))}" height="${PH}"><title>recovery window: ${fmtDuration(recover.startMs)} to ${fmtDuration(recover.endMs)} (${recover.status})</title></rect>`);
  }
  // grid and axes
  for (let i = 0; i <= 4; i++) {
    const y = M.top + (PH * i) / 4;
    parts.push(`<line class="grid" x1="${M.left}" x2="${M.left + PW}" y1="${n(y)}" y2="${n(y)}"/>`);
    parts.push(`<text class="axis" x="${M.left - 6}" y="${n(y + 4)}" text-anchor="end">${Math.round(maxP95 * (1 - i / 4))}</text>`);
    parts.push(`<text class="axis err" x="${M.left + PW + 6}" y="${n(y + 4)}">${+(maxErr * 100 * (1 - i / 4)).toFixed(1)}%</text>`);
  }
  const tickEvery = niceMax(endMs / 8);
  for (let t = 0; t <= endMs; t += tickEvery) {
    parts.push(`<text class="axis" x="${n(x(t))}" y="${H - M.bottom + 16}" text-anchor="middle">${fmtDuration(t).replace(' ms', 'ms')}</text>`);
  }
  parts.push(`<text class="axis" x="${M.left}" y="${M.top - 10}">p95 ms</text><text class="axis err" x="${M.left + PW}" y="${M.top - 10}" text-anchor="end">errors</text>`);
  if (p95Limit !== null && p95Limit <= maxP95) {
    parts.push(`<line class="limit" x1="${M.left}" x2="${M.left + PW}" y1="${n(yL(p95Limit))}" y2="${n(yL(p95Limit))}"><title>p95 threshold ${p95Limit} ms</title></line>`);
  }
  // data
  const pts = downsample(series, PW, (a, b) => ((b.p95Ms ?? 0) > (a.p95Ms ?? 0) ? b : a));
  parts.push(polyline(pts.filter((s) => s.p95Ms !== null).map((s) => [x(s.atMs), yL(s.p95Ms!)]), 'line-p95'));
  const errPts = downsample(series, PW, (a, b) => (errShare(b) > errShare(a) ? b : a));
  parts.push(polyline(errPts.map((s) => [x(s.atMs), yR(errShare(s))]), 'line-err'));
  // RTO and its objective
  const rto = j.measurements.rto;
  if (fault && rto) {
    const at = x(Math.min(endMs, fault.injectedAtMs + rto.valueMs));
    parts.push(`<line class="rto" data-marker="rto" x1="${n(at)}" x2="${n(at)}" y1="${M.top}" y2="${M.top + PH}"><title>RTO ${fmtDuration(rto.valueMs)} (${rto.source})</title></line>`);
    const nearRight = at > M.left + PW - 110;
    parts.push(`<text class="rto-label" x="${n(nearRight ? at - 4 : at + 4)}" y="${M.top + 12}"${nearRight ? ' text-anchor="end"' : ''}>RTO ${escapeHtml(fmtDuration(rto.valueMs))}</text>`);
  }
  const rtoObjective = j.objectives.find((o) => o.name === 'rto')?.limit;
  if (fault && rtoObjective && fault.injectedAtMs + rtoObjective <= endMs) {
    const at = x(fault.injectedAtMs + rtoObjective);
    parts.push(`<line class="objective" data-marker="rto-objective" x1="${n(at)}" x2="${n(at)}" y1="${M.top}" y2="${M.top + PH}"><title>RTO objective ${fmtDuration(rtoObjective)}</title></line>`);
  }
  parts.push(`<rect class="frame" x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none"/>`);
  const legend = `<g class="legend" transform="translate(${M.left},${H - 6})">
<line class="line-p95" x1="0" x2="16" y1="-4" y2="-4"/><text x="20" y="0">p95 latency</text>
<line class="line-err" x1="100" x2="116" y1="-4" y2="-4"/><text x="120" y="0">error rate</text>
<rect class="win-fault" x="200" y="-10" width="14" height="10"/><text x="218" y="0">fault (undetected)</text>
<rect class="win-recovery" x="330" y="-10" width="14" height="10"/><text x="348" y="0">recovery</text>
<line class="rto" x1="420" x2="436" y1="-4" y2="-4"/><text x="440" y="0">RTO</text>
<line class="objective" x1="480" x2="496" y1="-4" y2="-4"/><text x="500" y="0">RTO objective</text>
<line class="limit" x1="600" x2="616" y1="-4" y2="-4"/><text x="620" y="0">p95 limit</text></g>`;
  return `<svg class="chart timeline" data-scenario="${escapeHtml(j.scenario.id)}" viewBox="0 0 ${W} ${H + 12}" width="100%" role="img" aria-label="Timeline of ${escapeHtml(j.scenario.title)}: p95 latency and error rate over time">
${parts.join('\n')}
${legend}
</svg>`;
}

/** RTO per stored run (bars coloured by verdict) with the objective, and p95 as a line. */
export function trendChart(trend: ScenarioTrend): string {
  const w = 760;
  const h = 170;
  const m = { left: 70, right: 56, top: 18, bottom: 30 };
  const pw = w - m.left - m.right;
  const ph = h - m.top - m.bottom;
  const pts = trend.points;
  const objective = pts.at(-1)?.rtoObjectiveMs ?? null;
  // Scale to the measured RTOs so run-to-run changes show; the objective is drawn only when it fits.
  const maxRto = niceMax(Math.max(1000, ...pts.map((p) => p.rtoMs ?? 0)) * 1.15);
  const maxP95 = niceMax(Math.max(1, ...pts.map((p) => p.p95Ms ?? 0)) * 1.05);
  const slot = pw / Math.max(1, pts.length);
  const bw = Math.max(2, Math.min(24, slot * 0.7));
  const parts: string[] = [];
  for (let i = 0; i <= 2; i++) {
    const y = m.top + (ph * i) / 2;
    parts.push(`<line class="grid" x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="axis" x="${m.left - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(fmtDuration(maxRto * (1 - i / 2)))}</text>`);
    parts.push(`<text class="axis p95" x="${m.left + pw + 6}" y="${y + 4}">${Math.round(maxP95 * (1 - i / 2))} ms</text>`);
  }
  pts.forEach((p, i) => {
    const cx = m.left + slot * i + slot / 2;
    const v = p.rtoMs ?? 0;
    const bh = (v / maxRto) * ph;
    const cls = p.verdict === 'met' ? 'bar-met' : p.verdict === 'not-met' ? 'bar-notmet' : 'bar-inconclusive';
    parts.push(`<rect class="${cls}" x="${n(cx - bw / 2)}" y="${n(m.top + ph - bh)}" width="${n(bw)}" height="${n(Math.max(bh, 1))}"><title>${escapeHtml(`${p.runId} (${p.startedAtWall.slice(0, 16).replace('T', ' ')}): RTO ${fmtDuration(p.rtoMs)}, p95 ${p.p95Ms ?? '—'} ms, ${p.verdict}`)}</title></rect>`);
  });
  const line = pts
    .map((p, i) => (p.p95Ms === null ? null : ([m.left + slot * i + slot / 2, m.top + ph - (p.p95Ms / maxP95) * ph] as [number, number])))
    .filter((p): p is [number, number] => p !== null);
  parts.push(polyline(line, 'line-p95'));
  if (objective !== null && objective <= maxRto) {
    const y = m.top + ph - (objective / maxRto) * ph;
    parts.push(`<line class="objective-h" x1="${m.left}" x2="${m.left + pw}" y1="${n(y)}" y2="${n(y)}"><title>RTO objective ${fmtDuration(objective)}</title></line>`);
  } else if (objective !== null) {
    parts.push(`<text class="axis" x="${m.left + pw / 2}" y="${m.top - 6}" text-anchor="middle">RTO objective ${escapeHtml(fmtDuration(objective))} (above the scale)</text>`);
  }
  const first = pts[0]?.startedAtWall.slice(0, 10) ?? '';
  const last = pts.at(-1)?.startedAtWall.slice(0, 10) ?? '';
  parts.push(`<text class="axis" x="${m.left}" y="${h - 8}">${escapeHtml(first)}</text><text class="axis" x="${m.left + pw}" y="${h - 8}" text-anchor="end">${escapeHtml(last)} (${pts.length} runs)</text>`);
  parts.push(`<text class="axis" x="${m.left}" y="${m.top - 6}">RTO per run</text><text class="axis p95" x="${m.left + pw}" y="${m.top - 6}" text-anchor="end">p95 latency</text>`);
  return `<svg class="chart trend" data-scenario="${escapeHtml(trend.scenarioId)}" viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-label="Trend of ${escapeHtml(trend.title)} across ${pts.length} runs">
${parts.join('\n')}
</svg>`;
}
