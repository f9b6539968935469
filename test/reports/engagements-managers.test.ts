import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { run } from '../../jobs/reports/run-engagements-managers.js';
import { makeJobContext, type TestJobContext } from '../helpers/job-context.js';
import { P, U, writeHandMadeSnapshot } from './hand-made-snapshot.js';
import { readCsv } from './read-csv.js';

const RUN_STARTED = new Date('2026-06-15T10:00:00Z');
const K = 'Kommune';
const F = 'Forvaltning';
const A = 'Afdeling A';
const T = 'Team T';

function context(settings: Record<string, unknown> = {}): TestJobContext {
  const ctx = makeJobContext(
    'reports_engagements_managers',
    { 'reports.upload_to_mo': false, 'reports.org_unit_uuid': U.kommune, ...settings },
    { runStartedAt: RUN_STARTED },
  );
  writeHandMadeSnapshot(path.join(ctx.paths.cache, 'actual_state.db'), {
    buildStarted: new Date(RUN_STARTED.getTime() + 1000),
  });
  return ctx;
}

const HEADER_A = [
  ...[1, 2, 3, 4, 5, 6].map((n) => `Niveau ${n}`),
  'Leder',
  'Medleder 1',
  'Medleder 2',
  'Administrator',
  'Administrativ ansvarlig',
  'Personaleledelse',
  'Uddannelsesansvarlig',
  'Lederniveau',
  'Brugervendt Nøgle (BvN)',
  'Tjenestenummer',
  'Medarbejder',
  'E-mail',
  'Stillingskode',
  'Engagementstype',
  'Leders e-mail',
];

const e = (n: number) => `ABC0000${n}`;
const blank7 = ['', '', '', '', '', '', ''];

// prettier-ignore
const ROWS_A = [
  [K, '', '', '', '', '', '', '', '', '', '', 'Karen Hansen', '', 'Niveau 1', e(1), e(1), 'Karen Hansen', 'karen@k.dk', 'Direktør (DIR)', 'Ansat', ''],
  [K, F, '', '', '', '', 'Karen Hansen', 'Mads Jensen', '', 'Anna Berg', 'Anna Berg', '', 'Mads Jensen', '', e(3), e(3), 'Anna Berg', 'anna@k.dk', 'Sekretær (SEK)', 'Ansat', 'karen@k.dk'],
  [K, F, '', '', '', '', 'Karen Hansen', 'Mads Jensen', '', 'Anna Berg', 'Anna Berg', '', 'Mads Jensen', 'Niveau 3', e(2), e(2), 'Mads Jensen', 'mads1@k.dk', 'Konsulent (KON)', 'Ansat', 'karen@k.dk'],
  [K, F, A, '', '', '', 'Karen Hansen', '', '', '', 'Lone Nielsen', 'Lone Nielsen', '', 'Niveau 2', e(4), e(4), 'Lone Nielsen', 'lone@k.dk', 'Afdelingsleder (AFL)', 'Ansat', 'karen@k.dk'],
  [K, F, A, T, '', '', 'Lone Nielsen', ...blank7, e(5), e(5), 'Ole Olsen', '', 'Pædagog (PAE)', 'Timelønnet', 'lone@k.dk'],
  [K, F, A, T, 'Dyb 1', '', '', ...blank7, '', '', '', '', '', '', ''],
  [K, F, A, T, 'Dyb 1', 'Dyb 2', 'Lone Nielsen', ...blank7, e(6), e(6), 'Ole Olsen', '', 'Pædagog (PAE)', 'Ansat', 'lone@k.dk'],
  [K, F, A, T, 'Dyb 1', 'Dyb 2', 'Lone Nielsen', ...blank7, e(7), e(7), 'Pia Poulsen', '', '', 'Ansat', 'lone@k.dk'],
  [K, F, 'Afdeling B', '', '', '', 'Bo Bak', ...blank7, e(2), e(2), 'Mads Jensen', 'mads1@k.dk', 'Konsulent (KON)', 'Ansat', ''],
  [K, 'Tom enhed', '', '', '', '', '', ...blank7, '', '', '', '', '', '', ''],
];

const HEADER_B = [
  ...[1, 2, 3, 4, 5, 6].map((n) => `Niveau ${n}`),
  'Enhedsnavn',
  'Enhedstype',
  'Medarbejder',
  'Stilling',
  'Lederniveau',
  'Lederbetegnelse',
  'Lederansvar',
  'Tjenestenummer',
  'CPR-nummer',
  'E-mail',
  'Alder',
  'Leder',
  'Leders e-mail',
  'Brugervendt Nøgle (BvN)',
  'Engagementstype',
];

