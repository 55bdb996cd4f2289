// Runbook drift: a drill is written against a runbook section; when the team edits that section, the drill must
// be re-reviewed. A scenario's `runbookRef` names its sections; this module finds them in the runbook documents
// (pure: the documents come in as text), fingerprints their normalised text, and compares with the fingerprint the
// scenario declares it was reviewed against (`runbookFingerprint`). Loading the documents is the caller's job.
//
// Reference grammar (scenario level): one or more `DOCUMENT.md § Section[ > Subsection]` joined by '; ', e.g.
//   'ROLLBACK.md § Scenario 1: Pod Crash After Deployment'
//   'BLOCKING_ISSUES_REMEDIATION.md § Issue #3: AlertManager Endpoints Not Configured > Step 4: Test alert'
// A section title matches a heading when, normalised (case, emphasis, emoji, ✓/✅, spacing), the heading equals
// it, or is the only heading starting with it, or (leading enumeration like '3.' removed) the only one doing so.
//
// Two document shapes exist among the reference runbooks, and both resolve:
// - Markdown (the document has ``` fences): ATX headings outside fences; a section runs to the next heading of the
//   same or a higher level. '#' lines inside fences are shell comments, not headings.
// - Plain text exported from a PDF (no fences; '#' lines are unfenced shell comments): a heading is a short line
//   with a blank line before and after, or a numbered title ('3.3 Apply Ingress...', 'Phase 3: ...') anywhere.
//   Preceded by two blank lines (or a 'Phase/Section N') it is a top-level heading and runs to the next top-level
//   one; otherwise it runs to the next heading of the same shape ('Step 2' ends 'Step 1', '3.4' ends '3.3') or
//   the next top-level heading.
import { createHash } from 'node:crypto';
import type { Finding, Journal, RunbookRecord } from './journal.ts';

/** Runbook documents by file name ('ROLLBACK.md' -> its text). */
export type RunbookDocuments = ReadonlyMap<string, string>;

export interface RunbookSection {
  readonly document: string;
  /** The heading path as found in the document. */
  readonly headings: readonly string[];
  /** 1-based, inclusive: the heading line to the section's last line. */
  readonly startLine: number;
  readonly endLine: number;
  /** Normalised text (see normaliseSection). */
  readonly text: string;
}

export interface ResolvedRunbookRef {
  readonly ref: string;
  readonly sections: readonly RunbookSection[];
  /** 'sha256:' + the first 16 hex digits of sha256 over the sections' normalised text, in ref order. */
  readonly fingerprint: string;
}

export type RunbookResolution = { readonly ok: true; readonly value: ResolvedRunbookRef } | { readonly ok: false; readonly problems: readonly string[] };

interface Heading {
  readonly line: number; // 0-based
  readonly title: string;
  readonly level: number;
  /** Plain text only: 'step #' for 'Step 2: ...'; sections end at the next heading of the same shape. */
  readonly shape: string | null;
}

