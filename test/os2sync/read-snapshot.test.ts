/** The snapshot reader on a hand-made snapshot: label mapping, DAR names, KLE aspects, IT-user bindings, engagement timelines. */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { createSnapshotSchema, quoteIdent, snapshotTables } from '../../jobs/lora-cache/schema.js';
import { readFromSnapshot } from '../../jobs/os2sync/read-snapshot.js';
import { assembleModel } from '../../jobs/os2sync/assemble.js';

function insert(db: Database.Database, table: string, row: Record<string, unknown>): void {
  const cols = Object.keys(row);
  db.prepare(
    `INSERT INTO ${quoteIdent(table)} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
  ).run(...cols.map((c) => row[c] as string | number | null));
}

describe('os2sync snapshot reader', () => {
  const db = new Database(':memory:');
  createSnapshotSchema(db, { tables: snapshotTables('actual') });
  insert(db, 'klasser', { uuid: 'h1', titel: 'Linjeorganisation', facet_bvn: 'org_unit_hierarchy' });
  insert(db, 'enheder', { uuid: 'u1', navn: 'Top', forældreenhed_uuid: null, opmærkning_uuid: 'h1' });
  insert(db, 'brugere', {
    uuid: 'p1',
    bvn: 'B1',
    fornavn: 'Jens',
    efternavn: 'Ærø',
    kaldenavn_fornavn: null,
    cpr: '',
  });
  insert(db, 'adresser', {
    uuid: 'a1',
    enhed_uuid: 'u1',
    værdi: 'dar-uuid',
    dar_uuid: 'dar-uuid',
    adressetype_uuid: 'T1',
    adressetype_scope: 'DAR',
    synlighed_uuid: null,
  });
  insert(db, 'dar_adresser', { uuid: 'dar-uuid', betegnelse: 'Nørregade 1, 9999 By' });
  insert(db, 'adresser', {
    uuid: 'a2',
    bruger_uuid: 'p1',
    værdi: 'j@x.dk',
    adressetype_uuid: 't2',
    adressetype_scope: 'E-mail',
    synlighed_uuid: 'v',
    synlighed_scope: 'SECRET',
  });
  insert(db, 'adresser', {
    uuid: 'a3',
    bruger_uuid: 'p1',
    værdi: '?',
    adressetype_uuid: 't3',
    adressetype_scope: null,
  });
  insert(db, 'kle', { uuid: 'k1', enhed_uuid: 'u1', kle_nummer_uuid: 'n1', kle_aspekt_titel: 'Udførende' });
  insert(db, 'kle', { uuid: 'k1', enhed_uuid: 'u1', kle_nummer_uuid: 'n1', kle_aspekt_titel: 'Ansvarlig' });
  insert(db, 'it_systemer', { uuid: 's1', navn: 'Active Directory' });
  insert(db, 'it_forbindelser', { uuid: 'i1', it_system_uuid: 's1', bruger_uuid: 'p1', brugernavn: 'jae' });
  insert(db, 'it_forbindelse_engagementer', { it_forbindelse_uuid: 'i1', engagement_uuid: 'e2' });
  insert(db, 'it_forbindelse_engagementer', { it_forbindelse_uuid: 'i1', engagement_uuid: 'e1' });
  insert(db, 'ledere', { enhed_uuid: 'u1', bruger_uuid: null });

  it('maps units, persons, addresses, KLE, managers and IT users', () => {
    const raw = readFromSnapshot(db, { managers: true, kles: true }, '2026-01-01');
    expect(raw.engagements).to.deep.equal([]);
    const model = assembleModel(raw);
    const unit = model.units.get('u1')!;
    expect(unit.addresses.map((a) => [a.scope, a.name])).to.deep.equal([['DAR', 'Nørregade 1, 9999 By']]);
    expect(unit.kles).to.deep.equal([{ uuid: 'k1', numberUuid: 'n1', aspects: ['Ansvarlig', 'Udførende'] }]);
    expect(unit.managers).to.deep.equal([null]);
    expect(model.hierarchyClasses.get('h1')).to.equal('Linjeorganisation');
    const person = model.persons[0]!;
    expect(person).to.include({ cpr: null, nicknameGivenName: '', givenName: 'Jens' });
    expect(person.addresses.map((a) => [a.scope, a.visibilityScope])).to.deep.equal([['EMAIL', 'SECRET']]);
    expect(person.itUsers[0]).to.include({
      userKey: 'jae',
      itSystemName: 'Active Directory',
      engagementUuid: 'e1',
    });
  });

  it('reads engagement_perioder: first start, last end, future ones, ended ones dropped', () => {
    insert(db, 'engagement_perioder', {
      uuid: 'e1',
      bruger_uuid: 'p1',
      enhed_uuid: 'u1',
      stillingsbetegnelse_titel: 'Pedel',
      primær_boolean: 1,
      første_startdato: '2010-01-01',
      sidste_slutdato: '9999-12-31',
    });
    insert(db, 'engagement_perioder', {
      uuid: 'e2',
      bruger_uuid: 'p1',
      enhed_uuid: 'u1',
      stillingsbetegnelse_titel: 'Elev',
      primær_boolean: 0,
      første_startdato: '2026-02-01',
      sidste_slutdato: '2026-12-31',
    });
    insert(db, 'engagement_perioder', {
      uuid: 'e3',
      bruger_uuid: 'p1',
      enhed_uuid: 'u1',
      stillingsbetegnelse_titel: 'Gammel',
      primær_boolean: 0,
      første_startdato: '2000-01-01',
      sidste_slutdato: '2025-12-31',
    });
    const raw = readFromSnapshot(db, { managers: false, kles: false }, '2026-01-01');
    expect(raw.engagements).to.deep.equal([
      {
        uuid: 'e1',
        personUuid: 'p1',
        unitUuid: 'u1',
        jobFunction: 'Pedel',
        isPrimary: true,
        startDate: '2010-01-01',
        stopDate: null,
      },
      {
        uuid: 'e2',
        personUuid: 'p1',
        unitUuid: 'u1',
        jobFunction: 'Elev',
        isPrimary: false,
        startDate: '2026-02-01',
        stopDate: '2026-12-31',
      },
    ]);
    expect(raw.managers).to.deep.equal([]);
    expect(raw.kles).to.deep.equal([]);
  });
});
