/** Joins the flat rows a reader produced into the normalized model (the one place both readers meet). */
import {
  canonicalizeModel,
  emptyUnit,
  type AddressRec,
  type EngagementRec,
  type ItUserRec,
  type MoModel,
  type PersonRec,
} from './model.js';

export interface RawData {
  units: {
    uuid: string;
    name: string;
    parent: string | null;
    level: string | null;
    type: string | null;
    hierarchy: string | null;
  }[];
  hierarchyClasses: Map<string, string>;
  itUsers: (ItUserRec & { personUuid: string | null; unitUuid: string | null })[];
  addresses: (AddressRec & { personUuid: string | null; unitUuid: string | null })[];
  managers: { unitUuid: string; personUuid: string | null }[];
  kles: { uuid: string; unitUuid: string; numberUuid: string; aspects: string[] }[];
  persons: Omit<PersonRec, 'itUsers' | 'addresses' | 'engagements'>[];
  engagements: (EngagementRec & { personUuid: string })[];
}

const lower = (s: string): string => s.toLowerCase();

export function assembleModel(raw: RawData): MoModel {
  const units: MoModel['units'] = new Map();
  for (const u of raw.units) {
    units.set(lower(u.uuid), {
      ...emptyUnit(lower(u.uuid), u.name),
      parent: u.parent ? lower(u.parent) : null,
      level: u.level ? lower(u.level) : null,
      type: u.type ? lower(u.type) : null,
      hierarchy: u.hierarchy ? lower(u.hierarchy) : null,
    });
  }
  const persons = new Map<string, PersonRec>();
  for (const p of raw.persons)
    persons.set(lower(p.uuid), { ...p, uuid: lower(p.uuid), itUsers: [], addresses: [], engagements: [] });

  for (const it of raw.itUsers) {
    const { personUuid, unitUuid, ...rec } = it;
    if (personUuid) persons.get(lower(personUuid))?.itUsers.push(rec);
    if (unitUuid) units.get(lower(unitUuid))?.itUsers.push(rec);
  }
  for (const a of raw.addresses) {
    const { personUuid, unitUuid, ...rec } = a;
    if (personUuid) persons.get(lower(personUuid))?.addresses.push(rec);
    else if (unitUuid) units.get(lower(unitUuid))?.addresses.push(rec);
  }
  for (const m of raw.managers)
    units.get(lower(m.unitUuid))?.managers.push(m.personUuid ? lower(m.personUuid) : null);
  for (const k of raw.kles) {
    if (k.aspects.length === 0) continue;
    units
      .get(lower(k.unitUuid))
      ?.kles.push({ uuid: k.uuid, numberUuid: lower(k.numberUuid), aspects: k.aspects });
  }
  for (const e of raw.engagements) {
    const { personUuid, ...rec } = e;
    persons.get(lower(personUuid))?.engagements.push({ ...rec, unitUuid: lower(rec.unitUuid) });
  }
  return canonicalizeModel({ units, hierarchyClasses: raw.hierarchyClasses, persons: [...persons.values()] });
}
