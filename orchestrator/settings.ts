/**
 * Loading settings (DESIGN §6): the file (`--settings`, else `$CUSTOMER_SETTINGS`, else `./settings.json`),
 * environment overrides, and validation of everything before anything runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobDefinition } from './job.js';
import type { SettingSpec } from './setting-spec.js';
import { toggleSchema } from './setting-spec.js';
import { Settings } from './settings-store.js';
import { type Problem, SettingsProblemsError, TrustError } from './errors.js';
import { commandJobEntrySchema, runnerSettings, jobTimeoutKey, timeoutDocSpec } from './runner-settings.js';
import { isEnabled, planProblems } from './plan.js';
import { operationsSettings } from './settings-catalogue.js';

export type { Problem } from './errors.js';

export interface LoadSettingsOptions {
  /** `--settings FILE`. */
  file?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Declared specs (runner keys are always included): their keys and `env` aliases can be set from the environment. */
  specs?: readonly SettingSpec[];
  /** Further keys that can be set from the environment although absent from the file (job toggles). */
  keys?: readonly string[];
}

/** Which file to read: `--settings`, else `$CUSTOMER_SETTINGS`, else `./settings.json`. */
export function settingsPath(opts: Pick<LoadSettingsOptions, 'file' | 'env' | 'cwd'>): string {
  const chosen = opts.file ?? opts.env.CUSTOMER_SETTINGS ?? 'settings.json';
  return path.resolve(opts.cwd, chosen);
}

function oneLineJsonError(file: string, err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return `${file}: not valid JSON (${msg.split('\n')[0]})`;
}

export function readSettingsFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'not found (give --settings FILE or set CUSTOMER_SETTINGS)'
        : `cannot be read (${code})`;
    throw new SettingsProblemsError([{ key: 'settings', message: `${file}: ${why}` }]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SettingsProblemsError([{ key: 'settings', message: oneLineJsonError(file, err) }]);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new SettingsProblemsError([
      { key: 'settings', message: `${file}: expected a JSON object of dotted keys` },
    ]);
  }
  return data as Record<string, unknown>;
}

/** Env var name for a key: dots and dashes become underscores (matched case-insensitively). */
export function envNameFor(key: string): string {
  return key.replace(/[.-]/g, '_');
}

const nonStringType = /\[\]|boolean|toggle|integer|number|object|list|map|json/i;

function parseEnvValue(raw: string, spec: SettingSpec | undefined, fileValue: unknown): unknown {
  const stringy = spec
    ? !nonStringType.test(spec.type)
    : fileValue === undefined || typeof fileValue === 'string';
  if (stringy) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Applies environment overrides to a flat settings map; returns the new map. */
export function applyEnvOverrides(
  fileValues: Record<string, unknown>,
  env: Record<string, string | undefined>,
  specs: readonly SettingSpec[],
  extraKeys: readonly string[] = [],
): Record<string, unknown> {
  const envLower = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) envLower.set(name.toLowerCase(), value);
  }
  const specByKey = new Map(specs.map((s) => [s.key, s]));
  const keys = new Set([...Object.keys(fileValues), ...specByKey.keys(), ...extraKeys]);
  const out: Record<string, unknown> = { ...fileValues };
  for (const key of keys) {
    if (key.includes('<')) continue; // documentation placeholders such as runner.timeout.<job>
    const spec = specByKey.get(key);
    const names = [envNameFor(key), ...(spec?.env ?? [])];
    for (const name of names) {
      const raw = envLower.get(name.toLowerCase());
      if (raw !== undefined) {
        out[key] = parseEnvValue(raw, spec, fileValues[key]);
        break;
      }
    }
  }
  return out;
}

/** Reads the settings file and applies environment overrides. Throws SettingsProblemsError (exit 2). */
export function loadSettings(opts: LoadSettingsOptions): Settings {
  const file = settingsPath(opts);
  const values = readSettingsFile(file);
  const specs = [...runnerSettings, ...(opts.specs ?? [])];
  return new Settings(applyEnvOverrides(values, opts.env, specs, opts.keys ?? []), file);
}