/** Lower case, without markdown emphasis, check marks, emoji and repeated spaces. */
export function normaliseTitle(title: string): string {
  return title
    .replace(/[*_`]/g, '')
    .replace(/[\u2705\u2713\u2714\u274c\u26a0\ufe0f]|\p{Extended_Pictographic}/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const stripEnumeration = (t: string) => t.replace(/^\d+(\.\d+)*\.?\s+/, '');

/**
 * The text a fingerprint covers: line endings unified, trailing spaces dropped, runs of blank lines collapsed to
 * one, leading/trailing blank lines dropped. Re-wrapping or adding an empty line changes nothing; any word does.
 */
export function normaliseSection(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function fingerprintText(normalised: string): string {
  return `sha256:${createHash('sha256').update(normalised, 'utf8').digest('hex').slice(0, 16)}`;
}

function headingsOf(lines: readonly string[]): { headings: Heading[]; markdown: boolean } {
  const markdown = lines.some((l) => /^\s*```/.test(l));
  const headings: Heading[] = [];
  if (markdown) {
    let fenced = false;
    lines.forEach((l, i) => {
      if (/^\s*```/.test(l)) fenced = !fenced;
      const m = fenced ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(l);
      if (m) headings.push({ line: i, title: m[2]!, level: m[1]!.length, shape: null });
    });
    return { headings, markdown };
  }
  const blank = (i: number) => i < 0 || i >= lines.length || lines[i]!.trim() === '';
  lines.forEach((l, i) => {
    const t = l.trim();
    if (t === '' || t.length > 90 || /^[#•*\-`>|]/.test(t) || /[.,;]$/.test(t) || l.startsWith(' ')) return;
    // Numbered titles ('3.3 Apply Ingress...', 'Phase 3: ...') are headings even in a document without blank lines.
    const numbered = /^\d+(\.\d+)+\s+[A-Z]/.test(t) || /^(phase|section|part|chapter)\s+\d+\b/i.test(t);
    if (!numbered && (!blank(i - 1) || !blank(i + 1))) return;
    const top = i === 0 || (blank(i - 1) && blank(i - 2)) || /^(phase|section|part|chapter)\s+\d+\b/i.test(t);
    const id = /^(.*?)(#?\d+(?:\.\d+)*|\b[A-Z]\b)(?=$|[\s:.)])/.exec(t);
    headings.push({ line: i, title: t, level: top ? 1 : 2, shape: id ? `${normaliseTitle(id[1]!)}#` : null });
  });
  return { headings, markdown };
}

/** Last line (0-based, inclusive) of the section opened by `h`, within [.., limit]. */
function sectionEnd(all: readonly Heading[], h: Heading, markdown: boolean, limit: number): number {
  const next = all.find((o) => {
    if (o.line <= h.line || o.line > limit) return false;
    if (markdown) return o.level <= h.level;
    if (h.level === 1) return o.level === 1;
    return o.level === 1 || (h.shape !== null && o.shape === h.shape);
  });
  return next ? next.line - 1 : limit;
}

function findHeading(candidates: readonly Heading[], wanted: string): Heading[] {
  const w = normaliseTitle(wanted);
  const exact = candidates.filter((h) => normaliseTitle(h.title) === w);
  if (exact.length) return exact;
  const prefix = candidates.filter((h) => normaliseTitle(h.title).startsWith(w));
  if (prefix.length) return prefix;
  return candidates.filter((h) => stripEnumeration(normaliseTitle(h.title)).startsWith(stripEnumeration(w)));
}

/** One `DOC.md § A > B` part, in one document. */
function resolvePart(document: string, text: string, path: readonly string[]): { section?: RunbookSection; problem?: string } {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const { headings, markdown } = headingsOf(lines);
  let from = -1;
  let to = lines.length - 1;
  const found: Heading[] = [];
  for (const title of path) {
    const inside = headings.filter((h) => h.line > from && h.line <= to && !found.includes(h));
    const hits = findHeading(inside, title);
    if (hits.length === 0) {
      const near = inside.filter((h) => normaliseTitle(h.title).includes(normaliseTitle(title).split(/[\s:]/)[0] ?? '')).slice(0, 5);
      return { problem: `${document}: no heading "${title}"${found.length ? ` under "${found.at(-1)!.title}"` : ''}${near.length ? ` (near: ${near.map((h) => `"${h.title}"`).join(', ')})` : ''}` };
    }
    if (hits.length > 1) return { problem: `${document}: "${title}" matches ${hits.length} headings (${hits.map((h) => `"${h.title}" line ${h.line + 1}`).join(', ')}): give the full title or a parent with " > "` };
    const h = hits[0]!;
    to = sectionEnd(headings, h, markdown, to);
    from = h.line;
    found.push(h);
  }
  const start = found.at(-1)!.line;
  return {
    section: { document, headings: found.map((h) => h.title), startLine: start + 1, endLine: to + 1, text: normaliseSection(lines.slice(start, to + 1).join('\n')) },
  };
}

/** Splits a scenario-level ref into its parts; problems name what is malformed. */
export function parseRunbookRef(ref: string): { parts: { document: string; path: string[] }[]; problems: string[] } {
  const parts: { document: string; path: string[] }[] = [];
  const problems: string[] = [];
  for (const raw of ref.split(/\s*;\s*/)) {
    const m = /^([\w.-]+\.md)\s+§\s+(.+)$/.exec(raw.trim());
    if (!m) {
      problems.push(`"${raw}" is not of the form "DOCUMENT.md § Section[ > Subsection]"`);
      continue;
    }
    parts.push({ document: m[1]!, path: m[2]!.split(/\s+>\s+/).map((s) => s.trim()) });
  }
  return { parts, problems };
}

/** Finds every section a ref names and fingerprints them together. */
export function resolveRunbookRef(ref: string, documents: RunbookDocuments): RunbookResolution {
  const { parts, problems } = parseRunbookRef(ref);
  const sections: RunbookSection[] = [];
  for (const p of parts) {
    const text = documents.get(p.document);
    if (text === undefined) {
      problems.push(`no runbook document ${p.document} (have: ${[...documents.keys()].sort().join(', ') || 'none'})`);
      continue;
    }
    const r = resolvePart(p.document, text, p.path);
    if (r.problem) problems.push(r.problem);
    else sections.push(r.section!);
  }
  if (problems.length) return { ok: false, problems };
  const fingerprint = fingerprintText(sections.map((s) => `${s.document}\n${s.text}`).join('\n\u0000\n'));
  return { ok: true, value: { ref, sections, fingerprint } };
}

export const RUNBOOK_CHANGED = 'runbook changed since this drill was written';

/**
 * The runbook check of one scenario: the record for its journal and the findings (none when the sections resolve
 * and read as reviewed). No ref: nothing to check, no finding.
 */
export function checkRunbook(
  scenario: { readonly id: string; readonly runbookRef?: string; readonly runbookFingerprint?: string },
  documents: RunbookDocuments,
): { record: RunbookRecord | null; findings: Finding[] } {
  const ref = scenario.runbookRef;
  if (!ref) return { record: null, findings: [] };
  const reviewed = scenario.runbookFingerprint ?? null;
  const r = resolveRunbookRef(ref, documents);
  if (!r.ok) {
    return {
      record: { ref, fingerprint: null, reviewedFingerprint: reviewed, sections: [] },
      findings: [{ severity: 'runbook-defect', title: 'runbook section not found', detail: `${scenario.id} follows "${ref}", which does not resolve: ${r.problems.join('; ')}. Fix the scenario's runbookRef or restore the section.`, runbookRef: ref }],
    };
  }
  const record: RunbookRecord = {
    ref,
    fingerprint: r.value.fingerprint,
    reviewedFingerprint: reviewed,
    sections: r.value.sections.map((s) => ({ document: s.document, headings: s.headings, lines: `${s.startLine}-${s.endLine}` })),
  };
  if (reviewed === null)
    return {
      record,
      findings: [{ severity: 'warning', title: 'drill not pinned to a runbook version', detail: `${scenario.id} declares no runbookFingerprint: review it against "${ref}" and set runbookFingerprint: '${r.value.fingerprint}'.`, runbookRef: ref }],
    };
  if (reviewed !== r.value.fingerprint)
    return {
      record,
      findings: [
        {
          severity: 'runbook-defect',
          title: RUNBOOK_CHANGED,
          detail: `${scenario.id} was reviewed against "${ref}" at ${reviewed}; the section now reads ${r.value.fingerprint} (${record.sections.map((s) => `${s.document} lines ${s.lines}`).join(', ')}). Re-review the drill against the edited runbook, then set runbookFingerprint: '${r.value.fingerprint}'.`,
          runbookRef: ref,
        },
      ],
    };
  return { record, findings: [] };
}

/** The journal with its runbook record and any drift finding added: the one line a runner or suite calls. */
export function withRunbookCheck(journal: Journal, scenario: Parameters<typeof checkRunbook>[0], documents: RunbookDocuments): Journal {
  const { record, findings } = checkRunbook(scenario, documents);
  if (!record) return journal;
  return { ...journal, runbook: record, findings: [...journal.findings, ...findings] };
}