// prettier-ignore
const ROWS_B = [
  [K, '', '', '', '', '', K, 'Kommune', 'Karen Hansen', 'Kommunaldirektør', 'Niveau 1', 'Leder', 'Personaleledelse', e(1), '0101701234', 'karen@k.dk', '56', '', '', e(1), 'Ansat'],
  [K, F, '', '', '', '', F, 'Forvaltning', 'Anna Berg', '', '', 'Administrator', 'Administrativ ansvarlig', e(3), '7511004645', 'anna@k.dk', '25', 'Karen Hansen', 'karen@k.dk', e(3), 'Ansat'],
  [K, F, '', '', '', '', F, 'Forvaltning', 'Mads Jensen', '', 'Niveau 3', 'Medleder', 'Uddannelsesansvarlig', e(2), '1503584123', 'mads1@k.dk', '68', 'Karen Hansen', 'karen@k.dk', e(2), 'Ansat'],
  [K, F, A, '', '', '', A, 'Afdeling', 'Lone Nielsen', '', 'Niveau 2', 'Leder', 'Personaleledelse', e(4), '2902961234', 'lone@k.dk', '30', 'Karen Hansen', 'karen@k.dk', e(4), 'Ansat'],
  [K, F, A, T, '', '', T, 'Team', 'Ole Olsen', '', '', '', '', e(5), '', '', '', 'Lone Nielsen', 'lone@k.dk', e(5), 'Timelønnet'],
  [K, F, A, T, 'Dyb 1', '', 'Dyb 1', 'Team', '', '', '', '', '', '', '', '', '', '', '', '', ''],
  [K, F, A, T, 'Dyb 1', 'Dyb 2', 'Dyb 2', 'Team', 'Ole Olsen', '', '', '', '', e(6), '', '', '', 'Lone Nielsen', 'lone@k.dk', e(6), 'Ansat'],
  [K, F, A, T, 'Dyb 1', 'Dyb 2', 'Dyb 2', 'Team', 'Pia Poulsen', '', '', '', '', e(7), '3102801234', '', '', 'Lone Nielsen', 'lone@k.dk', e(7), 'Ansat'],
  [K, F, 'Afdeling B', '', '', '', 'Afdeling B', 'Afdeling', 'Mads Jensen', '', '', '', '', e(2), '1503584123', 'mads1@k.dk', '68', 'Bo Bak', '', e(2), 'Ansat'],
  [K, 'Tom enhed', '', '', '', '', 'Tom enhed', 'Afdeling', '', '', '', '', '', '', '', '', '', '', '', '', ''],
];

