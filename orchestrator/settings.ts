/**
 * Loading settings (DESIGN §6): the file (`--settings`, else `$CUSTOMER_SETTINGS`, else `./settings.json`),
 * environment overrides, and validation of everything before anything runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { JobDefinition, JobPaths } from './job.js';
import type { SettingSpec } from './setting-spec.js';
import { toggleSchema } from './setting-spec.js';
import { fromEnvNote, Settings } from './settings-store.js';
import { type Problem, SettingsProblemsError } from './errors.js';
import { checkTrust } from './trust.js';
import { stateDirProblems } from './state-dir.js';
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

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** Where JSON.parse failed, from jsonc-parser in strict mode; never any of the text (it may hold secrets). */
function jsonErrorAt(text: string): string {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  return first ? `${printParseErrorCode(first.error)} at ${lineColumn(text, first.offset)}` : 'syntax error';
}

/** Byte offset of the first byte that is not valid UTF-8, or -1. */
function invalidUtf8Offset(bytes: Buffer): number {
  if (isUtf8(bytes)) return -1;
  const text = bytes.toString('utf8');
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) {
    // every U+FFFD before i was a real one (three bytes), so the prefix re-encodes to the same bytes
    const offset = Buffer.byteLength(text.slice(0, i));
    // a real U+FFFD in the file is EF BF BD; a decoding replacement is not
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
  }
  return 0;
}

export function readSettingsFile(file: string): Record<string, unknown> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'not found (give --settings FILE or set CUSTOMER_SETTINGS)'
        : code === 'EISDIR'
          ? 'is a directory, not a settings file'
          : `cannot be read (${code})`;
    throw new SettingsProblemsError([{ key: 'settings', message: `${file}: ${why}` }]);
  }
  const bad = invalidUtf8Offset(bytes);
  if (bad >= 0) {
    throw new SettingsProblemsError([
      { key: 'settings', message: `${file}: not valid UTF-8 (byte offset ${bad}); save the file as UTF-8` },
    ]);
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SettingsProblemsError([
      { key: 'settings', message: `${file}: not valid JSON (${jsonErrorAt(text)})` },
    ]);
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
  return envOverrides(fileValues, env, specs, extraKeys).values;
}

/** Environment overrides, and for each key they set, the variable's name (for error messages). */
export function envOverrides(
  fileValues: Record<string, unknown>,
  env: Record<string, string | undefined>,
  specs: readonly SettingSpec[],
  extraKeys: readonly string[] = [],
): { values: Record<string, unknown>; fromEnv: Map<string, string> } {
  const envLower = new Map<string, { name: string; value: string }>();
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) envLower.set(name.toLowerCase(), { name, value });
  }
  const fromEnv = new Map<string, string>();
  const specByKey = new Map(specs.map((s) => [s.key, s]));
  const keys = new Set([...Object.keys(fileValues), ...specByKey.keys(), ...extraKeys]);
  const out: Record<string, unknown> = { ...fileValues };
  for (const key of keys) {
    if (key.includes('<')) continue; // documentation placeholders such as runner.timeout.<job>
    const spec = specByKey.get(key);
    const names = [envNameFor(key), ...(spec?.env ?? [])];
    for (const name of names) {
      const found = envLower.get(name.toLowerCase());
      if (found !== undefined) {
        out[key] = parseEnvValue(found.value, spec, fileValues[key]);
        fromEnv.set(key, found.name);
        break;
      }
    }
  }
  return { values: out, fromEnv };
}

/** Reads the settings file and applies environment overrides. Throws SettingsProblemsError (exit 2). */
export function loadSettings(opts: LoadSettingsOptions): Settings {
  const file = settingsPath(opts);
  const values = readSettingsFile(file);
  const specs = [...runnerSettings, ...(opts.specs ?? [])];
  const { values: merged, fromEnv } = envOverrides(values, opts.env, specs, opts.keys ?? []);
  return new Settings(merged, file, fromEnv);
}

/** Names the environment variable a problem's key came from, so the operator knows where to look. */
function withEnvVar(settings: Settings, p: Problem): Problem {
  const envVar = settings.envVarOf(p.key);
  return envVar && !p.message.includes(envVar) ? { ...p, message: `${p.message} ${fromEnvNote(envVar)}` } : p;
}

function specProblems(settings: Settings, specs: readonly SettingSpec[], job?: string): Problem[] {
  const problems: Problem[] = [];
  for (const spec of specs) {
    if (spec.key.includes('<')) continue;
    let message: string | undefined;
    try {
      const value = settings.value(spec);
      message = spec.check?.(value, settings);
    } catch (err) {
      message = err instanceof Error ? err.message.replace(`${spec.key}: `, '') : String(err);
    }
    if (message) problems.push(withEnvVar(settings, { ...(job ? { job } : {}), key: spec.key, message }));
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
  return problems.map((p) => withEnvVar(settings, p));
}

/** Problems with the settings of each enabled job; at run time such a job fails at once, the rest runs. */
export function jobSettingProblems(settings: Settings, job: JobDefinition): Problem[] {
  return specProblems(settings, job.settings ?? [], job.name);
}

/**
 * Every problem of one job's settings: each key (jobSettingProblems), then the job's own `validate`
 * (rules between keys, template syntax). What `check` reports and what fails the job before it starts.
 */
export async function jobProblems(
  settings: Settings,
  job: JobDefinition,
  paths: JobPaths,
): Promise<Problem[]> {
  const problems = jobSettingProblems(settings, job);
  if (problems.length || !job.validate) return problems;
  try {
    await job.validate(settings, paths);
    return [];
  } catch (err) {
    const key = (err as { key?: unknown }).key;
    if (typeof key !== 'string') return [{ job: job.name, key: job.name, message: String(err) }];
    const message = err instanceof Error ? err.message.replace(`${key}: `, '') : String(err);
    return [withEnvVar(settings, { job: job.name, key, message })];
  }
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

/**
 * What `check` reports: validateSettings, each enabled job's `validate`, and the state dir as `run` would
 * use it. Empty exactly when `run` of the whole night starts every job.
 */
export async function checkProblems(
  settings: Settings,
  jobs: readonly JobDefinition[],
  paths: JobPaths,
): Promise<Problem[]> {
  const problems = validateSettings(settings, jobs);
  if (!problems.some((p) => p.key === 'runner.state_dir')) problems.push(...stateDirProblems(paths.state));
  for (const job of jobs) {
    if (!isEnabled(job, settings) || problems.some((p) => p.job === job.name)) continue;
    problems.push(...(await jobProblems(settings, job, paths)));
  }
  return problems;
}

export { checkTrust };

/** Per-job timeout key for a job (re-exported for callers that format messages). */
export { jobTimeoutKey };
