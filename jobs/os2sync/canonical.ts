/**
 * Canonical JSON and payload hashes for the hash cache (spec §3.1, decision 8). The canonical form is the
 * legacy one (Python `json.dumps(sort_keys=True)`: keys sorted at every level, `", "` and `": "`
 * separators, non-ASCII escaped as \uXXXX), hashed with SHA-256 together with the operation.
 */
import { createHash } from 'node:crypto';

export type Operation = 'upsert' | 'delete';

function escapeString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || (code > 0x7e && code <= 0xffff))
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (code > 0xffff) {
      const v = code - 0x10000;
      out += `\\u${(0xd800 + (v >> 10)).toString(16)}\\u${(0xdc00 + (v & 0x3ff)).toString(16)}`;
    } else out += ch;
  }
  return out + '"';
}

/** Python's `json.dumps(value, sort_keys=True)`; undefined object members are left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : JSON.stringify(value);
  if (typeof value === 'string') return escapeString(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${escapeString(k)}: ${canonicalJson(v)}`).join(', ')}}`;
}

export function payloadHash(
  payload: unknown,
  op: Operation,
  algorithm: 'sha256' | 'sha224' = 'sha256',
): string {
  return createHash(algorithm)
    .update(canonicalJson(op === 'delete' ? {} : payload) + op, 'utf8')
    .digest('hex');
}
