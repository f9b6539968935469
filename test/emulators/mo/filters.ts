import type { EntityName, ISODate } from '../../fixtures/types.js';
import { filterWindow, type Window } from './dates.js';
import { validityAtDate, validityOverlaps, type AnyObject, type AnyValidity, type Store } from './store.js';

export type Filter = Record<string, unknown>;
type Pred = (v: AnyValidity, obj: AnyObject) => boolean;

/** Per-request state: memoised sub-filter results (e.g. `employee: {…}` inside an engagement filter). */
export interface FilterScope {
  store: Store;
  now: ISODate;
  memo: Map<string, Set<string>>;
}

/** Which filter key refers to which entity and which validity field (when the names differ per entity). */
const NESTED: Record<string, EntityName> = {
  employee: 'persons',
  org_unit: 'org_units',
  address_type: 'classes',
  visibility: 'classes',
  engagement: 'engagements',
  itsystem: 'itsystems',
  job_function: 'classes',
  engagement_type: 'classes',
  manager_type: 'classes',
  association_type: 'classes',
  responsibility: 'classes',
  facet: 'facets',
  parent: 'org_units',
  hierarchy: 'classes',
};
/** Filter keys that list UUIDs directly, and the nested key they stand for. */
const DIRECT: Record<string, string> = {
  employees: 'employee',
  org_units: 'org_unit',
  address_types: 'address_type',
  engagements: 'engagement',
  itsystem_uuids: 'itsystem',
  association_types: 'association_type',
  facets: 'facet',
  parents: 'parent',
  hierarchies: 'hierarchy',
};

/** The validity field a filter key tests for an entity. */
function fieldFor(kind: EntityName, key: string): string {
  if (key === 'employee') return 'person';
  if (key === 'org_unit' && kind === 'related_units') return 'org_units';
  if (key === 'engagement' && kind === 'itusers') return 'engagements';
  if (key === 'responsibility') return 'responsibilities';
  if (key === 'hierarchy') return 'org_unit_hierarchy';
  return key;
}

function refIn(value: unknown, set: Set<string>): boolean {
  if (Array.isArray(value)) return value.some((x) => typeof x === 'string' && set.has(x));
  return typeof value === 'string' && set.has(value);
}

function strings(value: unknown): Set<string> {
  return new Set((value as string[]).map(String));
}

/** UUIDs of `kind` matching a (sub-)filter, memoised per request. */
export function matchingUuids(scope: FilterScope, kind: EntityName, filter: Filter): Set<string> {
  const key = `${kind}|${JSON.stringify(filter)}`;
  let set = scope.memo.get(key);
  if (!set) {
    set = new Set(matchingObjects(scope, kind, filter).map((o) => o.uuid));
    scope.memo.set(key, set);
  }
  return set;
}

function ancestorsAt(scope: FilterScope, unit: string | null): string[] {
  const out: string[] = [];
  for (let u = unit; u && out.length < 100;) {
    out.push(u);
    const obj = scope.store.get('org_units', u);
    u = obj ? ((validityAtDate(obj, scope.now)?.parent as string | null | undefined) ?? null) : null;
  }
  return out;
}

