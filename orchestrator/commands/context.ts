/** What every command needs: the settings, the jobs, the repository root, the state dir. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobDefinition } from '../job.js';
import type { Settings } from '../settings-store.js';
import { loadSettings } from '../settings.js';
import { allJobs, allSpecs } from '../all-jobs.js';
import { stateDirOf } from '../state-paths.js';
import { timezoneSpec } from '../runner-settings.js';

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
  const settings = loadSettings({ file: opts.settings, env, cwd: process.cwd(), specs: allSpecs() });
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

/** `2026-11-23 02:00:05` in the runner's time zone. */
export function formatTime(iso: string | null | undefined, settings: Settings): string {
  if (!iso) return '-';
  let tz = 'UTC';
  try {
    tz = settings.value(timezoneSpec);
  } catch {
    // fall back to UTC
  }
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(new Date(iso));
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${(ms / 1000).toFixed(1)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

/** Pads columns of a table of strings. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
