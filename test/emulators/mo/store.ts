import { overlaps } from '../../fixtures/dates.js';
import type { EntityName, Fixture, ISODate, Temporal, Validity } from '../../fixtures/types.js';
import type { Window } from './dates.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyValidity = Validity & Record<string, any>;
export type AnyObject = Temporal<Record<string, unknown>> & { validities: AnyValidity[] };

/** One validity of one object: what the GraphQL object types (OrganisationUnit, Engagement …) resolve from. */
export interface View {
  kind: EntityName;
  obj: AnyObject;
  v: AnyValidity;
}

/** A bitemporal object as loaded by a query with the window `win` (what XResponse types resolve from). */
export interface ResponseObj {
  kind: EntityName;
  obj: AnyObject;
  win: Window;
}

/** Index keys: which validity fields reference which other entity. */
const REFS: Partial<Record<EntityName, Record<string, string[]>>> = {
  org_units: { parent: ['parent'] },
  classes: { facet: ['facet'] },
  engagements: { person: ['person'], org_unit: ['org_unit'] },
  addresses: { person: ['person'], org_unit: ['org_unit'], engagement: ['engagement'], ituser: ['ituser'] },
  managers: { person: ['person'], org_unit: ['org_unit'] },
  associations: { person: ['person'], org_unit: ['org_unit'] },
  leaves: { person: ['person'], engagement: ['engagement'] },
  itusers: { person: ['person'], org_unit: ['org_unit'], engagement: ['engagements'] },
  kles: { org_unit: ['org_unit'] },
  related_units: { org_unit: ['org_units'] },
};

export function validityOverlaps(v: Validity, w: Window): boolean {
  if (w.start !== null && w.end !== null && w.start > w.end) return false;
  return overlaps(v.from, v.to, w.start, w.end);
}

export function validityAtDate(obj: AnyObject, date: ISODate): AnyValidity | undefined {
  for (const v of obj.validities)
    if ((v.from === null || v.from <= date) && (v.to === null || v.to >= date)) return v;
  return undefined;
}

/** The fixture with the indexes every query needs, built once. Objects are shared, not copied. */
export class Store {
  readonly byUuid = new Map<EntityName, Map<string, AnyObject>>();
  /** `${entity}|${ref}` → referenced UUID → objects referencing it in any validity. */
  private readonly refIndex = new Map<string, Map<string, AnyObject[]>>();
  /** Position of each object in its collection (results keep fixture order). */
  readonly position = new Map<AnyObject, number>();
  /** Classes by user_key (any facet), for address_type_user_keys. */
  readonly classesByUserKey = new Map<string, string[]>();

  constructor(
    readonly fixture: Fixture,
    readonly now: ISODate,
  ) {
    const kinds = Object.keys(REFS).concat(['facets', 'itsystems', 'persons', 'classes']) as EntityName[];
    for (const kind of new Set(kinds)) {
      const list = this.all(kind);
      list.forEach((o, i) => this.position.set(o, i));
      this.byUuid.set(kind, new Map(list.map((o) => [o.uuid, o])));
      for (const [ref, fields] of Object.entries(REFS[kind] ?? {})) {
        const index = new Map<string, AnyObject[]>();
        for (const obj of list) {
          const seen = new Set<string>();
          for (const v of obj.validities) {
            for (const f of fields) {
              const value = v[f];
              for (const key of Array.isArray(value) ? value : [value]) {
                if (typeof key !== 'string' || seen.has(key)) continue;
                seen.add(key);
                const bucket = index.get(key);
                if (bucket) bucket.push(obj);
                else index.set(key, [obj]);
              }
            }
          }
        }
        this.refIndex.set(`${kind}|${ref}`, index);
      }
    }
    for (const c of this.fixture.classes) {
      for (const key of new Set(c.validities.map((v) => v.user_key))) {
        const list = this.classesByUserKey.get(key) ?? [];
        list.push(c.uuid);
        this.classesByUserKey.set(key, list);
      }
    }
  }

  all(kind: EntityName): AnyObject[] {
    return this.fixture[kind] as unknown as AnyObject[];
  }

  get(kind: EntityName, uuid: string | null | undefined): AnyObject | undefined {
    return uuid ? this.byUuid.get(kind)?.get(uuid) : undefined;
  }

  /** Objects of `kind` whose `ref` (e.g. 'person', 'org_unit') is `uuid` in some validity. */
  referencing(kind: EntityName, ref: string, uuid: string): AnyObject[] {
    return this.refIndex.get(`${kind}|${ref}`)?.get(uuid) ?? [];
  }

  hasIndex(kind: EntityName, ref: string): boolean {
    return this.refIndex.has(`${kind}|${ref}`);
  }
}
