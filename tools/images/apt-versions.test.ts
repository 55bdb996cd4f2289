import { describe, expect, it } from 'vitest';
import { compareDebianVersions, describeUnresolved, parseMadison, resolveRequirement, satisfies } from './apt-versions.ts';

// What `apt-cache madison nginx-light postgresql-15` printed here on 2026-12-04 (plus a source line).
const MADISON = `nginx-light | 1.22.1-9+deb12u12 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
nginx-light | 1.22.1-9+deb12u9 | http://deb.debian.org/debian bookworm/main amd64 Packages
postgresql-15 | 15.20-0+deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
postgresql-15 | 15.18-0+deb12u1 | http://deb.debian.org/debian bookworm/main amd64 Packages
     nginx | 1.22.1-9+deb12u12 | http://deb.debian.org/debian-security bookworm-security/main Sources
`;

describe('Debian version order (dpkg --compare-versions)', () => {
  it.each([
    ['1.22.1-9+deb12u12', '1.22.1-9+deb12u9', 1],
    ['1.22.1-9+deb12u11', '1.22.1-9+deb12u12', -1],
    ['15.20-0+deb12u1', '15.18-0+deb12u1', 1],
    ['1.0~rc1-1', '1.0-1', -1],
    ['1.0-1', '1.0+b1-1', -1],
    ['1:0.9-1', '2.0-1', 1],
    ['2.42.0+ds-5+deb12u1', '2.42.0+ds-5', 1],
    ['0.25.0-1+b4', '0.25.0-1+b4', 0],
    ['1.0a-1', '1.0-1', 1],
    ['1.10-1', '1.9-1', 1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareDebianVersions(a, b))).toBe(sign);
    expect(Math.sign(compareDebianVersions(b, a)) || 0).toBe(-sign || 0);
  });
});

describe('requirements', () => {
  it('match an upstream series at a component boundary only', () => {
    expect(satisfies('15.20-0+deb12u1', '15')).toBe(true);
    expect(satisfies('150.1-1', '15')).toBe(false);
    expect(satisfies('1.22.1-9+deb12u12', '1.22.1')).toBe(true);
    expect(satisfies('1.22.10-1', '1.22.1')).toBe(false);
    expect(satisfies('2.42.0+ds-5+deb12u1', '2.42.0')).toBe(true);
    expect(satisfies('1:1.22.1-9', '1.22.1')).toBe(true);
    expect(satisfies('1.22.1-9+deb12u11', '1.22.1-9+deb12u11')).toBe(true);
    expect(satisfies('1.22.1-9+deb12u12', '1.22.1-9+deb12u11')).toBe(false);
  });

  it('resolve to the newest build of the series the archive serves, binary packages only', () => {
    const entries = parseMadison(MADISON);
    expect(entries.filter((e) => e.package === 'nginx')).toEqual([]);
    const r = resolveRequirement({ package: 'nginx-light', version: '1.22.1' }, entries);
    expect(r).toMatchObject({ ok: true, version: '1.22.1-9+deb12u12', offered: ['1.22.1-9+deb12u12', '1.22.1-9+deb12u9'] });
    expect(resolveRequirement({ package: 'postgresql-15', version: '15' }, entries)).toMatchObject({ ok: true, version: '15.20-0+deb12u1' });
  });

  it('name the package, the version asked for and what the archive offers when a pin was dropped', () => {
    const r = resolveRequirement({ package: 'nginx-light', version: '1.22.1-9+deb12u11' }, parseMadison(MADISON));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(describeUnresolved(r, 'bookworm')).toBe('nginx-light: no version matching "1.22.1-9+deb12u11" in bookworm; the archive offers 1.22.1-9+deb12u12, 1.22.1-9+deb12u9');
    const gone = resolveRequirement({ package: 'no-such-package', version: '1' }, parseMadison(MADISON));
    expect(!gone.ok && describeUnresolved(gone, 'bookworm')).toContain('the archive offers no version of it at all');
  });
});
