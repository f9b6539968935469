/** What every command needs: the settings, the jobs, the repository root, the state dir. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobDefinition } from '../job.js';
import type { Settings } from '../settings-store.js';
import { allJobs, loadAllSettings } from '../all-jobs.js';
import { stateDirOf } from '../state-paths.js';

export interface GlobalOptions {
  settings?: string;
  verbose?: boolean;
}

export interface CommandContext {
  settings: Settings;
  jobs: JobDefinition[];
  root: string;
  env: Record<string, string | undefined>;
  stateDir: string;
  out: (line: string) => void;
}

/** The installation root: the nearest directory above this module holding package.json. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

export function loadContext(opts: GlobalOptions): CommandContext {
  const env = process.env as Record<string, string | undefined>;
  const settings = loadAllSettings({ file: opts.settings, env, cwd: process.cwd() });
  const root = repoRoot();
  return {
    settings,
    jobs: allJobs(settings),
    root,
    env,
    stateDir: stateDirOf(settings),
    out: (line) => process.stdout.write(line + '\n'),
  };
}

export { formatDuration, formatTime, table } from '../status-table.js';
