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
