/**
 * Errors the CLI maps to exit codes in one place (cli.ts). Expected errors print one line, never a stack.
 * Exit codes (DESIGN §4): 2 usage or settings error before anything ran, 3 lock held.
 */
import fs from 'node:fs';

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

/** The settings file or state dir could be changed by someone else than the runner (trust.ts). Exit 2. */
export class TrustError extends ExitError {
  constructor(
    readonly path: string,
    why = 'is writable by group or others',
    fix = `chmod go-w ${path}`,
  ) {
    super(2, `refusing to run: ${path} ${why}; fix with: ${fix}`);
    this.name = 'TrustError';
  }
}

/** An operator condition on a file (corrupt history, full disk): one line naming the file and the fix. Exit 2. */
export class StateFileError extends ExitError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(2, `${path}: ${message}`);
    this.name = 'StateFileError';
  }
}

const diskErrors: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  SQLITE_FULL: 'no space left on device (database or disk is full)',
};

/** SQLite says only "disk I/O error" when a write fails; the file system says whether it is full. */
function sqliteIoError(where: string): string {
  try {
    if (fs.statfsSync(where).bavail === 0) return diskErrors.ENOSPC!;
  } catch {
    // no answer: keep SQLite's words
  }
  return 'disk I/O error';
}

/** A full or read-only disk met outside a job, as a StateFileError naming the path; else undefined. */
export function diskError(err: unknown, fallbackPath?: string): StateFileError | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  const where = e?.path ?? fallbackPath;
  if (!e?.code || !where) return undefined;
  const why = e.code.startsWith('SQLITE_IOERR') ? sqliteIoError(where) : diskErrors[e.code];
  return why ? new StateFileError(where, `${why} (free space there, then run again)`) : undefined;
}

/** Another run holds the lock. Exit 3. */
export class LockHeldError extends ExitError {
  constructor(message: string) {
    super(3, message);
    this.name = 'LockHeldError';
  }
}
