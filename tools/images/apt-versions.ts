// Debian package versions, pure: compare them as dpkg does, parse what `apt-cache madison` prints, and pick
// the newest version of a package that satisfies a recipe's requirement.
//
// Why requirements and not exact pins: Debian's archives keep only the newest build of a stable package
// (`1.22.1-9+deb12u12` replaces `...u11` the day a security update lands), so an exact pin breaks every fresh
// machine on the next update. A requirement names what cannot disappear during the suite's life: the upstream
// version series (`1.22.1` for nginx, `15` for PostgreSQL 15's point releases). The build resolves it to the
// build the archive serves today, records it (image label + lock file), and the image tag follows it.

/** What a recipe asks for: a package and the upstream version series it must come from. */
export interface AptRequirement {
  readonly package: string;
  /**
   * Upstream version prefix, matched at a component boundary: '15' takes 15.20-0+deb12u1 (not 150.1),
   * '1.22.1' takes 1.22.1-9+deb12u12. A full Debian version (with its revision) asks for exactly that build.
   */
  readonly version: string;
}

/** One line of `apt-cache madison`: `nginx-light | 1.22.1-9+deb12u12 | http://... bookworm-security/main amd64 Packages`. */
export interface MadisonEntry {
  readonly package: string;
  readonly version: string;
  readonly source: string;
}

export function parseMadison(output: string): MadisonEntry[] {
  const entries: MadisonEntry[] = [];
  for (const line of output.split('\n')) {
    const parts = line.split('|').map((p) => p.trim());
    if (parts.length < 3 || !parts[0] || !parts[1]) continue;
    // Source packages are listed as "... Sources"; only binary packages can be installed.
    if (/\bSources$/.test(parts[2] ?? '')) continue;
    entries.push({ package: parts[0], version: parts[1], source: parts[2] ?? '' });
  }
  return entries;
}

/** True when `version` belongs to the requirement's series (prefix at a component boundary, epoch ignored). */
export function satisfies(version: string, wanted: string): boolean {
  const bare = version.replace(/^\d+:/, '');
  const want = wanted.replace(/^\d+:/, '');
  if (bare === want) return true;
  if (!bare.startsWith(want)) return false;
  return /^[.\-+~]/.test(bare.slice(want.length));
}

export type Resolution =
  | { readonly ok: true; readonly requirement: AptRequirement; readonly version: string; readonly offered: readonly string[] }
  | { readonly ok: false; readonly requirement: AptRequirement; readonly offered: readonly string[] };

/** The newest offered version in the requirement's series, with everything the archive offers for the message. */
export function resolveRequirement(requirement: AptRequirement, entries: readonly MadisonEntry[]): Resolution {
  const offered = [...new Set(entries.filter((e) => e.package === requirement.package).map((e) => e.version))].sort((a, b) => compareDebianVersions(b, a));
  const version = offered.find((v) => satisfies(v, requirement.version));
  return version ? { ok: true, requirement, version, offered } : { ok: false, requirement, offered };
}

/** The sentence a failed resolution prints: the package, what was asked for, and what the archive offers. */
export function describeUnresolved(r: Resolution & { ok: false }, sources: string): string {
  const offers = r.offered.length > 0 ? `the archive offers ${r.offered.join(', ')}` : 'the archive offers no version of it at all';
  return `${r.requirement.package}: no version matching "${r.requirement.version}" in ${sources}; ${offers}`;
}

// ------------------------------------------------------------------ dpkg's version order (deb-version(7))

/** <0, 0, >0 as dpkg --compare-versions orders a and b. */
export function compareDebianVersions(a: string, b: string): number {
  const pa = split(a);
  const pb = split(b);
  return pa.epoch - pb.epoch || compareFragment(pa.upstream, pb.upstream) || compareFragment(pa.revision, pb.revision);
}

function split(version: string): { epoch: number; upstream: string; revision: string } {
  const colon = version.indexOf(':');
  const epoch = colon >= 0 ? Number(version.slice(0, colon)) || 0 : 0;
  const rest = colon >= 0 ? version.slice(colon + 1) : version;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: '0' };
}

/** Alternating non-digit and digit runs; letters sort before non-letters, '~' before everything, even the end. */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let diff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && isDigit(a[i]) && j < b.length && isDigit(b[j])) {
      if (!diff) diff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a[i])) return 1;
    if (j < b.length && isDigit(b[j])) return -1;
    if (diff) return diff;
  }
  return 0;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}
