/**
 * A synthetic actual-state snapshot of a given size, inserted directly with the real snapshot schema. Used by
 * the reports bench (fixture-L sized) when building one through the MO emulator would dominate the run.
 * Deterministic: the same sizes give the same file contents.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createSnapshotIndexes, createSnapshotSchema, quoteIdent } from '../../jobs/lora-cache/schema.js';

export interface SyntheticSize {
  units: number;
  persons: number;
  engagements: number;
  addresses: number;
  managers: number;
}

export const SIZE_L: SyntheticSize = {
  units: 3000,
  persons: 30000,
  engagements: 40000,
  addresses: 100000,
  managers: 2000,
};

const FIRST = [
  'Anna',
  'Bo',
  'Carl',
  'Dorte',
  'Erik',
  'Freja',
  'Gustav',
  'Hanne',
  'Ib',
  'Jette',
  'Karl',
  'Lise',
  'Mads',
  'Nina',
  'Ole',
  'Pia',
];
const LAST = [
  'Hansen',
  'Jensen',
  'Nielsen',
  'Pedersen',
  'Andersen',
  'Christensen',
  'Larsen',
  'Sørensen',
  'Rasmussen',
  'Jørgensen',
];
const TYPES = ['Leder', 'Medleder', 'Administrator'];
const RESP = ['Personaleledelse', 'Administrativ ansvarlig', 'Uddannelsesansvarlig'];

const uuid = (kind: number, n: number) =>
  `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function insertStatement(db: Database.Database, table: string, cols: string[]) {
  return db.prepare(
    `INSERT INTO ${quoteIdent(table)} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
  );
}

function cprFor(i: number): string {
  if (i % 97 === 0) return '';
  if (i % 89 === 0) return `${String((i % 28) + 61)}0${(i % 9) + 1}904123`; // fictive
  const dd = String((i % 28) + 1).padStart(2, '0');
  const mm = String((i % 12) + 1).padStart(2, '0');
  const yy = String(40 + (i % 60)).padStart(2, '0');
  return `${dd}${mm}${yy}${String(i % 10000).padStart(4, '0')}`;
}

export function writeSyntheticSnapshot(file: string, size: SyntheticSize, buildStarted = new Date()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  createSnapshotSchema(db, { indexes: false });
  const v = ['2020-01-01', '9999-12-31'];
  db.transaction(() => {
    const unit = insertStatement(db, 'enheder', [
      'uuid',
      'navn',
      'bvn',
      'forældreenhed_uuid',
      'enhedstype_titel',
      'startdato',
      'slutdato',
    ]);
    // A tree with fan-out 6 below the root: about 5 levels for 3,000 units.
    for (let i = 0; i < size.units; i++) {
      const parent = i === 0 ? null : uuid(1, Math.floor((i - 1) / 6));
      unit.run(uuid(1, i), `Enhed ${i}`, `E${i}`, parent, i === 0 ? 'Kommune' : 'Afdeling', ...v);
    }
    const person = insertStatement(db, 'brugere', [
      'uuid',
      'bvn',
      'fornavn',
      'efternavn',
      'cpr',
      'startdato',
      'slutdato',
    ]);
    for (let i = 0; i < size.persons; i++) {
      person.run(
        uuid(2, i),
        `u${i}`,
        FIRST[i % FIRST.length]!,
        LAST[(i * 7) % LAST.length]!,
        cprFor(i),
        ...v,
      );
    }
    const klasse = insertStatement(db, 'klasser', ['uuid', 'bvn', 'titel', 'facet_uuid', 'facet_bvn']);
    for (let j = 0; j < 50; j++)
      klasse.run(uuid(5, j), `JF${j}`, `Stilling ${j}`, 'f', 'engagement_job_function');
    const engagement = insertStatement(db, 'engagementer', [
      'uuid',
      'bruger_uuid',
      'enhed_uuid',
      'bvn',
      'engagementstype_titel',
      'stillingsbetegnelse_uuid',
      'stillingsbetegnelse_titel',
      'primær_boolean',
      'udvidelse_1',
      'startdato',
      'slutdato',
    ]);
    for (let i = 0; i < size.engagements; i++) {
      const p = i % size.persons;
      const jf = i % 50;
      engagement.run(
        uuid(3, i),
        uuid(2, p),
        uuid(1, (i * 31) % size.units),
        `ABC${String(i).padStart(5, '0')}`,
        'Ansat',
        uuid(5, jf),
        `Stilling ${jf}`,
        i < size.persons ? 1 : 0,
        `Titel ${jf}`,
        ...v,
      );
    }
    const address = insertStatement(db, 'adresser', [
      'uuid',
      'bruger_uuid',
      'enhed_uuid',
      'værdi',
      'adressetype_scope',
      'startdato',
      'slutdato',
    ]);
    for (let i = 0; i < size.addresses; i++) {
      const kind = i % 10;
      if (kind < 8) {
        const p = Math.floor(i / 10) * 8 + kind;
        address.run(
          uuid(4, i),
          uuid(2, p % size.persons),
          null,
          kind % 2 === 0 ? `p${p}@kommune.dk` : `4${String(p).padStart(7, '0')}`,
          kind % 2 === 0 ? 'E-mail' : 'Telefon',
          ...v,
        );
      } else {
        address.run(
          uuid(4, i),
          null,
          uuid(1, i % size.units),
          kind === 8 ? `Vej ${i}, 1000 By` : String(1000000000 + i),
          kind === 8 ? 'DAR' : 'P-nummer',
          ...v,
        );
      }
    }
    const manager = insertStatement(db, 'ledere', [
      'uuid',
      'bruger_uuid',
      'enhed_uuid',
      'ledertype_titel',
      'niveautype_titel',
      'startdato',
      'slutdato',
    ]);
    const ansvar = insertStatement(db, 'leder_ansvar', [
      'leder_uuid',
      'lederansvar_titel',
      'startdato',
      'slutdato',
    ]);
    for (let i = 0; i < size.managers; i++) {
      const vacant = i % 25 === 0;
      manager.run(
        uuid(6, i),
        vacant ? null : uuid(2, (i * 13) % size.persons),
        uuid(1, (i * 3) % size.units),
        TYPES[i % 3]!,
        `Niveau ${(i % 4) + 1}`,
        ...v,
      );
      ansvar.run(uuid(6, i), RESP[i % 3]!, ...v);
      if (i % 2 === 0) ansvar.run(uuid(6, i), RESP[(i + 1) % 3]!, ...v);
    }
    db.prepare(
      `INSERT INTO snapshot_info (mode, mo_url, graphql_version, build_started, build_finished, export_cpr, primary_manager_responsibility, row_counts, builder)
       VALUES ('actual', 'synthetic', '29', ?, ?, 1, NULL, '{}', 'synthetic reports bench')`,
    ).run(buildStarted.toISOString(), new Date().toISOString());
  })();
  createSnapshotIndexes(db);
  db.close();
}
