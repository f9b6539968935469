/**
 * Normalisation before hashing and sending (spec §2.12): every string of the payload object and of nested
 * objects (Person) is trimmed and cut to the truncate length; strings inside lists are left alone.
 */

export interface Truncation {
  key: string;
  uuid: string;
}

export function normalizePayload<T extends object>(
  payload: T,
  maxLength: number,
  uuid: string,
  truncated: Truncation[],
  prefix = '',
): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value === 'string') {
      const trimmed = value.trim();
      if (trimmed.length > maxLength) truncated.push({ key: prefix + key, uuid });
      out[key] = trimmed.length > maxLength ? trimmed.slice(0, maxLength) : trimmed;
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = normalizePayload(value as object, maxLength, uuid, truncated, `${prefix}${key}.`);
    } else {
      out[key] = value;
    }
  }
  return out as T;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