function specProblems(settings: Settings, specs: readonly SettingSpec[], job?: string): Problem[] {
  const problems: Problem[] = [];
  for (const spec of specs) {
    if (spec.key.includes('<')) continue;
    try {
      settings.value(spec);
    } catch (err) {
      const message = err instanceof Error ? err.message.replace(`${spec.key}: `, '') : String(err);
      problems.push({ ...(job ? { job } : {}), key: spec.key, message });
    }
  }
  return problems;
}

/** Problems with runner keys, `runner.jobs` entries, toggles and the plan: they stop a run before it starts. */
export function runnerProblems(settings: Settings, jobs: readonly JobDefinition[]): Problem[] {
  const problems = specProblems(settings, runnerSettings);
  for (const key of Object.keys(settings.raw)) {
    if (key.startsWith('runner.timeout.')) {
      problems.push(...specProblems(settings, [{ ...timeoutDocSpec, key }]));
      const job = key.slice('runner.timeout.'.length);
      if (!jobs.some((j) => j.name === job)) {
        problems.push({ key, message: `no job is named "${job}"` });
      }
    }
  }
  const entries = settings.get('runner.jobs');
  if (entries !== undefined && entries !== null && !problems.some((p) => p.key === 'runner.jobs')) {
    if (typeof entries !== 'object' || Array.isArray(entries)) {
      problems.push({ key: 'runner.jobs', message: 'expected an object {"name": {"stage", "command", …}}' });
    } else {
      for (const [name, entry] of Object.entries(entries as Record<string, unknown>)) {
        const key = `runner.jobs.${name}`;
        if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
          problems.push({ key, message: 'job names may contain only letters, digits, _ . and -' });
          continue;
        }
        const parsed = commandJobEntrySchema.safeParse(entry);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const where = issue.path.length ? `.${issue.path.join('.')}` : '';
          problems.push({ key: `${key}${where}`, message: issue.message });
        }
      }
    }
  }
  for (const job of jobs) {
    if (job.enabled) continue;
    for (const key of job.toggle) {
      const value = settings.get(key);
      if (value === undefined || value === null) continue;
      if (!toggleSchema.safeParse(value).success) {
        problems.push({ key, message: `expected true or false, got ${JSON.stringify(value)}` });
      }
    }
  }
  if (problems.length === 0) problems.push(...planProblems(jobs, settings));
  return problems;
}

/** Problems with the settings of each enabled job; at run time such a job fails at once, the rest runs. */
export function jobSettingProblems(settings: Settings, job: JobDefinition): Problem[] {
  return specProblems(settings, job.settings ?? [], job.name);
}

/** Every problem: runner keys, toggles, plan, and each enabled job's settings (`job-runner check`). */
export function validateSettings(settings: Settings, jobs: readonly JobDefinition[]): Problem[] {
  const problems = [...runnerProblems(settings, jobs), ...specProblems(settings, operationsSettings)];
  const seen = new Set(problems.map((p) => `${p.job ?? ''}|${p.key}`));
  for (const job of jobs) {
    if (!isEnabled(job, settings)) continue;
    for (const p of jobSettingProblems(settings, job)) {
      if (!seen.has(`${p.job ?? ''}|${p.key}`)) problems.push(p);
    }
  }
  return problems;
}

/** Refuses settings files and state dirs writable by group or others (settings can define shell commands). */
export function checkTrust(paths: readonly string[]): void {
  for (const p of paths) {
    let mode: number;
    try {
      mode = fs.statSync(p).mode;
    } catch {
      continue; // not created yet: we create it 0700
    }
    if ((mode & 0o022) !== 0) throw new TrustError(p);
  }
}

/** Per-job timeout key for a job (re-exported for callers that format messages). */
export { jobTimeoutKey };
