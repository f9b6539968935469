import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { run as runCsv } from '../../jobs/reports/run-csv.js';
import { run as runInvalidCpr } from '../../jobs/reports/run-invalid-cpr.js';
import { makeJobContext, type TestJobContext } from '../helpers/job-context.js';
import { P, U, writeHandMadeSnapshot } from './hand-made-snapshot.js';
import { readCsv } from './read-csv.js';

function context(
  job: string,
  settings: Record<string, unknown>,
  opts: { exportCpr?: boolean } = {},
): TestJobContext {
  const ctx = makeJobContext(job, { 'reports.upload_to_mo': false, 'reports.formats': ['csv'], ...settings });
  writeHandMadeSnapshot(path.join(ctx.paths.cache, 'actual_state.db'), { exportCpr: opts.exportCpr ?? true });
  return ctx;
}

const eng = (n: number) => `e0000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
const report = (ctx: TestJobContext, name: string) =>
  readCsv(path.join(ctx.paths.state, 'reports', `${name}.csv`));
const PATHS = ['root', 'org', 'sub org', '2xsub org', '3xsub org', '4xsub org'];

describe('reports_csv on the hand-made snapshot', () => {
  let ctx: TestJobContext;
  afterEach(() => ctx?.cleanup());

  it('writes the five shared reports with their DIPEX file names and columns, every engagement a row', async () => {
    ctx = context('reports_csv', {
      'reports.org_name': 'Kommune',
      'reports.pay_org_name': 'SD Løn',
      'reports.include_cpr': true,
    });
    const result = await runCsv(ctx);
    expect(result.outputs!.map((f) => path.basename(f))).to.deep.equal([
      'Alle Stillinger OS2mo.csv',
      'Alle Lederfunktioner OS2mo.csv',
      'Organisationsstruktur og Stillinger OS2mo.csv',
      'Organisationsenheder OS2mo.csv',
      'SDLønorganisation og P-Nummer OS2mo.csv',
    ]);

    const [posHeader, ...positions] = report(ctx, 'Alle Stillinger OS2mo');
    expect(posHeader).to.deep.equal([
      'CPR-Nummer',
      'Ansættelse gyldig fra',
      'Ansættelse gyldig til',
      'Fornavn',
      'Efternavn',
      'Person UUID',
      'Brugernavn',
      'Org-enhed',
      'Org-enhed UUID',
      'E-mail',
      'Telefon',
      'Stillingsbetegnelse',
      'Engagement UUID',
    ]);
    expect(positions.map((r) => `${r[3]} ${r[7]}`)).to.deep.equal([
      'Karen Kommune',
      'Anna Forvaltning',
      'Lone Afdeling A',
      'Ole Team T',
      'Ole Dyb 2',
      'Pia Dyb 2',
      'Mads Afdeling B',
    ]);
    expect(positions[0]).to.deep.equal([
      '0101701234',
      '2020-01-01',
      '',
      'Karen',
      'Hansen',
      P.karen,
      'karen',
      'Kommune',
      U.kommune,
      'karen@k.dk',
      '',
      'Direktør',
      eng(1),
    ]);
    expect(positions[1]!.slice(0, 3)).to.deep.equal(['7511004645', '2021-03-01', '2027-02-28']);
    expect(positions[6]).to.deep.equal([
      '1503584123',
      '2020-01-01',
      '',
      'Mads',
      'Jensen',
      P.mads,
      'mads',
      'Afdeling B',
      U.afdB,
      'mads2@k.dk',
      '22222222',
      'Konsulent',
      eng(2),
    ]);
    expect(
      fs.statSync(path.join(ctx.paths.state, 'reports', 'Alle Stillinger OS2mo.csv')).mode & 0o777,
    ).to.equal(0o600);

    expect(report(ctx, 'Alle Lederfunktioner OS2mo')).to.deep.equal([
      [...PATHS, 'Ansvar', 'Navn', 'Telefon', 'E-mail'],
      ['Kommune', '', '', '', '', '', 'Personale: ansættelse/afskedigelse', 'Karen Hansen', '', 'karen@k.dk'],
      [
        'Kommune',
        'Forvaltning',
        '',
        '',
        '',
        '',
        'Uddannelsesansvarlig',
        'Mads Jensen',
        '22222222',
        'mads2@k.dk',
      ],
      ['Kommune', 'Forvaltning', '', '', '', '', 'Administrativ ansvarlig', 'Anna Berg', '', 'anna@k.dk'],
      [
        'Kommune',
        'Forvaltning',
        'Afdeling A',
        '',
        '',
        '',
        'Personaleledelse',
        'Lone Nielsen',
        '',
        'lone@k.dk',
      ],
      ['Kommune', 'Forvaltning', 'Afdeling B', '', '', '', 'Intet ansvar', 'Bo Bak', '', ''],
    ]);

    const [structHeader, ...structure] = report(ctx, 'Organisationsstruktur og Stillinger OS2mo');
    expect(structHeader).to.deep.equal([...PATHS, 'Navn', 'Brugernavn', 'Telefon', 'E-mail', 'Adresse']);
    expect(structure).to.have.length(7);
    expect(structure[0]).to.deep.equal([
      'Kommune',
      '',
      '',
      '',
      '',
      '',
      'Karen Hansen',
      'karen',
      '',
      'karen@k.dk',
      'Rådhuspladsen 1, 1000 By',
    ]);
    expect(structure[4]).to.deep.equal([
      'Kommune',
      'Forvaltning',
      'Afdeling A',
      'Team T',
      'Dyb 1',
      'Dyb 2',
      'Ole Olsen',
      'ole',
      '',
      '',
      '',
    ]);

    const [unitHeader, ...units] = report(ctx, 'Organisationsenheder OS2mo');
    expect(unitHeader).to.deep.equal([
      'uuid',
      'Navn',
      'Enhedtype UUID',
      'Gyldig fra',
      'Gyldig til',
      'Enhedstype Titel',
    ]);
    expect(units.map((r) => r[1])).to.deep.equal([
      'Kommune',
      'Forvaltning',
      'Afdeling A',
      'Team T',
      'Dyb 1',
      'Dyb 2',
      'Afdeling B',
      'Tom enhed',
    ]);
    expect(units[0]).to.deep.equal([U.kommune, 'Kommune', 't-Kommune', '2020-01-01', '', 'Kommune']);

    expect(report(ctx, 'SDLønorganisation og P-Nummer OS2mo')).to.deep.equal([
      ['root', 'org', 'Adresse', 'P-nummer'],
      ['SD Løn', '', '', ''],
      ['SD Løn', 'Løn afd', 'Lønvej 2, 1000 By', '1234567890'],
    ]);
  });

  it('leaves CPR-Nummer empty without reports.include_cpr, and covers every root without reports.org_name', async () => {
    ctx = context('reports_csv', {});
    await runCsv(ctx);
    const [, ...positions] = report(ctx, 'Alle Stillinger OS2mo');
    expect(positions.map((r) => r[0])).to.deep.equal(['', '', '', '', '', '', '']);
    expect(
      fs.statSync(path.join(ctx.paths.state, 'reports', 'Alle Stillinger OS2mo.csv')).mode & 0o777,
    ).to.equal(0o640);
    const [, ...units] = report(ctx, 'Organisationsenheder OS2mo');
    expect(units.map((r) => r[1])).to.include.members(['Kommune', 'SD Løn', 'Løn afd']);
    expect(units.find((r) => r[1] === 'SD Løn')![4]).to.equal('2030-12-31');
  });

  it('shows a unit whose parent has ended as a top-level unit, with one warning naming it, its uuid and the parent', async () => {
    ctx = context('reports_csv', {});
    const orphan = '00000000-0000-4000-8000-0000000000ab';
    const endedParent = '00000000-0000-4000-8000-0000000000ee';
    const db = new Database(path.join(ctx.paths.cache, 'actual_state.db'));
    db.prepare(
      `INSERT INTO enheder (uuid, navn, bvn, "forældreenhed_uuid", enhedstype_uuid, enhedstype_titel, startdato, slutdato)
       VALUES (?, 'Gammel afdeling', 'GAMMEL', ?, 't-Afdeling', 'Afdeling', '2020-01-01', '9999-12-31')`,
    ).run(orphan, endedParent);
    db.close();
    const result = await runCsv(ctx);
    const warnings = ctx.logLines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings).to.deep.equal([
      `unit "Gammel afdeling" (${orphan}) is shown as a top-level unit: its parent ${endedParent} has ended (not in the snapshot)`,
    ]);
    expect(result.warnings).to.deep.equal(['1 unit shown as top-level: parent ended (see the job log)']);
    const [, ...units] = report(ctx, 'Organisationsenheder OS2mo');
    expect(units.map((r) => r[1])).to.include('Gammel afdeling');
  });

  it('fails with one line naming reports.org_name when not exactly one root matches', async () => {
    ctx = context('reports_csv', { 'reports.org_name': 'afd' });
    try {
      await runCsv(ctx);
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.equal(
        'reports.org_name: 0 root units have a name containing "afd"; exactly one must',
      );
    }
    expect(fs.existsSync(path.join(ctx.paths.state, 'reports'))).to.equal(false);
  });
});

describe('reports_invalid_cpr on the hand-made snapshot', () => {
  let ctx: TestJobContext;
  afterEach(() => ctx?.cleanup());

  it('lists missing, malformed, impossible and fictive CPR numbers, masked', async () => {
    ctx = context('reports_invalid_cpr', {});
    const result = await runInvalidCpr(ctx);
    expect(report(ctx, 'Ugyldige CPR-numre')).to.deep.equal([
      ['Person UUID', 'Navn', 'BvN', 'CPR', 'Problem'],
      [P.anna, 'Anna Berg', 'anna', '751100-XXXX', 'fiktivt'],
      [P.robot, 'Robot Test', 'robot', '12345?-XXXX', 'ikke 10 cifre'],
      [P.pia, 'Pia Poulsen', 'pia', '310280-XXXX', 'ikke en gyldig dato'],
      [P.ole, 'Ole Olsen', 'ole', '', 'mangler'],
    ]);
    expect(result.counters).to.include({ missing: 1, format: 1, date: 1, fictive: 1 });
    expect(result.message).to.equal('1 missing, 1 malformed, 1 impossible dates, 1 fictive');
  });

  it('shows the CPR numbers with reports.include_cpr, in a 0600 file', async () => {
    ctx = context('reports_invalid_cpr', { 'reports.include_cpr': true });
    await runInvalidCpr(ctx);
    const rows = report(ctx, 'Ugyldige CPR-numre');
    expect(rows.map((r) => r[3])).to.deep.equal(['CPR', '7511004645', '12345', '3102801234', '']);
    expect(
      fs.statSync(path.join(ctx.paths.state, 'reports', 'Ugyldige CPR-numre.csv')).mode & 0o777,
    ).to.equal(0o600);
  });

  it('refuses a snapshot built without CPR numbers instead of listing everybody as missing', async () => {
    ctx = context('reports_invalid_cpr', {}, { exportCpr: false });
    try {
      await runInvalidCpr(ctx);
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.match(/exporters\.actual_state\.export_cpr is false/);
    }
  });

  it('fails with one line when the upload to MO fails, after writing the local files', async () => {
    ctx = context('reports_invalid_cpr', {
      'reports.upload_to_mo': true,
      'reports.include_cpr': true,
      'mora.base': 'http://127.0.0.1:1',
      'mora.retry.max_attempts': 1,
    });
    try {
      await runInvalidCpr(ctx);
      expect.fail('should have thrown');
    } catch (err) {
      const message = (err as Error).message;
      expect(message).to.not.include('\n');
      expect(message).to.match(/Ugyldige CPR-numre\.csv/);
      expect(message).to.not.match(/\d{10}/);
    }
    expect(fs.existsSync(path.join(ctx.paths.state, 'reports', 'Ugyldige CPR-numre.csv'))).to.equal(true);
  });

  it('rejects an unknown output format naming reports.formats', async () => {
    ctx = context('reports_invalid_cpr', { 'reports.formats': ['pdf'] });
    try {
      await runInvalidCpr(ctx);
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.match(/^reports\.formats: .*\(expected string\[\]\)$/);
    }
  });
});
