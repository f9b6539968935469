/**
 * Redaction of CPR numbers and secret values. Applied to every log line, error message and status message.
 */
import type { SettingSpec } from './setting-spec.js';
import type { Settings } from './settings-store.js';
import { alwaysSecretKeyPattern } from './runner-settings.js';

/** Ten digits, with or without a dash after the sixth (DDMMYY-SSSS). */
export const cprPattern = /\b\d{6}-?\d{4}\b/g;

export type Redactor = (text: string) => string;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Secret strings in the settings: values of specs marked secret, and of keys that look like secrets. */
export function secretValues(settings: Settings, specs: readonly SettingSpec[]): string[] {
  const keys = new Set(specs.filter((s) => s.secret).map((s) => s.key));
  keys.add('crontab.CLIENT_SECRET');
  for (const key of Object.keys(settings.raw)) {
    if (alwaysSecretKeyPattern.test(key.split('.').pop() ?? key)) keys.add(key);
  }
  const values = new Set<string>();
  for (const key of keys) {
    const v = settings.get(key);
    if (typeof v === 'string' && v.length >= 4) values.add(v);
    if (typeof v === 'number' && String(v).length >= 6) values.add(String(v));
  }
  return [...values].sort((a, b) => b.length - a.length);
}

export function makeRedactor(secrets: readonly string[] = []): Redactor {
  const secretRe = secrets.length ? new RegExp(secrets.map(escapeRegExp).join('|'), 'g') : undefined;
  return (text: string) => {
    let out = secretRe ? text.replace(secretRe, '[secret]') : text;
    out = out.replace(cprPattern, '[cpr]');
    return out;
  };
}

/** Redacts strings anywhere inside a plain value (log metadata). */
export function redactDeep(value: unknown, redact: Redactor, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redact(value.message);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redact, depth + 1);
  return out;
}
