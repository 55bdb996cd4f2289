// Redaction: registered secret values never leave the process in any form a reader could turn back into the
// secret. Applied where output is created (runner events, suite log lines, journals, errors), once, so every sink
// (terminal, NDJSON, journals, reports, history) gets the same clean text.
//
// A secret turns up in practice as itself, or encoded on its way through a tool: URL-encoded (whole or in part:
// a password in a connection string), JSON-escaped (once or nested), HTML-escaped, as hex, or inside a base64 blob
// (a Secret manifest's data, a kubeconfig, an Authorization header), possibly line-wrapped or base64url. Two
// mechanisms cover these without listing every combination:
// - one pattern per secret where each character may appear literally or in any of its escaped forms, so mixed and
//   partial encodings match too;
// - every base64-looking run is decoded (at each alignment) and, when the decoded text holds the secret (in any
//   form, recursively), the whole run is replaced: a blob with a secret in it is not safe in part.
// Secrets shorter than 4 characters are redacted only where they stand alone as a token (redacting `ab` inside
// every word would shred the text).

export const REDACTED = '[REDACTED]';
const MIN_FREE_LENGTH = 4;
const MAX_DEPTH = 3;
const B64_RUN = /[A-Za-z0-9+/_-]{8,}={0,2}(?:\r?\n[A-Za-z0-9+/_-]{4,}={0,2})*/g;

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Hex digits of a byte, each letter matching either case: 0x4f -> `4[fF]`. */
const hexCI = (n: number, width = 2) =>
  n
    .toString(16)
    .padStart(width, '0')
    .replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`);

const HTML_ENTITIES: Record<string, readonly string[]> = {
  '&': ['&amp;', '&#38;', '&#x26;'],
  '<': ['&lt;', '&#60;', '&#x3[cC];'],
  '>': ['&gt;', '&#62;', '&#x3[eE];'],
  '"': ['&quot;', '&#34;', '&#x22;'],
  "'": ['&#39;', '&#x27;', '&apos;'],
};
const JSON_SHORT: Record<string, string> = { '\n': 'n', '\r': 'r', '\t': 't', '\b': 'b', '\f': 'f' };

/** Every way one character of a secret may be written: literally, %-encoded, \u-escaped, backslash-escaped, as an HTML entity. */
function charPattern(ch: string): string {
  const alts: string[] = [];
  if (ch === '"' || ch === "'" || ch === '/') alts.push(`\\\\*${reEscape(ch)}`); // escaped any number of times (nested JSON)
  else if (ch === '\\') alts.push('\\\\+');
  else alts.push(reEscape(ch));
  if (JSON_SHORT[ch]) alts.push(`\\\\+${JSON_SHORT[ch]}`);
  if (ch === ' ') alts.push('\\+');
  alts.push([...Buffer.from(ch, 'utf8')].map((b) => `%${hexCI(b)}`).join(''));
  const code = ch.codePointAt(0)!;
  if (code <= 0xffff) alts.push(`\\\\+[uU]${hexCI(code, 4)}`);
  alts.push(...(HTML_ENTITIES[ch] ?? []));
  return alts.length === 1 ? alts[0]! : `(?:${alts.join('|')})`;
}

function secretPattern(secret: string): RegExp {
  const body = [...secret].map(charPattern).join('');
  const hexes = [Buffer.from(secret, 'utf8').toString('hex')].flatMap((h) => [h, h.toUpperCase()]);
  if (secret.length < MIN_FREE_LENGTH) return new RegExp(`(?<![A-Za-z0-9])(?:${body})(?![A-Za-z0-9])`, 'g');
  return new RegExp(`${body}|${hexes.map(reEscape).join('|')}`, 'g');
}

/** A set of secret values and the one function that scrubs them from text and from JSON-able values. */
export class Redactor {
  readonly #secrets = new Set<string>();
  #patterns: RegExp[] = [];

  constructor(secrets: Iterable<string> = []) {
    this.addAll(secrets);
  }

  get size(): number {
    return this.#secrets.size;
  }

  add(secret: string): this {
    if (typeof secret !== 'string' || secret.length === 0 || this.#secrets.has(secret)) return this;
    this.#secrets.add(secret);
    // Longest first: a secret that contains another is replaced whole.
    this.#patterns = [...this.#secrets].sort((a, b) => b.length - a.length).map(secretPattern);
    return this;
  }

  addAll(secrets: Iterable<string>): this {
    for (const s of secrets) this.add(s);
    return this;
  }

  /** True when the text holds a registered secret in any form this redactor knows. */
  leaks(text: string): boolean {
    return this.text(text) !== text;
  }

  text(text: string, depth = 0): string {
    if (this.#patterns.length === 0 || text.length === 0) return text;
    let out = text;
    for (const p of this.#patterns) out = out.replace(p, REDACTED);
    if (depth >= MAX_DEPTH) return out;
    return out.replace(B64_RUN, (run) => (this.#base64Leaks(run, depth) ? REDACTED : run));
  }

  #base64Leaks(run: string, depth: number): boolean {
    const clean = run.replace(/\s/g, '');
    for (let offset = 0; offset < 4 && clean.length - offset >= 6; offset++) {
      const bytes = Buffer.from(clean.slice(offset), 'base64');
      for (const decoded of [bytes.toString('utf8'), bytes.toString('latin1')]) {
        if (this.text(decoded, depth + 1) !== decoded) return true;
      }
    }
    return false;
  }

  /** A deep copy of a JSON-able value with every string (keys included) scrubbed. */
  value<T>(value: T): T {
    if (this.#patterns.length === 0) return value;
    const json = JSON.stringify(value);
    if (json === undefined) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.text(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.text(k), walk(x)]));
      return v;
    };
    return walk(JSON.parse(json)) as T;
  }
}

/** Replace every registered secret value, in any form it takes, anywhere in a JSON-able value. */
export function redact<T>(value: T, secrets: Iterable<string> | Redactor): T {
  return (secrets instanceof Redactor ? secrets : new Redactor(secrets)).value(value);
}

/**
 * Keys of a Secret whose values are identifiers, not secrets: a database's user and name, a host, a port. They are
 * often the stack's own name ('gravl', 'ledger'); registering them would blank every namespace, object name and
 * run id that contains them and leave evidence nobody can read. Everything else in a Secret is registered.
 */
const IDENTIFIER_KEY = /(^|[-_.])(user|username|user-?name|db|database|dbname|db-?name|host|hostname|port)$/i;
export function isIdentifierKey(key: string): boolean {
  return IDENTIFIER_KEY.test(key);
}
