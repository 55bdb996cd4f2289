// Configuration from env and mounted secret files. Fails fast with a message that says what to set.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface DbConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** Budget for reaching the database at start; after it the process exits (no hang). */
  connectTimeoutMs: number;
}

export interface Fault {
  latencyMs: number;
  errorRate: number;
}

export interface Config {
  version: string;
  port: number;
  /** Separate metrics listener (the seeds scrape :3001/metrics); 0 disables it. /metrics is on `port` too. */
  metricsPort: number;
  db: DbConfig;
  secretsDir: string;
  migrationsDir: string;
  /** Highest migration this build needs before it reports ready. */
  requiredMigration: number;
  /** Highest migration this build applies (the migrations folder may hold a later release's). */
  maxMigration: number;
  adminEnabled: boolean;
  fault: Fault;
  crashOnStart: boolean;
  failMigration: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

type Env = Readonly<Record<string, string | undefined>>;
type ReadFile = (path: string) => string | undefined;

const readIfExists: ReadFile = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read secret file ${path}: ${(error as Error).message}`);
  }
};

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name}=${JSON.stringify(raw)} must be an integer in [${min}, ${max}]`);
  return value;
}

function ratio(env: Env, name: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return 0;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new ConfigError(`${name}=${JSON.stringify(raw)} must be a number in [0, 1]`);
  return value;
}

/** A value from env NAME, from the file named by NAME_FILE, or from <secretsDir>/<file>; in that order. */
function secret(env: Env, name: string, secretsDir: string, file: string, read: ReadFile): string | undefined {
  if (env[name]) return env[name];
  const fileVar = env[`${name}_FILE`];
  if (fileVar) {
    const content = read(fileVar);
    if (content === undefined) throw new ConfigError(`${name}_FILE points to ${fileVar}, which does not exist: mount the secret there or unset ${name}_FILE`);
    return content.trim();
  }
  return read(join(secretsDir, file))?.trim();
}

/** The schema each release needs and ships: v1 -> 001, v2 -> 002, v3 -> 004; other builds (dev) -> v2's. */
function schemaOf(version: string): number {
  return version === 'v1' ? 1 : version === 'v3' ? 4 : 2;
}

export function loadConfig(env: Env = process.env, read: ReadFile = readIfExists): Config {
  const secretsDir = env.GRAVL_SECRETS_DIR || '/etc/gravl/secrets';
  const version = env.GRAVL_VERSION || 'dev';
  const password = secret(env, 'DB_PASSWORD', secretsDir, 'db-password', read);
  if (!password) {
    throw new ConfigError(
      `database password missing: set DB_PASSWORD, or DB_PASSWORD_FILE=<path>, or mount a secret file at ${join(secretsDir, 'db-password')}`,
    );
  }
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new ConfigError(`LOG_LEVEL=${logLevel} must be debug, info, warn or error`);
  return {
    version,
    port: int(env, 'PORT', 3000, 1, 65535),
    metricsPort: int(env, 'METRICS_PORT', 3001, 0, 65535),
    db: {
      host: env.DB_HOST || 'postgres',
      port: int(env, 'DB_PORT', 5432, 1, 65535),
      database: env.DB_NAME || 'gravl',
      user: secret(env, 'DB_USER', secretsDir, 'db-user', read) || 'gravl_user',
      password,
      connectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 10_000, 100),
    },
    secretsDir,
    migrationsDir: env.GRAVL_MIGRATIONS_DIR || new URL('../migrations', import.meta.url).pathname,
    requiredMigration: int(env, 'GRAVL_REQUIRED_MIGRATION', schemaOf(version), 0),
    maxMigration: int(env, 'GRAVL_MAX_MIGRATION', schemaOf(version), 0),
    adminEnabled: env.GRAVL_ADMIN_ENABLED === 'true',
    fault: { latencyMs: int(env, 'GRAVL_FAULT_LATENCY_MS', 0, 0, 600_000), errorRate: ratio(env, 'GRAVL_FAULT_ERROR_RATE') },
    crashOnStart: env.GRAVL_CRASH_ON_START === '1',
    failMigration: env.GRAVL_FAULT_MIGRATION === 'fail',
    logLevel,
  };
}
