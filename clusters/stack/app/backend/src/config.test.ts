import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const files = (map: Record<string, string>) => (path: string) => map[path];

describe('gravl-backend config', () => {
  it('fails fast, naming every way to provide the DB password, when none is given', () => {
    expect(() => loadConfig({}, files({}))).toThrow(ConfigError);
    expect(() => loadConfig({}, files({}))).toThrow(/DB_PASSWORD, or DB_PASSWORD_FILE=<path>, or mount a secret file at \/etc\/gravl\/secrets\/db-password/);
  });

  it('reads the password from env, from *_FILE, then from the mounted secrets dir', () => {
    expect(loadConfig({ DB_PASSWORD: 'a' }, files({})).db.password).toBe('a');
    expect(loadConfig({ DB_PASSWORD_FILE: '/run/pw' }, files({ '/run/pw': 'b\n' })).db.password).toBe('b');
    expect(loadConfig({ GRAVL_SECRETS_DIR: '/s' }, files({ '/s/db-password': 'c', '/s/db-user': 'u' })).db).toMatchObject({ password: 'c', user: 'u' });
  });

  it('rejects a *_FILE that points nowhere instead of falling back silently', () => {
    expect(() => loadConfig({ DB_PASSWORD_FILE: '/nope' }, files({}))).toThrow(/DB_PASSWORD_FILE points to \/nope/);
  });

  it('validates numbers and fault switches', () => {
    expect(() => loadConfig({ DB_PASSWORD: 'x', PORT: 'abc' }, files({}))).toThrow(/PORT="abc"/);
    expect(() => loadConfig({ DB_PASSWORD: 'x', GRAVL_FAULT_ERROR_RATE: '2' }, files({}))).toThrow(/GRAVL_FAULT_ERROR_RATE/);
    const c = loadConfig({ DB_PASSWORD: 'x', GRAVL_FAULT_LATENCY_MS: '250', GRAVL_FAULT_ERROR_RATE: '0.5', GRAVL_ADMIN_ENABLED: 'true' }, files({}));
    expect(c.fault).toEqual({ latencyMs: 250, errorRate: 0.5 });
    expect(c.adminEnabled).toBe(true);
  });

  it('requires migration 1 for v1 and 2 for v2 before reporting ready', () => {
    expect(loadConfig({ DB_PASSWORD: 'x', GRAVL_VERSION: 'v1' }, files({})).requiredMigration).toBe(1);
    expect(loadConfig({ DB_PASSWORD: 'x', GRAVL_VERSION: 'v2' }, files({})).requiredMigration).toBe(2);
    // v3 needs 004; every build applies only its own release's migrations from the folder
    expect(loadConfig({ DB_PASSWORD: 'x', GRAVL_VERSION: 'v3' }, files({}))).toMatchObject({ requiredMigration: 4, maxMigration: 4 });
    expect(loadConfig({ DB_PASSWORD: 'x' }, files({})).maxMigration).toBe(2);
    expect(loadConfig({ DB_PASSWORD: 'x', GRAVL_VERSION: 'v1' }, files({})).maxMigration).toBe(1);
  });
});
