/**
 * Read-merge for units (spec §2.11): keep what FK holds and MO cannot provide, and skip the POST when FK
 * already equals the merged payload (lists compared as sets; missing ≡ null ≡ empty list).
 */
import type { OrgUnitPayload } from './payloads.js';

const UNIT_FIELDS = [
  'Uuid',
  'Name',
  'ParentOrgUnitUuid',
  'ShortKey',
  'PayoutUnitUuid',
  'ManagerUuid',
  'PhoneNumber',
  'Email',
  'Location',
  'LOSShortName',
  'LOSId',
  'ContactOpenHours',
  'DtrId',
  'EmailRemarks',
  'Contact',
  'PostReturn',
  'PhoneOpenHours',
  'Ean',
  'Url',
  'Landline',
  'Post',
  'PostSecondary',
  'FOA',
  'PNR',
  'SOR',
  'Tasks',
  'ItSystems',
  'ContactForTasks',
  'ContactPlaces',
];

/** Fields kept from FK when MO has no value (LOSShortName always comes from FK). */
const PRESERVED_WHEN_EMPTY = [
  'ShortKey',
  'PayoutUnitUuid',
  'ContactPlaces',
  'ContactOpenHours',
  'SOR',
  'Tasks',
];

/** An FK unit as OS2sync returned it, with canonical key names and without Type, Timestamp and unknown keys. */
export function canonicalFkUnit(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!body || typeof body !== 'object') return out;
  const byLower = new Map(UNIT_FIELDS.map((f) => [f.toLowerCase(), f]));
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const name = byLower.get(k.toLowerCase());
    if (name) out[name] = v;
  }
  return out;
}

const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

export function mergeWithFk(mo: OrgUnitPayload, fk: Record<string, unknown>): OrgUnitPayload {
  const merged: OrgUnitPayload = { ...mo };
  if (!isEmpty(fk.LOSShortName)) merged.LOSShortName = fk.LOSShortName;
  else delete merged.LOSShortName;
  for (const field of PRESERVED_WHEN_EMPTY) {
    if (isEmpty(merged[field]) && !isEmpty(fk[field])) merged[field] = fk[field];
  }
  return merged;
}

function comparable(v: unknown): unknown {
  if (isEmpty(v)) return null;
  if (Array.isArray(v))
    return JSON.stringify([...v].map((x) => (typeof x === 'string' ? x.toLowerCase() : x)).sort());
  return v;
}

export function sameAsFk(merged: OrgUnitPayload, fk: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(merged), ...Object.keys(fk)]);
  for (const key of keys) {
    if (comparable(merged[key]) !== comparable(fk[key])) return false;
  }
  return true;
}
