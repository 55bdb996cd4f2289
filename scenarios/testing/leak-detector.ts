// For canary tests: does a text still give the secret away?

/**
 * An independent leak detector: it knows nothing of how redaction works. It decodes whatever it can find
 * (percent-encoding, JSON string escapes, HTML entities, every base64 run at every alignment, hex) and looks for
 * the secret in the result, recursively.
 */
export function recoverable(text: string, secret: string, depth = 0): boolean {
  if (text.includes(secret)) return true;
  if (depth > 3) return false;
  const candidates = new Set<string>();
  try {
    candidates.add(decodeURIComponent(text.replace(/\+/g, ' ')));
  } catch {
    candidates.add(text.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  }
  candidates.add(text.replace(/\\+(["'/\\])/g, '$1').replace(/\\+u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  candidates.add(text.replace(/&(amp|lt|gt|quot|#39|#x27|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", apos: "'" })[e]!));
  for (const run of text.match(/[A-Za-z0-9+/_\-\s]{6,}={0,2}/g) ?? []) {
    const clean = run.replace(/\s/g, '');
    for (let o = 0; o < 4; o++) candidates.add(Buffer.from(clean.slice(o), 'base64').toString('utf8'));
  }
  for (const run of text.match(/(?:[0-9a-fA-F]{2}){4,}/g) ?? []) candidates.add(Buffer.from(run, 'hex').toString('utf8'));
  candidates.delete(text);
  return [...candidates].some((c) => recoverable(c, secret, depth + 1));
}

