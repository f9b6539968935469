/**
 * Canonical JSON and payload hashes for the hash cache (spec §3.1, decision 8). The canonical form is the
 * legacy one (Python `json.dumps(sort_keys=True)`: keys sorted at every level, `", "` and `": "`
 * separators, non-ASCII escaped as \uXXXX), hashed with SHA-256 together with the operation.
 */
import { createHash } from 'node:crypto';

export type Operation = 'upsert' | 'delete';

/** Printable ASCII other than `"` and `\`: written as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function escapeString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  // UTF-16 code units: a character above U+FFFF comes out as its surrogate pair, \uXXXX\uXXXX, as Python writes it
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === 0x22) out += '\\"';
    else if (code === 0x5c) out += '\\\\';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x0d) out += '\\r';
    else if (code === 0x09) out += '\\t';
    else if (code === 0x08) out += '\\b';
    else if (code === 0x0c) out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return out + '"';
}

/** Python's `json.dumps(value, sort_keys=True)`; undefined object members are left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : JSON.stringify(value);
  if (typeof value === 'string') return escapeString(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ', ' : '') + canonicalJson(value[i]);
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    out += (first ? '' : ', ') + escapeString(k) + ': ' + canonicalJson(v);
    first = false;
  }
  return out + '}';
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