function buildPredicates(scope: FilterScope, kind: EntityName, filter: Filter): Pred[] {
  const preds: Pred[] = [];
  for (const [key, raw] of Object.entries(filter)) {
    if (raw === null || raw === undefined || key === 'from_date' || key === 'to_date' || key === 'uuids')
      continue;
    if (key === 'user_keys') {
      const set = strings(raw);
      preds.push((v) => set.has(v.user_key));
    } else if (key === 'names' || key === 'name') {
      const set = strings(raw);
      preds.push((v) => set.has(v.name));
    } else if (key === 'scope') {
      const set = strings(raw);
      preds.push((v) => v.scope !== null && set.has(v.scope));
    } else if (key === 'external_ids') {
      const set = strings(raw);
      preds.push((v) => set.has(v.external_id));
    } else if (key === 'address_type_user_keys') {
      const set = new Set((raw as string[]).flatMap((k) => scope.store.classesByUserKey.get(k) ?? []));
      preds.push((v) => set.has(v.address_type));
    } else if (key === 'facet_user_keys') {
      const set = matchingUuids(scope, 'facets', { user_keys: raw });
      preds.push((v) => set.has(v.facet));
    } else if (key === 'cpr_numbers') {
      const cprs = (raw as string[]).map((c) => c.replace('-', ''));
      if (cprs.some((c) => !/^\d{10}$/.test(c) || Number(c.slice(0, 2)) > 31 || Number(c.slice(0, 2)) === 0))
        throw new Error('Birthdate not ok');
      const set = new Set(cprs);
      preds.push((v) => set.has(v.cpr_number));
    } else if (key === 'ancestor') {
      const set = matchingUuids(scope, 'org_units', raw as Filter);
      preds.push((_v, obj) =>
        ancestorsAt(scope, obj.uuid)
          .slice(1)
          .some((u) => set.has(u)),
      );
    } else if (key === 'descendant') {
      const above = new Set<string>();
      for (const u of matchingUuids(scope, 'org_units', raw as Filter))
        ancestorsAt(scope, u)
          .slice(1)
          .forEach((a) => above.add(a));
      preds.push((_v, obj) => above.has(obj.uuid));
    } else if (key in NESTED || key in DIRECT) {
      const nestedKey = DIRECT[key] ?? key;
      const set =
        key in DIRECT ? strings(raw) : matchingUuids(scope, NESTED[nestedKey] as EntityName, raw as Filter);
      if (kind === 'leaves' && nestedKey === 'org_unit') {
        preds.push((v) => {
          const e = scope.store.get('engagements', v.engagement as string);
          const ev = e && (validityAtDate(e, scope.now) ?? e.validities[e.validities.length - 1]);
          return !!ev && set.has(ev.org_unit as string);
        });
      } else {
        const field = fieldFor(kind, nestedKey);
        preds.push((v) => refIn(v[field], set));
      }
    } else {
      throw new Error(`The MO emulator does not implement the filter field ${key} on ${kind}`);
    }
  }
  return preds;
}

/** Candidate objects from the cheapest index the filter allows. */
function candidates(scope: FilterScope, kind: EntityName, filter: Filter): AnyObject[] {
  const { store } = scope;
  if (Array.isArray(filter.uuids)) {
    const seen = new Set<string>();
    const out: AnyObject[] = [];
    for (const u of filter.uuids as string[]) {
      const o = store.get(kind, u);
      if (o && !seen.has(u)) {
        seen.add(u);
        out.push(o);
      }
    }
    return out;
  }
  for (const [direct, nested, ref] of [
    ['employees', 'employee', 'person'],
    ['org_units', 'org_unit', 'org_unit'],
  ] as const) {
    if (!store.hasIndex(kind, ref)) continue;
    const sub = filter[nested] as Filter | null | undefined;
    const keys = Array.isArray(filter[direct])
      ? (filter[direct] as string[])
      : sub && Array.isArray(sub.uuids) && Object.keys(sub).every((k) => k === 'uuids')
        ? (sub.uuids as string[])
        : null;
    if (!keys) continue;
    const seen = new Set<AnyObject>();
    for (const k of keys) for (const o of store.referencing(kind, ref, k)) seen.add(o);
    return [...seen].sort((a, b) => (store.position.get(a) ?? 0) - (store.position.get(b) ?? 0));
  }
  return store.all(kind);
}

/** Objects of `kind` with a validity in the filter's window that satisfies every filter field. */
export function matchingObjects(
  scope: FilterScope,
  kind: EntityName,
  filter: Filter | null | undefined,
  within?: AnyObject[],
): AnyObject[] {
  const f = filter ?? {};
  const win: Window = filterWindow(f, scope.now);
  const preds = buildPredicates(scope, kind, f);
  const uuidSet = Array.isArray(f.uuids) ? strings(f.uuids) : null;
  const pool = within ?? candidates(scope, kind, f);
  const out: AnyObject[] = [];
  for (const obj of pool) {
    if (uuidSet && !uuidSet.has(obj.uuid)) continue;
    if (obj.validities.some((v) => validityOverlaps(v, win) && preds.every((p) => p(v, obj)))) out.push(obj);
  }
  return out;
}
