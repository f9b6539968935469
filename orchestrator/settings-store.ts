/**
 * The loaded settings: a flat map of dotted keys (DIPEX format) with environment overrides applied.
 * Jobs read values through `value(spec)` so defaults and parsing live in one place.
 */
import type { SettingSpec } from './setting-spec.js';
import { ExitError } from './errors.js';

/** A key with a bad value. Exit 2 when it reaches the CLI (before anything ran); a job that throws it fails. */
export class SettingsError extends ExitError {
  constructor(
    public readonly key: string,
    message: string,
  ) {
    super(2, `${key}: ${message}`);
    this.name = 'SettingsError';
  }
}

export class Settings {
  constructor(
    /** The raw flat map (file values with env overrides applied). */
    readonly raw: Readonly<Record<string, unknown>>,
    /** Where the settings came from (path or description), for messages. */
    readonly source: string,
    /** Keys set by an environment variable, and the variable's name (named in errors). */
    readonly fromEnv: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** The environment variable that set this key, or the one that set the object holding it (`runner.jobs.x.command`). */
  envVarOf(key: string): string | undefined {
    for (let k = key; k; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
      const name = this.fromEnv.get(k);
      if (name) return name;
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  get(key: string): unknown {
    return this.raw[key];
  }

  /** Parsed value of a declared key, or its default. Throws SettingsError naming the key when invalid or missing. */
  value<T>(spec: SettingSpec<T>): T {
    const raw = this.raw[spec.key] ?? spec.aliases?.map((a) => this.raw[a]).find((v) => v !== undefined);
    if (raw === undefined || raw === null || raw === '') {
      if (spec.default !== undefined) return spec.default;
      if (spec.required) throw new SettingsError(spec.key, 'is required but not set');
      return undefined as T;
    }
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const env = this.envVarOf(spec.key);
      throw new SettingsError(
        spec.key,
        `${issue?.message ?? 'invalid value'} (expected ${spec.type})${env ? ` ${fromEnvNote(env)}` : ''}`,
      );
    }
    return parsed.data;
  }

  /** A copy with some keys replaced (tests, demo). */
  with(overrides: Record<string, unknown>): Settings {
    return new Settings({ ...this.raw, ...overrides }, this.source, this.fromEnv);
  }
}

export function fromEnvNote(envVar: string): string {
  return `(set by environment variable ${envVar})`;
}
