// Small formatting helpers shared by the renderers.

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** XML 1.0 text: escape, and drop characters XML cannot hold. */
export function escapeXml(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return escapeHtml(value).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

/** 18.0 s, 2 min 05 s, 1 h 02 min; '—' for null. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function fmtMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : `${Math.round(ms)} ms`;
}

export function fmtPct(share: number | null | undefined, digits = 2): string {
  return share === null || share === undefined ? '—' : `${(share * 100).toFixed(digits)} %`;
}

export function fmtNumber(n: number | null | undefined, digits = 0): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Evidence values as short text for tables. */
export function evidenceText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.length ? value.join(', ') : 'none';
  return JSON.stringify(value);
}
