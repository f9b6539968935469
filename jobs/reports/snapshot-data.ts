/**
 * Reads what the reports need from an actual-state snapshot into plain maps, in one pass per table.
 * Fixture L (3,000 units, 30,000 persons, 40,000 engagements) fits easily in memory this way; addresses are
 * reduced to one value per owner and kind while reading, so they are never held whole.
 */
import type { Database } from 'better-sqlite3';

export interface Unit {
  uuid: string;
  name: string;
  parent: string | null;
  unitTypeUuid: string | null;
  unitTypeTitle: string;
  startDate: string | null;
  endDate: string | null;
}

export interface Person {
  uuid: string;
  userKey: string;
  givenName: string;
  surname: string;
  name: string;
  cpr: string;
}

export interface Engagement {
  uuid: string;
  personUuid: string;
  unitUuid: string;
  userKey: string;
  engagementType: string;
  jobFunctionTitle: string;
  jobFunctionUserKey: string;
  extension1: string;
  primary: boolean;
  startDate: string | null;
  endDate: string | null;
}

export interface Manager {
  uuid: string;
  /** Null for a vacant manager position. */
  personUuid: string | null;
  unitUuid: string;
  typeTitle: string;
  levelTitle: string;
  /** Responsibility titles, in snapshot order. */
  responsibilities: string[];
}

export interface SnapshotData {
  units: Map<string, Unit>;
  children: Map<string, Unit[]>;
  roots: Unit[];
  /** Roots only because their parent is not in the snapshot (it has ended): shown as top-level units. */
  endedParent: { unit: Unit; parent: string }[];
  persons: Map<string, Person>;
  /** Engagements per unit, in snapshot order. */
  engagementsByUnit: Map<string, Engagement[]>;
  /** Engagements per person, in snapshot order. */
  engagementsByPerson: Map<string, Engagement[]>;
  /** The unit's own managers (vacant ones included), in snapshot order. */
  managersByUnit: Map<string, Manager[]>;
  address: AddressLookup;
}

