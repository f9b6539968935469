/**
 * A small hand-made actual-state snapshot with every case the reports must handle: vacant manager, inherited
 * manager, a person who is their own unit's Leder, a person with two engagements, a manager without an
 * engagement in the unit (and one without any engagement), a deep path, missing, fictive and invalid CPRs.
 *
 * Kommune (Leder Karen)
 * ├─ Forvaltning (Leder vacant, Medleder Mads, Administrator Anna)
 * │  ├─ Afdeling A (Leder Lone, who is employed there)
 * │  │  └─ Team T ─ Dyb 1 ─ Dyb 2 (vacant Medleder)
 * │  └─ Afdeling B (Leder Bo, no engagement anywhere)
 * └─ Tom enhed (nothing)
 * SD Løn ─ Løn afd (P-nummer)
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createSnapshotSchema, quoteIdent } from '../../jobs/lora-cache/schema.js';

export const U = {
  kommune: '00000000-0000-4000-8000-000000000001',
  forvaltning: '00000000-0000-4000-8000-000000000002',
  afdA: '00000000-0000-4000-8000-000000000003',
  afdB: '00000000-0000-4000-8000-000000000004',
  team: '00000000-0000-4000-8000-000000000005',
  dyb1: '00000000-0000-4000-8000-000000000006',
  dyb2: '00000000-0000-4000-8000-000000000007',
  tom: '00000000-0000-4000-8000-000000000008',
  sdLon: '00000000-0000-4000-8000-000000000009',
  lonAfd: '00000000-0000-4000-8000-00000000000a',
} as const;

export const P = {
  karen: '10000000-0000-4000-8000-000000000001',
  mads: '10000000-0000-4000-8000-000000000002',
  anna: '10000000-0000-4000-8000-000000000003',
  lone: '10000000-0000-4000-8000-000000000004',
  ole: '10000000-0000-4000-8000-000000000005',
  pia: '10000000-0000-4000-8000-000000000006',
  robot: '10000000-0000-4000-8000-000000000007',
  bo: '10000000-0000-4000-8000-000000000008',
} as const;

const JF = {
  dir: 'c0000000-0000-4000-8000-000000000001',
  kon: 'c0000000-0000-4000-8000-000000000002',
  sek: 'c0000000-0000-4000-8000-000000000003',
  afl: 'c0000000-0000-4000-8000-000000000004',
  pae: 'c0000000-0000-4000-8000-000000000005',
};

type Row = Record<string, string | number | null>;

function insert(db: Database.Database, table: string, row: Row): void {
  const cols = Object.keys(row);
  db.prepare(
    `INSERT INTO ${quoteIdent(table)} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
  ).run(...cols.map((c) => row[c]));
}

const validity = { startdato: '2020-01-01', slutdato: '9999-12-31' };

function unit(uuid: string, navn: string, parent: string | null, type: string): Row {
  return {
    uuid,
    navn,
    bvn: navn.toUpperCase(),
    forældreenhed_uuid: parent,
    enhedstype_uuid: `t-${type}`,
    enhedstype_titel: type,
    ...validity,
  };
}

function person(uuid: string, fornavn: string, efternavn: string, cpr: string): Row {
  return { uuid, bvn: fornavn.toLowerCase(), fornavn, efternavn, cpr, ...validity };
}

let engagementNo = 0;
function engagement(bruger: string, enhed: string, type: string, jf: string | null, extra: Row = {}): Row {
  engagementNo += 1;
  const n = String(engagementNo).padStart(5, '0');
  return {
    uuid: `e0000000-0000-4000-8000-0000000000${n.slice(-2)}`,
    bruger_uuid: bruger,
    enhed_uuid: enhed,
    bvn: `ABC${n}`,
    arbejdstidsfraktion: 1000000,
    engagementstype_titel: type,
    stillingsbetegnelse_uuid: jf,
    stillingsbetegnelse_titel: jf
      ? {
          [JF.dir]: 'Direktør',
          [JF.kon]: 'Konsulent',
          [JF.sek]: 'Sekretær',
          [JF.afl]: 'Afdelingsleder',
          [JF.pae]: 'Pædagog',
        }[jf]!
      : null,
    primær_boolean: 0,
    ...validity,
    ...extra,
  };
}

let managerNo = 0;
function manager(
  db: Database.Database,
  bruger: string | null,
  enhed: string,
  type: string,
  level: string | null,
  resp: string[],
): void {
  managerNo += 1;
  const uuid = `m0000000-0000-4000-8000-0000000000${String(managerNo).padStart(2, '0')}`;
  insert(db, 'ledere', {
    uuid,
    bruger_uuid: bruger,
    enhed_uuid: enhed,
    ledertype_titel: type,
    niveautype_titel: level,
    ...validity,
  });
  for (const r of resp) insert(db, 'leder_ansvar', { leder_uuid: uuid, lederansvar_titel: r, ...validity });
}

function address(owner: { bruger?: string; enhed?: string }, scope: string, value: string): Row {
  return {
    uuid: `a-${scope}-${value}`,
    bruger_uuid: owner.bruger ?? null,
    enhed_uuid: owner.enhed ?? null,
    værdi: value,
    adressetype_scope: scope,
    ...validity,
  };
}

export interface HandMadeOptions {
  buildStarted?: Date;
  exportCpr?: boolean;
}

/** Writes the hand-made snapshot to `file` (created with the real snapshot schema). */
export function writeHandMadeSnapshot(file: string, opts: HandMadeOptions = {}): void {
  engagementNo = 0;
  managerNo = 0;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  const db = new Database(file);
  createSnapshotSchema(db);
  db.transaction(() => {
    for (const [uuid, titel, bvn] of [
      [JF.dir, 'Direktør', 'DIR'],
      [JF.kon, 'Konsulent', 'KON'],
      [JF.sek, 'Sekretær', 'SEK'],
      [JF.afl, 'Afdelingsleder', 'AFL'],
      [JF.pae, 'Pædagog', 'PAE'],
    ] as const)
      insert(db, 'klasser', { uuid, bvn, titel, facet_uuid: 'f-jf', facet_bvn: 'engagement_job_function' });

    insert(db, 'enheder', unit(U.kommune, 'Kommune', null, 'Kommune'));
    insert(db, 'enheder', unit(U.forvaltning, 'Forvaltning', U.kommune, 'Forvaltning'));
    insert(db, 'enheder', unit(U.afdB, 'Afdeling B', U.forvaltning, 'Afdeling'));
    insert(db, 'enheder', unit(U.afdA, 'Afdeling A', U.forvaltning, 'Afdeling'));
    insert(db, 'enheder', unit(U.team, 'Team T', U.afdA, 'Team'));
    insert(db, 'enheder', unit(U.dyb1, 'Dyb 1', U.team, 'Team'));
    insert(db, 'enheder', unit(U.dyb2, 'Dyb 2', U.dyb1, 'Team'));
    insert(db, 'enheder', unit(U.tom, 'Tom enhed', U.kommune, 'Afdeling'));
    insert(db, 'enheder', { ...unit(U.sdLon, 'SD Løn', null, 'Kommune'), slutdato: '2030-12-31' });
    insert(db, 'enheder', unit(U.lonAfd, 'Løn afd', U.sdLon, 'Afdeling'));

    insert(db, 'brugere', person(P.karen, 'Karen', 'Hansen', '0101701234'));
    insert(db, 'brugere', person(P.mads, 'Mads', 'Jensen', '1503584123'));
    insert(db, 'brugere', person(P.anna, 'Anna', 'Berg', '7511004645'));
    insert(db, 'brugere', person(P.lone, 'Lone', 'Nielsen', '2902961234'));
    insert(db, 'brugere', person(P.ole, 'Ole', 'Olsen', ''));
    insert(db, 'brugere', person(P.pia, 'Pia', 'Poulsen', '3102801234'));
    insert(db, 'brugere', person(P.robot, 'Robot', 'Test', '12345'));
    insert(db, 'brugere', person(P.bo, 'Bo', 'Bak', '020202-4123'));

    insert(
      db,
      'engagementer',
      engagement(P.karen, U.kommune, 'Ansat', JF.dir, { udvidelse_1: 'Kommunaldirektør', primær_boolean: 1 }),
    );
    insert(db, 'engagementer', engagement(P.mads, U.afdB, 'Ansat', JF.kon));
    insert(
      db,
      'engagementer',
      engagement(P.anna, U.forvaltning, 'Ansat', JF.sek, { startdato: '2021-03-01', slutdato: '2027-02-28' }),
    );
    insert(db, 'engagementer', engagement(P.lone, U.afdA, 'Ansat', JF.afl));
    insert(db, 'engagementer', engagement(P.ole, U.team, 'Timelønnet', JF.pae, { primær_boolean: 1 }));
    insert(db, 'engagementer', engagement(P.ole, U.dyb2, 'Ansat', JF.pae));
    insert(db, 'engagementer', engagement(P.pia, U.dyb2, 'Ansat', null));

    manager(db, P.karen, U.kommune, 'Leder', 'Niveau 1', [
      'Personale: ansættelse/afskedigelse',
      'Personaleledelse',
    ]);
    manager(db, null, U.forvaltning, 'Leder', 'Niveau 2', ['Personaleledelse']);
    manager(db, P.mads, U.forvaltning, 'Medleder', 'Niveau 3', ['Uddannelsesansvarlig']);
    manager(db, P.anna, U.forvaltning, 'Administrator', null, ['Administrativ ansvarlig']);
    manager(db, P.lone, U.afdA, 'Leder', 'Niveau 2', ['Administrativ ansvarlig', 'Personaleledelse']);
    manager(db, null, U.dyb2, 'Medleder', null, []);
    manager(db, P.bo, U.afdB, 'Leder', 'Niveau 3', []);

    insert(db, 'adresser', address({ bruger: P.karen }, 'E-mail', 'karen@k.dk'));
    insert(db, 'adresser', address({ bruger: P.mads }, 'E-mail', 'mads1@k.dk'));
    insert(db, 'adresser', address({ bruger: P.mads }, 'Telefon', '11111111'));
    insert(db, 'adresser', address({ bruger: P.mads }, 'E-mail', 'mads2@k.dk'));
    insert(db, 'adresser', address({ bruger: P.mads }, 'Telefon', '22222222'));
    insert(db, 'adresser', address({ bruger: P.anna }, 'E-mail', 'anna@k.dk'));
    insert(db, 'adresser', address({ bruger: P.lone }, 'E-mail', 'lone@k.dk'));
    insert(db, 'adresser', address({ enhed: U.kommune }, 'DAR', 'Rådhuspladsen 1, 1000 By'));
    insert(db, 'adresser', address({ enhed: U.kommune }, 'E-mail', 'post@k.dk'));
    insert(db, 'adresser', address({ enhed: U.lonAfd }, 'P-nummer', '1234567890'));
    insert(db, 'adresser', address({ enhed: U.lonAfd }, 'DAR', 'Lønvej 2, 1000 By'));

    const started = opts.buildStarted ?? new Date();
    insert(db, 'snapshot_info', {
      mode: 'actual',
      mo_url: 'http://127.0.0.1:1',
      graphql_version: '29',
      build_started: started.toISOString(),
      build_finished: new Date(started.getTime() + 1000).toISOString(),
      export_cpr: opts.exportCpr === false ? 0 : 1,
      primary_manager_responsibility: null,
      row_counts: '{}',
      builder: 'hand-made test fixture',
    });
  })();
  db.close();
}
