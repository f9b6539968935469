/**
 * Reads the actual-state snapshot (`os2sync.use_lc_db`) into the same flat rows as read-mo.ts. Engagement
 * timelines (StartDate/StopDate, future engagements: decision 7) come from the snapshot's `engagement_perioder`
 * table, built by the rule read-mo.ts applies (jobs/lora-cache/engagement-periods.ts): nothing is read from MO.
 */
import type { Database } from 'better-sqlite3';
import { OPEN_END } from '../lora-cache/dates.js';
import { SCOPE_LABELS } from '../lora-cache/map-person.js';
import type { RawData } from './assemble.js';

const SCOPE_BY_LABEL = new Map(Object.entries(SCOPE_LABELS).map(([scope, label]) => [label, scope]));

type Row = Record<string, string | number | null>;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function readFromSnapshot(
  db: Database,
  needs: { managers: boolean; kles: boolean },
  today: string,
): RawData {
  // class values (address types, visibilities, job functions, IT systems) repeat on every row; SQLite hands each
  // cell over as a new string, so one shared copy each keeps ≈ 20 MB of duplicates out of the heap on L
  const pool = new Map<string, string>();
  const intern = (v: string): string => {
    const known = pool.get(v);
    if (known !== undefined) return known;
    pool.set(v, v);
    return v;
  };
  const internOrNull = (v: unknown): string | null =>
    v === null || v === undefined ? null : intern(String(v));
  // rows are mapped as they are stepped through, never held twice (raw and mapped): the read is the job's peak
  const rows = (sql: string): Iterable<Row> => db.prepare(sql).iterate() as Iterable<Row>;
  const mapRows = <T>(sql: string, fn: (r: Row) => T | undefined): T[] => {
    const out: T[] = [];
    for (const r of rows(sql)) {
      const v = fn(r);
      if (v !== undefined) out.push(v);
    }
    return out;
  };

  const units = mapRows(
    'SELECT uuid, navn, "forældreenhed_uuid" AS parent, enhedsniveau_uuid, enhedstype_uuid, "opmærkning_uuid" AS hierarchy FROM enheder',
    (r) => ({
      uuid: String(r.uuid),
      name: String(r.navn ?? ''),
      parent: str(r.parent),
      level: internOrNull(r.enhedsniveau_uuid),
      type: internOrNull(r.enhedstype_uuid),
      hierarchy: internOrNull(r.hierarchy),
    }),
  );
  const hierarchyClasses = new Map(
    mapRows("SELECT uuid, titel FROM klasser WHERE facet_bvn = 'org_unit_hierarchy'", (r) => [
      String(r.uuid).toLowerCase(),
      String(r.titel),
    ]),
  );

  const bindings = new Map<string, string[]>();
  for (const r of rows('SELECT it_forbindelse_uuid, engagement_uuid FROM it_forbindelse_engagementer')) {
    const list = bindings.get(String(r.it_forbindelse_uuid)) ?? [];
    list.push(String(r.engagement_uuid).toLowerCase());
    bindings.set(String(r.it_forbindelse_uuid), list);
  }
  const itUsers = mapRows(
    'SELECT f.uuid, f.brugernavn, f.it_system_uuid, s.navn, f.bruger_uuid, f.enhed_uuid FROM it_forbindelser f JOIN it_systemer s ON s.uuid = f.it_system_uuid',
    (r) => ({
      uuid: String(r.uuid),
      userKey: String(r.brugernavn ?? ''),
      itSystemUuid: intern(String(r.it_system_uuid).toLowerCase()),
      itSystemName: intern(String(r.navn)),
      engagementUuid: [...(bindings.get(String(r.uuid)) ?? [])].sort()[0] ?? null,
      personUuid: str(r.bruger_uuid),
      unitUuid: str(r.enhed_uuid),
    }),
  );

  const darNames = new Map(
    mapRows('SELECT uuid, betegnelse FROM dar_adresser', (r) => [String(r.uuid), str(r.betegnelse)] as const),
  );
  // the largest table (≈ 95,000 rows on fixture L): read as arrays, a third cheaper than an object per row
  const addressRows = db
    .prepare(
      'SELECT uuid, "værdi", dar_uuid, adressetype_uuid, adressetype_bvn, adressetype_scope, adressetype_titel, synlighed_uuid, synlighed_scope, engagement_uuid, bruger_uuid, enhed_uuid FROM adresser',
    )
    .raw()
    .iterate() as Iterable<(string | null)[]>;
  const addresses: RawData['addresses'] = [];
  for (const [
    uuid,
    value,
    darUuid,
    typeUuid,
    typeBvn,
    typeScope,
    typeTitle,
    visUuid,
    visScope,
    engUuid,
    person,
    unit,
  ] of addressRows) {
    const scope = typeScope === null ? undefined : SCOPE_BY_LABEL.get(String(typeScope));
    if (!scope) continue;
    const dar = darUuid !== null ? darNames.get(String(darUuid)) : null;
    addresses.push({
      uuid: String(uuid),
      name: dar ?? String(value ?? ''),
      typeUuid: intern(String(typeUuid).toLowerCase()),
      scope,
      typeUserKey: intern(String(typeBvn ?? '')),
      typeName: intern(String(typeTitle ?? '')),
      visibilityScope: visUuid !== null ? internOrNull(visScope) : null,
      engagementUuid: engUuid !== null ? String(engUuid).toLowerCase() : null,
      personUuid: str(person),
      unitUuid: str(unit),
    });
  }

  const managers = needs.managers
    ? mapRows('SELECT enhed_uuid, bruger_uuid FROM ledere', (r) => ({
        unitUuid: String(r.enhed_uuid),
        personUuid: str(r.bruger_uuid),
      }))
    : [];

  const kleMap = new Map<string, { uuid: string; unitUuid: string; numberUuid: string; aspects: string[] }>();
  if (needs.kles) {
    for (const r of rows('SELECT uuid, enhed_uuid, kle_nummer_uuid, kle_aspekt_titel FROM kle')) {
      const key = String(r.uuid);
      const k = kleMap.get(key) ?? {
        uuid: key,
        unitUuid: String(r.enhed_uuid),
        numberUuid: String(r.kle_nummer_uuid),
        aspects: [],
      };
      if (r.kle_aspekt_titel !== null) k.aspects.push(String(r.kle_aspekt_titel));
      kleMap.set(key, k);
    }
  }

  const persons = mapRows(
    'SELECT uuid, bvn, fornavn, efternavn, kaldenavn_fornavn, kaldenavn_efternavn, cpr FROM brugere',
    (r) => ({
      uuid: String(r.uuid),
      userKey: String(r.bvn ?? ''),
      givenName: String(r.fornavn ?? ''),
      surname: String(r.efternavn ?? ''),
      nicknameGivenName: String(r.kaldenavn_fornavn ?? ''),
      nicknameSurname: String(r.kaldenavn_efternavn ?? ''),
      cpr: r.cpr === null || r.cpr === '' ? null : String(r.cpr),
    }),
  );

  const engagements = mapRows(
    'SELECT uuid, bruger_uuid, enhed_uuid, stillingsbetegnelse_titel, "primær_boolean" AS is_primary, "første_startdato" AS start, "sidste_slutdato" AS stop FROM engagement_perioder',
    (r) =>
      r.stop === null || r.stop === OPEN_END || String(r.stop) >= today
        ? {
            uuid: String(r.uuid),
            personUuid: String(r.bruger_uuid),
            unitUuid: String(r.enhed_uuid),
            jobFunction: intern(String(r.stillingsbetegnelse_titel ?? '')),
            isPrimary: r.is_primary === 1,
            startDate: String(r.start),
            stopDate: r.stop === null || r.stop === OPEN_END ? null : String(r.stop),
          }
        : undefined,
  );
  return {
    units,
    hierarchyClasses,
    itUsers,
    addresses,
    managers,
    kles: [...kleMap.values()],
    persons,
    engagements,
  };
}
