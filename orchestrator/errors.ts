/**
 * Errors the CLI maps to exit codes in one place (cli.ts). Expected errors print one line, never a stack.
 * Exit codes (DESIGN §4): 2 usage or settings error before anything ran, 3 lock held.
 */

/** Base of every expected error: carries the process exit code. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

/** Bad command line: unknown job, bad option value. Exit 2. */
export class UsageError extends ExitError {
  constructor(message: string) {
    super(2, message);
    this.name = 'UsageError';
  }
}

/** A problem found in the settings before anything ran. Exit 2. */
export interface Problem {
  /** The job the problem belongs to; absent for runner-level keys. */
  job?: string;
  key: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  return p.job ? `${p.job}: ${p.key}: ${p.message}` : `${p.key}: ${p.message}`;
}

/** Settings cannot be used (unreadable file, invalid runner keys, plan errors). Exit 2. */
export class SettingsProblemsError extends ExitError {
  constructor(readonly problems: Problem[]) {
    super(2, problems.map(formatProblem).join('\n'));
    this.name = 'SettingsProblemsError';
  }
}

/** The settings file or state dir is writable by group or others. Exit 2. */
export class TrustError extends ExitError {
  constructor(readonly path: string) {
    super(2, `refusing to run: ${path} is writable by group or others; fix with: chmod go-w ${path}`);
    this.name = 'TrustError';
  }
}

/** Another run holds the lock. Exit 3. */
export class LockHeldError extends ExitError {
  constructor(message: string) {
    super(3, message);
    this.name = 'LockHeldError';
  }
}
