import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { durationSeconds, rulesWithHoldCap } from './alert-rules.ts';

const GRAVL_RULES = readFileSync(new URL('../images/prometheus/gravl.rules.yml', import.meta.url), 'utf8');

describe('durationSeconds', () => {
  it('reads Prometheus durations and refuses anything else', () => {
    expect(durationSeconds('30m')).toBe(1800);
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('15s')).toBe(15);
    expect(durationSeconds('500ms')).toBe(0.5);
    expect(() => durationSeconds('5 minutes')).toThrow(/not a Prometheus duration/);
    expect(() => durationSeconds('')).toThrow(/not a Prometheus duration/);
  });
});

describe('rulesWithHoldCap', () => {
  it('lowers every hold above the cap on the Gravl rules and leaves expressions, thresholds and labels alone', () => {
    const { text, capped } = rulesWithHoldCap(GRAVL_RULES, 15);
    expect(capped).toContainEqual({ alert: 'GravlNoRecentBackup', written: '30m', drill: '15s' });
    expect(capped).toContainEqual({ alert: 'GravlPrimaryDatabaseDown', written: '1m', drill: '15s' });
    // S3UploadSlow and BackupRestoreTestFailed fire at once as written: nothing to cap
    expect(capped.map((c) => c.alert)).not.toContain('GravlS3UploadSlow');
    type Rules = { groups: { rules: { alert?: string; record?: string; expr: string; for?: string; labels?: unknown }[] }[] };
    const before = (parse(GRAVL_RULES) as Rules).groups.flatMap((g) => g.rules);
    const after = (parse(text) as Rules).groups.flatMap((g) => g.rules);
    expect(after.map(({ for: _f, ...rest }) => rest)).toEqual(before.map(({ for: _f, ...rest }) => rest));
    expect(after.filter((r) => r.for !== undefined).every((r) => durationSeconds(r.for!) <= 15)).toBe(true);
  });

  it('returns the text untouched when no hold is above the cap, and refuses what is not a rules file', () => {
    expect(rulesWithHoldCap(GRAVL_RULES, 7200)).toEqual({ text: GRAVL_RULES, capped: [] });
    expect(() => rulesWithHoldCap('scrape_configs: []', 15)).toThrow(/no groups/);
    expect(() => rulesWithHoldCap('groups: [{rules: [{alert: A, for: soon}]}]', 15)).toThrow(/'soon' is not a Prometheus duration/);
  });
});