/** One value per owner for each kind of address the reports show. */
export interface AddressLookup {
  personFirstEmail: Map<string, string>;
  personLastEmail: Map<string, string>;
  personLastPhone: Map<string, string>;
  unitFirstDar: Map<string, string>;
  unitFirstPnumber: Map<string, string>;
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function readUnits(db: Database): Pick<SnapshotData, 'units' | 'children' | 'roots' | 'endedParent'> {
  const units = new Map<string, Unit>();
  const rows = db
    .prepare(
      `SELECT uuid, navn, "forældreenhed_uuid" AS parent, enhedstype_uuid, enhedstype_titel, startdato, slutdato
       FROM enheder ORDER BY id`,
    )
    .all() as Record<string, string | null>[];
  for (const r of rows) {
    const uuid = str(r.uuid);
    if (units.has(uuid)) continue;
    units.set(uuid, {
      uuid,
      name: str(r.navn),
      parent: r.parent || null,
      unitTypeUuid: r.enhedstype_uuid ?? null,
      unitTypeTitle: str(r.enhedstype_titel),
      startDate: r.startdato ?? null,
      endDate: r.slutdato ?? null,
    });
  }
  const children = new Map<string, Unit[]>();
  const roots: Unit[] = [];
  const endedParent: SnapshotData['endedParent'] = [];
  for (const u of units.values()) {
    // A parent outside the snapshot makes the unit a root rather than losing it.
    if (u.parent && units.has(u.parent) && u.parent !== u.uuid) push(children, u.parent, u);
    else {
      roots.push(u);
      if (u.parent && !units.has(u.parent)) endedParent.push({ unit: u, parent: u.parent });
    }
  }
  return { units, children, roots, endedParent };
}

export function readPersonsOnly(db: Database): Map<string, Person> {
  const persons = new Map<string, Person>();
  const stmt = db.prepare('SELECT uuid, bvn, fornavn, efternavn, cpr FROM brugere ORDER BY id').raw();
  for (const [id, bvn, fornavn, efternavn, cpr] of stmt.iterate() as Iterable<(string | null)[]>) {
    const uuid = str(id);
    if (persons.has(uuid)) continue;
    const givenName = str(fornavn);
    const surname = str(efternavn);
    persons.set(uuid, {
      uuid,
      userKey: str(bvn),
      givenName,
      surname,
      name: givenName === '' ? surname : surname === '' ? givenName : `${givenName} ${surname}`,
      cpr: str(cpr),
    });
  }
  return persons;
}

function readEngagements(db: Database): Pick<SnapshotData, 'engagementsByUnit' | 'engagementsByPerson'> {
  const engagementsByUnit = new Map<string, Engagement[]>();
  const engagementsByPerson = new Map<string, Engagement[]>();
  const seen = new Set<string>();
  const stmt = db.prepare(
    `SELECT e.uuid, e.bruger_uuid, e.enhed_uuid, e.bvn, e.engagementstype_titel, e.stillingsbetegnelse_titel,
            k.bvn AS job_function_bvn, e.udvidelse_1, "primær_boolean" AS primary_flag, e.startdato, e.slutdato
     FROM engagementer e LEFT JOIN klasser k ON k.uuid = e.stillingsbetegnelse_uuid
     ORDER BY e.id`,
  );
  // ≈ 42,000 rows on fixture L: read as arrays, cheaper than an object per row
  type Row = [string, string | null, string | null, ...(string | null)[]];
  for (const r of stmt.raw().iterate() as Iterable<Row>) {
    const [id, person, unit, bvn, type, jobTitle, jobBvn, ext1, primary, start, end] = r;
    const uuid = str(id);
    if (seen.has(uuid) || !person || !unit) continue;
    seen.add(uuid);
    const e: Engagement = {
      uuid,
      personUuid: str(person),
      unitUuid: str(unit),
      userKey: str(bvn),
      engagementType: str(type),
      jobFunctionTitle: str(jobTitle),
      jobFunctionUserKey: str(jobBvn),
      extension1: str(ext1),
      primary: (primary as unknown) === 1,
      startDate: start ?? null,
      endDate: end ?? null,
    };
    push(engagementsByUnit, e.unitUuid, e);
    push(engagementsByPerson, e.personUuid, e);
  }
  return { engagementsByUnit, engagementsByPerson };
}

function readManagers(db: Database): Map<string, Manager[]> {
  const responsibilities = new Map<string, string[]>();
  const ansvar = db.prepare('SELECT leder_uuid, lederansvar_titel FROM leder_ansvar ORDER BY id');
  for (const r of ansvar.iterate() as Iterable<Record<string, string | null>>) {
    if (r.leder_uuid && r.lederansvar_titel) push(responsibilities, r.leder_uuid, r.lederansvar_titel);
  }
  const managersByUnit = new Map<string, Manager[]>();
  const seen = new Set<string>();
  const stmt = db.prepare(
    'SELECT uuid, bruger_uuid, enhed_uuid, ledertype_titel, niveautype_titel FROM ledere ORDER BY id',
  );
  for (const r of stmt.iterate() as Iterable<Record<string, string | null>>) {
    const uuid = str(r.uuid);
    if (seen.has(uuid) || !r.enhed_uuid) continue;
    seen.add(uuid);
    push(managersByUnit, r.enhed_uuid, {
      uuid,
      personUuid: r.bruger_uuid || null,
      unitUuid: r.enhed_uuid,
      typeTitle: str(r.ledertype_titel),
      levelTitle: str(r.niveautype_titel),
      responsibilities: responsibilities.get(uuid) ?? [],
    });
  }
  return managersByUnit;
}

/** `all`: every lookup (the shared reports); `first-email`: only each person's first e-mail. */
export type ContactsNeeded = 'all' | 'first-email';

function readAddresses(db: Database, needed: ContactsNeeded): AddressLookup {
  const a: AddressLookup = {
    personFirstEmail: new Map(),
    personLastEmail: new Map(),
    personLastPhone: new Map(),
    unitFirstDar: new Map(),
    unitFirstPnumber: new Map(),
  };
  const scopes = needed === 'all' ? `'E-mail', 'Telefon', 'DAR', 'P-nummer'` : `'E-mail'`;
  const stmt = db.prepare(
    `SELECT bruger_uuid, enhed_uuid, "værdi" AS value, adressetype_scope AS scope FROM adresser
     WHERE adressetype_scope IN (${scopes}) ORDER BY id`,
  );
  const all = needed === 'all';
  for (const [person, unit, raw, scope] of stmt.raw().iterate() as Iterable<(string | null)[]>) {
    const value = str(raw);
    if (value === '') continue;
    if (person) {
      if (scope === 'E-mail') {
        if (!a.personFirstEmail.has(person)) a.personFirstEmail.set(person, value);
        if (all) a.personLastEmail.set(person, value);
      } else if (scope === 'Telefon') a.personLastPhone.set(person, value);
    } else if (unit) {
      if (scope === 'DAR' && !a.unitFirstDar.has(unit)) a.unitFirstDar.set(unit, value);
      if (scope === 'P-nummer' && !a.unitFirstPnumber.has(unit)) a.unitFirstPnumber.set(unit, value);
    }
  }
  return a;
}

export function readSnapshotData(db: Database, opts: { contacts?: ContactsNeeded } = {}): SnapshotData {
  return {
    ...readUnits(db),
    persons: readPersonsOnly(db),
    ...readEngagements(db),
    managersByUnit: readManagers(db),
    address: readAddresses(db, opts.contacts ?? 'all'),
  };
}
