// The input boundary's shared pieces: how a bad value is shown in an error (cut to a sane length, NaN and
// Infinity as such, binary as such) and how a schema's issues become "field (got value): what is allowed" lines.
import type { z } from 'zod';

const MAX_SHOWN = 60;
// Control characters other than tab/newline/CR, and U+FFFD (what invalid UTF-8 decodes to): not text a person wrote.
// eslint-disable-next-line no-control-regex
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

const cut = (text: string, total: number) => (text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${total} characters)` : text);

/** A value as an error message shows it: short, and never a wall of bytes. */
export function showValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Number.isNaN(value) ? 'NaN' : value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : String(value);
    case 'string':
      if (BINARY.test(value)) return `binary data (${Buffer.byteLength(value)} bytes)`;
      return cut(JSON.stringify(value), value.length);
    case 'undefined':
      return 'nothing';
    case 'bigint':
      return `${value}n`;
    case 'function':
    case 'symbol':
      return typeof value;
  }
  try {
    const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? showValue(v) : typeof v === 'string' && BINARY.test(v) ? showValue(v) : v));
    return cut(json, json.length);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** True when bytes are not UTF-8 text (a NUL, or a sequence that does not decode). */
export function isBinary(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return false;
  } catch {
    return true;
  }
}

/** One line per schema issue: `field.path (got <value>): what is allowed`. */
export function issueLines(issues: readonly z.core.$ZodIssue[], allowedKeys: (path: readonly PropertyKey[]) => readonly string[] = () => []): string[] {
  return issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(issue.path);
      return `${field === '(top level)' ? '' : `${field}: `}unknown field(s) ${issue.keys.map((k) => `'${cut(k, k.length)}'`).join(', ')}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}`;
    }
    const input = 'input' in issue ? issue.input : undefined;
    const got = input === undefined ? (issue.code === 'invalid_type' ? ' (missing)' : '') : ` (got ${showValue(input)})`;
    const allowed = issue.code === 'invalid_value' ? `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` : issue.message;
    return `${field}${got}: ${allowed}`;
  });
}
