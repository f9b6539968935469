/**
 * The two OS2phonebook bodies (specs/rollekatalog.md §2.4 shapes, §2.5 REC rules) from the snapshot's current
 * rows: employees keyed by person uuid and units keyed by unit uuid, each with the six address buckets.
 * Secret addresses are never included; lists are sorted so an unchanged MO gives byte-identical bodies.
 */
import type { Database } from 'better-sqlite3';
import { kleAspectOf } from '../lora-cache/kle-aspects.js';

export const BUCKETS = ['DAR', 'PHONE', 'EMAIL', 'EAN', 'PNUMBER', 'WWW'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** The snapshot's `adressetype_scope` labels → bucket; TEXT and multi-field addresses are not sent. */
const BUCKET_OF: Readonly<Record<string, Bucket>> = {
  DAR: 'DAR',
  Telefon: 'PHONE',
  'E-mail': 'EMAIL',
  EAN: 'EAN',
  'P-nummer': 'PNUMBER',
  Url: 'WWW',
};

export interface PbAddress {
  description: string;
  value: string;
}
export type PbAddresses = Record<Bucket, PbAddress[]>;

export interface PbRef {
  title: string;
  name: string;
  uuid: string;
}

export interface PbEmployee {
  uuid: string;
  surname: string;
  givenname: string;
  name: string;
  engagements: PbRef[];
  associations: PbRef[];
  management: PbRef[];
  addresses: PbAddresses;
}

export interface PbOrgUnit {
  uuid: string;
  name: string;
  parent: string | null;
  engagements: PbRef[];
  associations: PbRef[];
  management: PbRef[];
  kles: { title: string; uuid: string }[];
  addresses: PbAddresses;
}

export interface PhonebookPayload {
  employees: Record<string, PbEmployee>;
  orgUnits: Record<string, PbOrgUnit>;
  /** Addresses left out: secret ones, and DAR addresses without a resolved text. */
  secretAddresses: number;
  unresolvedDar: string[];
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const emptyAddresses = (): PbAddresses => ({ DAR: [], PHONE: [], EMAIL: [], EAN: [], PNUMBER: [], WWW: [] });
const byNameUuid = (a: PbRef, b: PbRef): number =>
  a.name.localeCompare(b.name) || a.uuid.localeCompare(b.uuid);

/** Rows one at a time (the address table of a large municipality is never held whole). */
function rows(db: Database, sql: string): IterableIterator<Record<string, unknown>> {
  return db.prepare(sql).iterate() as IterableIterator<Record<string, unknown>>;
}

type Role = 'engagements' | 'associations' | 'management';

export function buildPhonebook(db: Database): PhonebookPayload {
  const units = new Map<string, { name: string; parent: string | null }>();
  for (const r of rows(db, 'SELECT uuid, navn, "forældreenhed_uuid" AS parent FROM enheder ORDER BY id')) {
    const uuid = str(r.uuid);
    if (!units.has(uuid)) units.set(uuid, { name: str(r.navn), parent: str(r.parent) || null });
  }
  const persons = new Map<string, { givenname: string; surname: string; name: string }>();
  for (const r of rows(db, 'SELECT uuid, fornavn, efternavn FROM brugere ORDER BY id')) {
    const uuid = str(r.uuid);
    if (persons.has(uuid)) continue;
    const givenname = str(r.fornavn);
    const surname = str(r.efternavn);
    persons.set(uuid, { givenname, surname, name: `${givenname} ${surname}`.trim() });
  }

  const links: { role: Role; person: string; unit: string; title: string }[] = [];
  for (const r of rows(
    db,
    'SELECT bruger_uuid, enhed_uuid, stillingsbetegnelse_titel AS t FROM engagementer',
  ))
    links.push({ role: 'engagements', person: str(r.bruger_uuid), unit: str(r.enhed_uuid), title: str(r.t) });
  for (const r of rows(db, 'SELECT bruger_uuid, enhed_uuid, tilknytningstype_titel AS t FROM tilknytninger'))
    links.push({
      role: 'associations',
      person: str(r.bruger_uuid),
      unit: str(r.enhed_uuid),
      title: str(r.t),
    });
  for (const r of rows(
    db,
    'SELECT bruger_uuid, enhed_uuid, ledertype_titel AS t FROM ledere WHERE bruger_uuid IS NOT NULL',
  ))
    links.push({ role: 'management', person: str(r.bruger_uuid), unit: str(r.enhed_uuid), title: str(r.t) });
  const usable = links.filter((l) => l.person && persons.has(l.person) && units.has(l.unit));

  // Units: every unit someone is linked to, and all its ancestors.
  const exported = new Set<string>();
  for (const l of usable)
    for (let u: string | null = l.unit; u && units.has(u) && !exported.has(u); u = units.get(u)!.parent)
      exported.add(u);

  const employees = new Map<string, PbEmployee>();
  const orgUnits = new Map<string, PbOrgUnit>();
  for (const uuid of [...exported].sort()) {
    const u = units.get(uuid)!;
    orgUnits.set(uuid, {
      uuid,
      name: u.name,
      parent: u.parent && exported.has(u.parent) ? u.parent : null,
      engagements: [],
      associations: [],
      management: [],
      kles: [],
      addresses: emptyAddresses(),
    });
  }
  for (const l of usable) {
    const p = persons.get(l.person)!;
    let e = employees.get(l.person);
    if (!e)
      employees.set(
        l.person,
        (e = {
          uuid: l.person,
          surname: p.surname,
          givenname: p.givenname,
          name: p.name,
          engagements: [],
          associations: [],
          management: [],
          addresses: emptyAddresses(),
        }),
      );
    e[l.role].push({ title: l.title, name: units.get(l.unit)!.name, uuid: l.unit });
    orgUnits.get(l.unit)![l.role].push({ title: l.title, name: p.name, uuid: l.person });
  }

  for (const r of rows(
    db,
    `SELECT k.uuid, k.enhed_uuid, k.kle_aspekt_titel, a.bvn AS aspekt_bvn, k.kle_nummer_titel
     FROM kle k LEFT JOIN klasser a ON a.uuid = k.kle_aspekt_uuid`,
  )) {
    const unit = orgUnits.get(str(r.enhed_uuid));
    if (unit && kleAspectOf(str(r.aspekt_bvn), str(r.kle_aspekt_titel)) === 'UDFOERENDE')
      unit.kles.push({ title: str(r.kle_nummer_titel), uuid: str(r.uuid) });
  }

  const darLabels = new Map<string, string>();
  for (const r of rows(db, 'SELECT uuid, betegnelse FROM dar_adresser'))
    darLabels.set(str(r.uuid), str(r.betegnelse));
  let secretAddresses = 0;
  const unresolvedDar: string[] = [];
  for (const r of rows(
    db,
    `SELECT uuid, bruger_uuid, enhed_uuid, "værdi" AS value, dar_uuid, adressetype_scope AS scope,
            adressetype_titel AS description, synlighed_scope, synlighed_titel FROM adresser`,
  )) {
    const bucket = BUCKET_OF[str(r.scope)];
    if (!bucket) continue;
    const owner = r.bruger_uuid ? employees.get(str(r.bruger_uuid)) : orgUnits.get(str(r.enhed_uuid));
    if (!owner) continue;
    if (str(r.synlighed_scope) === 'SECRET' || str(r.synlighed_titel) === 'Hemmelig') {
      secretAddresses++;
      continue;
    }
    let value = str(r.value);
    if (bucket === 'DAR' && (!value || value === str(r.dar_uuid))) {
      value = darLabels.get(str(r.dar_uuid)) ?? '';
      if (!value) {
        unresolvedDar.push(str(r.uuid));
        continue;
      }
    }
    if (!value) continue;
    owner.addresses[bucket].push({ description: str(r.description), value });
  }

  const tidy = (o: {
    engagements: PbRef[];
    associations: PbRef[];
    management: PbRef[];
    addresses: PbAddresses;
  }): void => {
    for (const role of ['engagements', 'associations', 'management'] as const) o[role].sort(byNameUuid);
    for (const b of BUCKETS)
      o.addresses[b].sort(
        (x, y) => x.description.localeCompare(y.description) || x.value.localeCompare(y.value),
      );
  };
  const employeeMap: Record<string, PbEmployee> = {};
  for (const uuid of [...employees.keys()].sort()) {
    const e = employees.get(uuid)!;
    tidy(e);
    employeeMap[uuid] = e;
  }
  const unitMap: Record<string, PbOrgUnit> = {};
  for (const [uuid, u] of orgUnits) {
    tidy(u);
    u.kles.sort((a, b) => a.title.localeCompare(b.title) || a.uuid.localeCompare(b.uuid));
    unitMap[uuid] = u;
  }
  return { employees: employeeMap, orgUnits: unitMap, secretAddresses, unresolvedDar };
}
