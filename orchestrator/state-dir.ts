/**
 * Whether `runner.state_dir` can be used, asked the same way by `check` (without creating anything) and by
 * `run` (which then creates it 0700).
 */
import fs from 'node:fs';
import path from 'node:path';
import { diskError, type Problem, SettingsProblemsError } from './errors.js';

const key = 'runner.state_dir';

/** What stops the runner from using the state dir; empty when it exists as a writable directory or can be created. */
export function stateDirProblems(stateDir: string): Problem[] {
  let dir = stateDir;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        return [{ key, message: `cannot use ${stateDir} (${code})` }];
    }
    if (stat) {
      if (!stat.isDirectory()) {
        const what =
          dir === stateDir ? 'is a file, not a directory' : `cannot be created: ${dir} is not a directory`;
        return [{ key, message: `${stateDir} ${what}` }];
      }
      try {
        fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
      } catch {
        return [{ key, message: `cannot use ${stateDir} (${dir} is not writable by the runner)` }];
      }
      return [];
    }
    const up = path.dirname(dir);
    if (up === dir) return [];
    dir = up;
  }
}

/** Creates the state dir (0700) or throws SettingsProblemsError / a disk StateFileError (exit 2). */
export function prepareStateDir(stateDir: string): void {
  const problems = stateDirProblems(stateDir);
  if (problems.length) throw new SettingsProblemsError(problems);
  try {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw (
      diskError(err, stateDir) ??
      new SettingsProblemsError([
        { key, message: `cannot use ${stateDir} (${(err as NodeJS.ErrnoException).code})` },
      ])
    );
  }
}
