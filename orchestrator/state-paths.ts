/** Where the runner keeps its state; cheap to import (no engine, no logging). */
import path from 'node:path';
import type { Settings } from './settings-store.js';
import { stateDirSpec } from './runner-settings.js';

/** `runner.state_dir` as an absolute path (relative to the working directory, like `./settings.json`). */
export function stateDirOf(settings: Settings, cwd: string = process.cwd()): string {
  return path.resolve(cwd, settings.value(stateDirSpec));
}

export function historyPath(stateDir: string): string {
  return path.join(stateDir, 'history.sqlite');
}

/**
 * The lease of `job-runner listen` (one listener per state dir), beside the night's `run.lock`: the night
 * and the listener run at the same time. Its path is the PID lock file of older versions, so a listener of an
 * older version still running is seen (held while its PID lives).
 */
export function listenLockPath(stateDir: string): string {
  return path.join(stateDir, 'listen', 'listen.lock');
}
