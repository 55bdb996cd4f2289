import { describe, expect, it } from 'vitest';
import { isIdentifierKey, redact, REDACTED, Redactor } from './redaction.ts';
import { recoverable } from './testing/leak-detector.ts';

const SECRET = 'p@ss w0rd/"Zq9&<x>';
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describe('Redactor', () => {
  it('replaces the secret and the forms the old redact() knew (raw, base64, JSON-escaped)', () => {
    const r = new Redactor([SECRET]);
    expect(r.text(`pw=${SECRET}.`)).toBe(`pw=${REDACTED}.`);
    expect(r.text(`data: ${b64(SECRET)}`)).toBe(`data: ${REDACTED}`);
    expect(r.text(JSON.stringify({ pw: SECRET }))).toBe(`{"pw":"${REDACTED}"}`);
  });

  it('covers a password URL-encoded inside a connection string, whole or in part, upper or lower case hex', () => {
    const r = new Redactor([SECRET]);
    for (const enc of [encodeURIComponent(SECRET), encodeURI(SECRET), encodeURIComponent(SECRET).replace(/%([0-9a-f]{2})/gi, (m) => m.toLowerCase()), SECRET.replace('@', '%40'), encodeURIComponent(SECRET).replace(/%20/g, '+')]) {
      const dsn = `postgres://gravl:${enc}@postgres:5432/gravl`;
      expect(r.text(dsn), enc).toBe(`postgres://gravl:${REDACTED}@postgres:5432/gravl`);
    }
  });

  it('covers JSON escaped once and nested (JSON text inside a JSON string), \\u escapes and HTML entities', () => {
    const r = new Redactor([SECRET]);
    const nested = JSON.stringify(JSON.stringify({ password: SECRET }));
    expect(recoverable(r.text(nested), SECRET)).toBe(false);
    expect(r.text(nested)).toContain(REDACTED);
    const uEscaped = [...SECRET].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    expect(r.text(`"${uEscaped}"`)).toBe(`"${REDACTED}"`);
    expect(r.text(SECRET.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'))).toBe(REDACTED);
  });

  it('covers base64 of a larger blob at every alignment, base64url and line-wrapped (a Secret manifest, a kubeconfig)', () => {
    const r = new Redactor([SECRET]);
    for (const prefix of ['', 'x', 'xy', 'apiVersion: v1\nkind: Secret\nstringData:\n  password: ']) {
      const blob = `${prefix}${SECRET}\nmore: data that follows the secret for a while\n`;
      const std = b64(blob);
      const url = Buffer.from(blob).toString('base64url');
      const wrapped = std.replace(/(.{64})/g, '$1\n');
      for (const form of [std, url, wrapped]) {
        const out = r.text(`kubeconfig:\n${form}\nend`);
        expect(recoverable(out, SECRET), `${JSON.stringify(prefix)} ${form.slice(0, 20)}`).toBe(false);
        expect(out).toContain(REDACTED);
      }
    }
  });

  it('covers base64 of base64 (a manifest holding a Secret, encoded again) and hex', () => {
    const r = new Redactor([SECRET]);
    const inner = `data:\n  PASSWORD: ${b64(SECRET)}\n`;
    expect(recoverable(r.text(b64(inner)), SECRET)).toBe(false);
    expect(r.text(Buffer.from(SECRET).toString('hex'))).toBe(REDACTED);
  });

  it('redacts a short secret where it stands alone, without shredding words that contain it', () => {
    const r = new Redactor(['ab1']);
    expect(r.text('password ab1 in crab1x')).toBe(`password ${REDACTED} in crab1x`);
    expect(r.text('postgres://u:ab1@h')).toBe(`postgres://u:${REDACTED}@h`);
  });

  it('leaves text without secrets alone, and an empty registry changes nothing', () => {
    const r = new Redactor([SECRET]);
    const text = 'CrashLoopBackOff detected in 3 pods; dGhpcyBpcyBmaW5l base64 of nothing secret';
    expect(r.text(text)).toBe(text);
    expect(new Redactor().value({ a: SECRET })).toEqual({ a: SECRET });
    expect(new Redactor(['']).size).toBe(0);
  });

  it('redact() scrubs keys and values of a JSON-able value and keeps it JSON', () => {
    const out = redact({ [SECRET]: [SECRET, 1, null, { deep: `x${SECRET}y` }] }, [SECRET]);
    expect(out).toEqual({ [REDACTED]: [REDACTED, 1, null, { deep: `x${REDACTED}y` }] });
  });

  it('canary: forms this implementation was not written for are still not recoverable', () => {
    // Each is a realistic way a tool prints a secret, composed of layers: the detector decodes them all.
    const secret = 'Cn4ry-s3cr3t_Xq7!Vb';
    const r = new Redactor([secret]);
    const planted = [
      // Basic auth header of user:password
      `Authorization: Basic ${b64(`gravl:${secret}`)}`,
      // a JSON document with the DSN, URL-encoded, then base64 in a Secret, then the whole manifest JSON-escaped in a log line
      JSON.stringify({ log: JSON.stringify({ kind: 'Secret', data: { DSN: b64(`postgres://gravl:${encodeURIComponent(secret)}@db/gravl?sslmode=disable`) } }) }),
      // a kubeconfig token in base64url, wrapped at 76 columns, after a 2-byte prefix
      Buffer.from(`\x00\x01token: ${secret}\n${'pad'.repeat(40)}`).toString('base64url').replace(/(.{76})/g, '$1\r\n'),
      // percent-encoding of only some characters, with lower-case hex, inside a query string
      `https://api/login?user=gravl&password=${secret.replace('!', '%21').replace('_', '%5f')}&x=1`,
      // HTML-escaped inside a JSON-escaped string
      JSON.stringify(`<td>${secret.replace(/!/g, '&#33;')}</td>`).replace('&#33;', '!'),
    ];
    for (const p of planted) {
      const out = r.text(p);
      expect(recoverable(p, secret), `the detector finds the planted form: ${p.slice(0, 40)}`).toBe(true);
      expect(recoverable(out, secret), `leaked: ${out}`).toBe(false);
    }
  });
});

describe('isIdentifierKey', () => {
  it("takes a Secret's user and database names for identifiers, and everything else for secrets", () => {
    for (const key of ['POSTGRES_USER', 'POSTGRES_DB', 'db-user', 'username', 'user', 'database', 'DB_HOST', 'port']) expect(isIdentifierKey(key), key).toBe(true);
    for (const key of ['POSTGRES_PASSWORD', 'db-password', 'password', 'JWT_SECRET', 'tls.key', 'tls.crt', 'api-token', 'DATABASE_URL', 'userPassword']) expect(isIdentifierKey(key), key).toBe(false);
  });
});