describe('reports_engagements_managers on the hand-made snapshot', () => {
  let ctx: TestJobContext;
  afterEach(() => ctx?.cleanup());

  it('writes "Engagementer og ledere" with exactly the expected rows, in order', async () => {
    ctx = context();
    const result = await run(ctx);
    const file = path.join(ctx.paths.state, 'reports', 'Engagementer og ledere.csv');
    const [header, ...rows] = readCsv(file);
    expect(header).to.deep.equal(HEADER_A);
    expect(rows).to.deep.equal(ROWS_A);
    expect(result.counters?.rows).to.equal(ROWS_A.length);
    expect(ctx.progressCalls.at(-1)).to.deep.equal({ done: 1, total: 1, what: 'reports written' });
    expect(
      fs.existsSync(path.join(ctx.paths.state, 'reports', 'Engagementer og ledere med cpr-numre.csv')),
    ).to.equal(false);
  });

  it('writes the CPR variant only with reports.include_cpr, mode 0600, with exact rows (Alder from CPR)', async () => {
    ctx = context({ 'reports.include_cpr': true });
    const result = await run(ctx);
    const file = path.join(ctx.paths.state, 'reports', 'Engagementer og ledere med cpr-numre.csv');
    const [header, ...rows] = readCsv(file);
    expect(header).to.deep.equal(HEADER_B);
    expect(rows).to.deep.equal(ROWS_B);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(fs.statSync(file.replace(/csv$/, 'xlsx')).mode & 0o777).to.equal(0o600);
    expect(result.outputs).to.have.length(4);
  });

  it("never shows a person as their own Leder, and without inheritance shows only the own unit's Leder", async () => {
    ctx = context({ 'reports.inherit_manager': false });
    await run(ctx);
    const [header, ...rows] = readCsv(path.join(ctx.paths.state, 'reports', 'Engagementer og ledere.csv'));
    const leder = header!.indexOf('Leder');
    const medarbejder = header!.indexOf('Medarbejder');
    const byPerson = (name: string) => rows.filter((r) => r[medarbejder] === name).map((r) => r[leder]);
    expect(byPerson('Karen Hansen')).to.deep.equal(['']); // top of the tree: nobody above her
    expect(byPerson('Lone Nielsen')).to.deep.equal(['Karen Hansen']); // her own Leder: walk up past the vacant one
    expect(byPerson('Anna Berg')).to.deep.equal(['']); // Forvaltning's Leder is vacant, no inheritance
    expect(byPerson('Ole Olsen')).to.deep.equal(['', '']);
    expect(byPerson('Pia Poulsen')).to.deep.equal(['']);
  });

  it('strips the Tjenestenummer prefix and honours custom manager slot and responsibility names', async () => {
    ctx = context({
      'reports.service_number_prefix_length': 3,
      'reports.medleder_slots': 1,
      'reports.responsibility_columns': ['Uddannelsesansvarlig'],
      'reports.manager_type_administrator': 'Medleder',
    });
    await run(ctx);
    const [header, ...rows] = readCsv(path.join(ctx.paths.state, 'reports', 'Engagementer og ledere.csv'));
    expect(header!.slice(6, 12)).to.deep.equal([
      'Leder',
      'Medleder 1',
      'Administrator',
      'Uddannelsesansvarlig',
      'Lederniveau',
      'Brugervendt Nøgle (BvN)',
    ]);
    const anna = rows.find((r) => r[header!.indexOf('Medarbejder')] === 'Anna Berg')!;
    expect(anna[header!.indexOf('Tjenestenummer')]).to.equal('00003');
    expect(anna[header!.indexOf('Brugervendt Nøgle (BvN)')]).to.equal('ABC00003');
    expect(anna[header!.indexOf('Administrator')]).to.equal('Mads Jensen');
  });

  it('covers every root when reports.org_unit_uuid is unset', async () => {
    ctx = context({ 'reports.org_unit_uuid': undefined });
    await run(ctx);
    const [, ...rows] = readCsv(path.join(ctx.paths.state, 'reports', 'Engagementer og ledere.csv'));
    expect(rows.map((r) => r.slice(0, 2).join('/')).slice(-2)).to.deep.equal(['SD Løn/', 'SD Løn/Løn afd']);
    expect(rows).to.have.length(ROWS_A.length + 2);
  });

  it('fails with one line naming the key for bad settings', async () => {
    ctx = context({ 'reports.medleder_slots': 'two' });
    try {
      await run(ctx);
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.match(/^reports\.medleder_slots: /);
      expect((err as Error).message).to.not.include('\n');
    }
    ctx.cleanup();
    ctx = context({ 'reports.org_unit_uuid': '99999999-0000-4000-8000-000000000000' });
    try {
      await run(ctx);
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.equal(
        'reports.org_unit_uuid: unit 99999999-0000-4000-8000-000000000000 is not in the snapshot',
      );
    }
    expect(fs.existsSync(path.join(ctx.paths.state, 'reports'))).to.equal(false);
  });

  it('fails with one line naming exports_cache_loracache when the snapshot is missing or older than the run', async () => {
    ctx = context();
    fs.rmSync(path.join(ctx.paths.cache, 'actual_state.db'));
    try {
      await run(ctx);
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.match(/does not exist; run exports_cache_loracache first$/);
    }
    writeHandMadeSnapshot(path.join(ctx.paths.cache, 'actual_state.db'), {
      buildStarted: new Date(RUN_STARTED.getTime() - 3600_000),
    });
    try {
      await run(ctx);
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.match(
        /before this run started .*; run exports_cache_loracache first$/,
      );
    }
    // Taken from an earlier run (not re-run now): the older snapshot is accepted.
    ctx.prerequisitesRanThisRun = false;
    const result = await run(ctx);
    expect(result.counters?.rows).to.equal(ROWS_A.length);
  });

  it('keeps CPR numbers out of log lines', async () => {
    ctx = context({ 'reports.include_cpr': true });
    await run(ctx);
    const text = JSON.stringify(ctx.logLines);
    for (const cpr of ['0101701234', '7511004645', '1503584123']) expect(text).to.not.include(cpr);
    expect(ctx.logLines.length).to.be.greaterThan(0);
    expect(P.karen).to.be.a('string');
  });

  it('warns (and still writes) when asked for CPR numbers from a snapshot built without them', async () => {
    ctx = context({ 'reports.include_cpr': true });
    writeHandMadeSnapshot(path.join(ctx.paths.cache, 'actual_state.db'), {
      buildStarted: new Date(RUN_STARTED.getTime() + 1000),
      exportCpr: false,
    });
    const result = await run(ctx);
    expect(result.warnings).to.have.length(1);
    expect(result.warnings![0]).to.match(/exporters\.actual_state\.export_cpr/);
    expect(ctx.logLines.some((l) => l.level === 'warn')).to.equal(true);
    expect(result.outputs).to.have.length(4);
  });
});
