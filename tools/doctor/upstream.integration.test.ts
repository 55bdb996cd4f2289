// The upstream check against the real Debian archive, in the real base image: a recipe asking for a build the
// archive dropped (nginx-light 1.22.1-9+deb12u11, superseded on 2026-12-04) is named, with what is offered.
import { describe, expect, it } from 'vitest';
import { checkAptUpstream, escapeModulePath, goModulePins } from './upstream.doctor.ts';

describe('doctor --upstream', () => {
  it('fails a package pin the archive no longer serves, naming the package, the version asked for and what is offered', async () => {
    const rows = await checkAptUpstream({
      apt: [
        { package: 'nginx-light', version: '1.22.1-9+deb12u11' },
        { package: 'postgresql-15', version: '15' },
      ],
    });
    const nginx = rows.find((r) => r.what.startsWith('nginx-light'));
    expect(nginx?.ok).toBe(false);
    // what the archive offers is named, whatever build of the series it serves on the day the test runs
    expect(nginx?.detail).toMatch(/^nginx-light: no version matching "1\.22\.1-9\+deb12u11" in http:\/\/deb\.debian\.org\/debian bookworm.*; the archive offers 1\.22\.1-\S+/);
    const postgres = rows.find((r) => r.what.startsWith('postgresql-15'));
    expect(postgres).toMatchObject({ ok: true });
  });

  it('resolves every requirement of the image catalogue today', async () => {
    const rows = await checkAptUpstream();
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const r of rows) expect(r.ok, `${r.what}: ${r.detail}`).toBe(true);
  });

  it('knows every pinned Go module of the cold path, in the proxy encoding', async () => {
    const pins = await goModulePins();
    expect(pins.map((p) => p.module)).toEqual(expect.arrayContaining(['go.k6.io/k6', 'sigs.k8s.io/kind', 'k8s.io/kubernetes', 'github.com/grafana/loki/v3', 'github.com/minio/minio', 'github.com/bitnami-labs/sealed-secrets']));
    expect(escapeModulePath('github.com/BurntSushi/toml')).toBe('github.com/!burnt!sushi/toml');
  });
});
