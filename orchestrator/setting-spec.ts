/**
 * Declarative description of one flat dotted settings key. Every job and the runner itself declare the keys
 * they read this way; `check` validates them and docs/settings.md is generated from them.
 */
import { z } from 'zod';
import ms from 'ms';

export interface SettingSpec<T = unknown> {
  /** Flat dotted key as in DIPEX's settings.json, e.g. `os2sync.api_url`. */
  key: string;
  /** Validates the value (after env override parsing). */
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** Type as shown in docs: `string`, `boolean`, `integer`, `duration`, `URL`, `UUID[]` … */
  type: string;
  /** Default when the key is absent (documented). */
  default?: T;
  /** Absent and no default: a settings error for the job that declares it. */
  required?: boolean;
  /** The value is a secret: redacted in every log line, error and status output. */
  secret?: boolean;
  /** Extra environment variable names that override the key (besides the dots→underscores name). */
  env?: string[];
  /** Deprecated key names read when `key` is absent (stale spellings DIPEX's example settings used). */
  aliases?: string[];
  description: string;
  /**
   * A rule between this key and others (e.g. AUTH_SERVER when CLIENT_ID is set), given the parsed value.
   * Returns what is wrong, or undefined. Run by `check` and before the job starts.
   */
  check?(
    value: T | undefined,
    settings: { has(key: string): boolean; get(key: string): unknown },
  ): string | undefined;
}

/** Helper so spec arrays stay readable. */
export function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

/** A DIPEX toggle: JSON true or the string "true" (any case) is on; false/"false"/absent is off. */
export const toggleSchema = z
  .union([z.boolean(), z.string()])
  .refine((v) => typeof v === 'boolean' || /^(true|false)$/i.test(v), { message: 'expected true or false' });

export function toggleOn(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

/** Accepts booleans and "true"/"false" strings (env overrides and DIPEX files use both). */
export const boolSchema = z
  .union([z.boolean(), z.enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE'])])
  .transform((v) => (typeof v === 'boolean' ? v : v.toLowerCase() === 'true'));

/** A duration as `4h`, `30m`, `90s`, `500ms`, or a number of seconds. Parsed to milliseconds. */
export const durationSchema = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v * 1000;
  const parsed = /^\d+$/.test(v.trim()) ? Number(v) * 1000 : ms(v.trim() as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `expected a duration like 4h, 30m or 90s, got "${v}"`,
    });
    return z.NEVER;
  }
  return parsed;
});

/** Every URL setting is an HTTP endpoint: `file:`, `ftp:` and bare host names are refused. */
export const urlSchema = z
  .string()
  .url()
  .refine((u) => /^https?:\/\/[^/]/i.test(u), { message: 'expected an http:// or https:// URL' });
export const uuidSchema = z.string().uuid();
export const intSchema = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);
export const positiveIntSchema = intSchema.pipe(z.number().int().positive());
