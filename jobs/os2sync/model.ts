/**
 * The normalized MO model both readers (MO GraphQL and the snapshot) produce. Everything downstream
 * (scope, payloads, hash cache) is a pure function of this model and the settings, which is what makes
 * both read modes send byte-identical requests. Lists are sorted by uuid; uuids are lowercase.
 */

export interface ItUserRec {
  uuid: string;
  userKey: string;
  itSystemUuid: string;
  itSystemName: string;
  /** The engagement the account is bound to (the lowest uuid when bound to several), or null. */
  engagementUuid: string | null;
}

export interface AddressRec {
  uuid: string;
  /** MO's human-readable value (`name`). */
  name: string;
  typeUuid: string;
  /** MO scope of the address type: EMAIL, PHONE, DAR, PNUMBER, EAN, TEXT, WWW, … */
  scope: string;
  typeUserKey: string;
  typeName: string;
  /** Scope of the visibility class; null when the address has no visibility. */
  visibilityScope: string | null;
  engagementUuid: string | null;
}

export interface KleRec {
  uuid: string;
  numberUuid: string;
  /** Aspect names, e.g. "Udførende", "Ansvarlig", "Indsigt". */
  aspects: string[];
}

export interface UnitRec {
  uuid: string;
  name: string;
  parent: string | null;
  level: string | null;
  type: string | null;
  hierarchy: string | null;
  itUsers: ItUserRec[];
  addresses: AddressRec[];
  /** The unit's own managers: person uuid, or null for a vacant manager. */
  managers: (string | null)[];
  kles: KleRec[];
}

export interface EngagementRec {
  uuid: string;
  unitUuid: string;
  jobFunction: string;
  isPrimary: boolean;
  /** `yyyy-MM-dd`: the engagement's earliest validity start. */
  startDate: string;
  /** `yyyy-MM-dd`: its last validity end, or null when open. */
  stopDate: string | null;
}

export interface PersonRec {
  uuid: string;
  userKey: string;
  givenName: string;
  surname: string;
  nicknameGivenName: string;
  nicknameSurname: string;
  cpr: string | null;
  itUsers: ItUserRec[];
  addresses: AddressRec[];
  /** Engagements valid today or starting later. */
  engagements: EngagementRec[];
}

export interface MoModel {
  /** Every unit valid today, whole MO. */
  units: Map<string, UnitRec>;
  /** Classes of facet org_unit_hierarchy: uuid → name. */
  hierarchyClasses: Map<string, string>;
  persons: PersonRec[];
}

const byUuid = <T extends { uuid: string }>(a: T, b: T): number =>
  a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;

/** Joins name parts like MO does: non-empty parts separated by one space. */
export function joinName(...parts: (string | null | undefined)[]): string {
  return parts
    .map((p) => (p ?? '').trim())
    .filter((p) => p !== '')
    .join(' ');
}

/** Puts every list in a canonical order so both readers yield identical models. */
export function canonicalizeModel(model: MoModel): MoModel {
  for (const unit of model.units.values()) {
    unit.itUsers.sort(byUuid);
    unit.addresses.sort(byUuid);
    unit.kles.sort(byUuid);
    for (const k of unit.kles) k.aspects.sort();
    unit.managers.sort((a, b) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0));
  }
  for (const p of model.persons) {
    p.itUsers.sort(byUuid);
    p.addresses.sort(byUuid);
    p.engagements.sort(byUuid);
  }
  model.persons.sort(byUuid);
  return model;
}

export function emptyUnit(uuid: string, name: string): UnitRec {
  return {
    uuid,
    name,
    parent: null,
    level: null,
    type: null,
    hierarchy: null,
    itUsers: [],
    addresses: [],
    managers: [],
    kles: [],
  };
}
