// Errors of the Postgres driver. Each says what went wrong and what to do next.
import { DrillbookError } from '../../scenarios/errors.ts';

/** A backup failed its integrity check (missing, truncated, checksum mismatch, unreadable). Nothing was restored. */
export class BackupIntegrityError extends DrillbookError {
  override name = 'BackupIntegrityError';
  readonly key: string;
  readonly problems: readonly string[];
  constructor(key: string, problems: readonly string[], options: { cause?: unknown; hint?: string } = {}) {
    super(`backup ${key} failed its integrity check before restore:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      cause: options.cause,
      hint: options.hint ?? 'do not restore this backup: take a fresh one, or pick an older backup whose manifest verifies',
    });
    this.key = key;
    this.problems = problems;
  }
}

/** A restored copy did not match its manifest. The live database was left untouched. */
export class RestoreValidationError extends DrillbookError {
  override name = 'RestoreValidationError';
  readonly problems: readonly string[];
  constructor(what: string, problems: readonly string[], options: { cause?: unknown; hint?: string } = {}) {
    super(`${what} failed validation:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      cause: options.cause,
      hint: options.hint ?? 'the live database was not touched; inspect the backup manifest and the source database before retrying',
    });
    this.problems = problems;
  }
}

/** A procedure step ran past its timeout. */
export class StepTimedOutError extends DrillbookError {
  override name = 'StepTimedOutError';
  readonly step: string;
  readonly timeoutMs: number;
  constructor(step: string, timeoutMs: number, options: { cause?: unknown } = {}) {
    super(`step "${step}" did not finish within ${timeoutMs} ms`, {
      cause: options.cause,
      hint: 'raise the step timeout for databases of this size, or look at the container logs for a stuck process',
    });
    this.step = step;
    this.timeoutMs = timeoutMs;
  }
}
