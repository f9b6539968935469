/**
 * The reports against a snapshot built by the real snapshot job (exports_cache_loracache) from fixture S served
 * by the MO emulator, checked against an oracle computed from the fixture itself; and the upload to MO.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { expect } from 'chai';
import { exportsCacheLoracache } from '../../jobs/lora-cache/definition.js';
import { reportsCsv, reportsEngagementsManagers, reportsInvalidCpr } from '../../jobs/reports/definition.js';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import { generateFixture } from '../fixtures/generate.js';
import type { Fixture, Temporal, Validity } from '../fixtures/types.js';
import { makeJobContext, makeTempDir } from '../helpers/job-context.js';
import { parseReportCsv, readCsv } from './read-csv.js';

function current<F>(obj: Temporal<F>, today: string): (Validity & F) | undefined {
  return obj.validities.find((v) => (v.from === null || v.from <= today) && (v.to === null || v.to >= today));
}

/** What the fixture says, independently of the snapshot and the report code. */
function oracle(fx: Fixture) {
  const t = fx.today;
  const units = new Map(
    fx.org_units.flatMap((u) => (current(u, t) ? [[u.uuid, current(u, t)!] as const] : [])),
  );
  const persons = new Map(
    fx.persons.flatMap((p) => (current(p, t) ? [[p.uuid, current(p, t)!] as const] : [])),
  );
  const name = (uuid: string) => `${persons.get(uuid)!.given_name} ${persons.get(uuid)!.surname}`;
  const engagements = fx.engagements.flatMap((e) => {
    const v = current(e, t);
    return v && units.has(v.org_unit) && persons.has(v.person) ? [v] : [];
  });
  const managers = fx.managers.flatMap((m) => {
    const v = current(m, t);
    return v && units.has(v.org_unit) ? [v] : [];
  });
  const lederType = fx.landmarks.classByKey.manager_type!.Leder!;
  /** Names acceptable as this person's Leder: the nearest unit up the tree with a Leder who is not them. */
  const lederNames = (unit: string, person: string): string[] => {
    for (let u: string | null = unit; u; u = units.get(u)?.parent ?? null) {
      const found = managers.filter(
        (m) => m.org_unit === u && m.manager_type === lederType && m.person && m.person !== person,
      );
      if (found.length > 0) return found.map((m) => name(m.person!));
    }
    return [''];
  };
  const inTree = (unit: string, top: string): boolean => {
    for (let u: string | null = unit; u; u = units.get(u)?.parent ?? null) if (u === top) return true;
    return false;
  };
  return { units, persons, name, engagements, managers, lederNames, inTree };
}

describe('reports on fixture S through the real snapshot job and the MO emulator', function () {
  this.timeout(120_000);
  let mo: MoEmulator;
  let fx: Fixture;
  let stateDir: string;
  const runStartedAt = new Date();

  before(async () => {
    fx = generateFixture({ size: 'S', seed: 7 });
    mo = await startMoEmulator({ fixture: fx });
    stateDir = makeTempDir('jr-reports-s-');
    const ctx = makeJobContext(
      'exports_cache_loracache',
      { 'mora.base': mo.url },
      { stateDir, runStartedAt },
    );
    const { run } = await exportsCacheLoracache.load();
    await run(ctx);
    mo.reset();
  });

  after(async () => {
    await mo?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const reportsDir = () => path.join(stateDir, 'reports');

  it('writes "Engagementer og ledere" with one row per current engagement and the right Leder, and uploads to MO', async () => {
    const ctx = makeJobContext(
      'reports_engagements_managers',
      { 'mora.base': mo.url, 'reports.include_cpr': true },
      { stateDir, runStartedAt },
    );
    const { run } = await reportsEngagementsManagers.load();
    const result = await run(ctx);
    const o = oracle(fx);

    const [header, ...rows] = readCsv(path.join(reportsDir(), 'Engagementer og ledere.csv'));
    const col = (h: string) => header!.indexOf(h);
    const depth = header!.filter((h) => h.startsWith('Niveau ')).length;
    expect(depth).to.be.greaterThan(2);
    const unitName = (r: string[]) =>
      r
        .slice(0, depth)
        .filter((c) => c !== '')
        .at(-1);

    // Every current engagement is exactly one row (BvN, person, unit name); the rest are managers' extra rows
    // (with an engagement elsewhere) and empty units.
    const engagementRows = o.engagements
      .map((e) => `${e.user_key}|${o.name(e.person)}|${o.units.get(e.org_unit)!.name}`)
      .sort();
    const got = rows.map(
      (r) => `${r[col('Brugervendt Nøgle (BvN)')]}|${r[col('Medarbejder')]}|${unitName(r)}`,
    );
    const remaining = [...got];
    for (const key of engagementRows) {
      const i = remaining.indexOf(key);
      expect(i, `row for ${key}`).to.be.greaterThan(-1);
      remaining.splice(i, 1);
    }
    const managersWithoutEngagementThere = o.managers.filter(
      (m) =>
        m.person &&
        !o.engagements.some((e) => e.person === m.person && e.org_unit === m.org_unit) &&
        o.engagements.some((e) => e.person === m.person),
    );
    const distinctManagerRows = new Set(
      managersWithoutEngagementThere.map((m) => `${m.person}|${m.org_unit}`),
    );
    const emptyRows = remaining.filter((k) => k.startsWith('||'));
    expect(remaining.length - emptyRows.length).to.equal(distinctManagerRows.size);
    expect(result.counters?.rows).to.equal(rows.length);

    // Leder: the nearest Leder up the tree who is not the person (never themselves).
    const byKey = new Map(o.engagements.map((e) => [`${e.user_key}|${o.name(e.person)}`, e]));
    const lederType = fx.landmarks.classByKey.manager_type!.Leder!;
    let checked = 0;
    let selfLeaders = 0;
    for (const r of rows) {
      const e = byKey.get(`${r[col('Brugervendt Nøgle (BvN)')]}|${r[col('Medarbejder')]}`);
      if (!e || o.units.get(e.org_unit)!.name !== unitName(r)) continue;
      expect(o.lederNames(e.org_unit, e.person), `Leder of ${r[col('Medarbejder')]}`).to.include(
        r[col('Leder')],
      );
      checked += 1;
      if (
        o.managers.some(
          (m) => m.org_unit === e.org_unit && m.person === e.person && m.manager_type === lederType,
        )
      )
        selfLeaders += 1;
    }
    expect(checked).to.be.greaterThan(100);
    expect(selfLeaders, "persons who are their own unit's Leder").to.be.greaterThan(0);

    // Sorted by the path columns, then Medarbejder.
    const keys = rows.map((r) => [...r.slice(0, depth), r[col('Medarbejder')]!].join('\u0001'));
    const sortedKeys = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(keys).to.deep.equal(sortedKeys);

    // The upload: every file received by the emulator, byte for byte.
    expect([...mo.uploads.keys()].sort()).to.deep.equal([
      'Engagementer og ledere med cpr-numre.csv',
      'Engagementer og ledere med cpr-numre.xlsx',
      'Engagementer og ledere.csv',
      'Engagementer og ledere.xlsx',
    ]);
    for (const [nameInMo, bytes] of mo.uploads)
      expect(bytes.equals(fs.readFileSync(path.join(reportsDir(), nameInMo)))).to.equal(true);
    expect(parseReportCsv(mo.uploads.get('Engagementer og ledere.csv')!.toString('utf8'))).to.have.length(
      rows.length + 1,
    );
    expect(result.counters?.uploaded).to.equal(4);
  });

  it('fills Alder from the CPR (fictive included) and leaves it empty for missing and invalid CPRs; XLSX matches CSV', async () => {
    const o = oracle(fx);
    const file = path.join(reportsDir(), 'Engagementer og ledere med cpr-numre.csv');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const [header, ...rows] = readCsv(file);
    const cpr = header!.indexOf('CPR-nummer');
    const alder = header!.indexOf('Alder');
    const today = fx.today;
    const ageOf = (c: string) => {
      const dd = Number(c.slice(0, 2)) % 60 || 60;
      const yy = Number(c.slice(4, 6));
      const year = Number(c[6]) <= 3 ? 1900 + yy : yy <= 36 ? 2000 + yy : 1900 + yy;
      const birthday = `${c.slice(2, 4)}-${String(dd > 31 ? dd - 60 : dd).padStart(2, '0')}`;
      return Number(today.slice(0, 4)) - year - (today.slice(5) < birthday ? 1 : 0);
    };
    const cprOf = new Map([...o.persons].map(([uuid, p]) => [uuid, p.cpr_number]));
    const fictive = new Set(fx.landmarks.fictiveCprPersons.map((u) => cprOf.get(u)));
    const invalid = new Set(fx.landmarks.invalidCprPersons.map((u) => cprOf.get(u)));
    let fictiveSeen = 0;
    for (const r of rows) {
      if (r[header!.indexOf('Medarbejder')] === '') continue;
      const c = r[cpr]!;
      if (c === '' || invalid.has(c)) expect(r[alder]).to.equal('');
      else {
        expect(r[alder]).to.equal(String(ageOf(c)));
        if (fictive.has(c)) fictiveSeen += 1;
      }
    }
    expect(fictiveSeen).to.be.greaterThan(0);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file.replace(/csv$/, 'xlsx'));
    const ws = wb.getWorksheet('Personer')!;
    expect(ws.rowCount).to.equal(rows.length + 1);
    expect((ws.getRow(1).values as unknown[]).slice(1)).to.deep.equal(header);
    const firstWithAge = rows.findIndex((r) => r[alder] !== '');
    expect(ws.getRow(firstWithAge + 2).getCell(alder + 1).value).to.equal(Number(rows[firstWithAge]![alder]));
    expect(ws.autoFilter).to.match(/^A1:[A-Z]+\d+$/);
  });

  it('writes the shared reports with every current engagement of the municipality a row', async () => {
    const o = oracle(fx);
    const root = o.units.get(fx.landmarks.rootUnit)!;
    const ctx = makeJobContext(
      'reports_csv',
      { 'reports.org_name': root.name, 'reports.upload_to_mo': false },
      { stateDir, runStartedAt },
    );
    const { run } = await reportsCsv.load();
    await run(ctx);
    const [, ...positions] = readCsv(path.join(reportsDir(), 'Alle Stillinger OS2mo.csv'));
    const expected = o.engagements.filter((e) => o.inTree(e.org_unit, fx.landmarks.rootUnit));
    expect(positions.map((r) => r[12]).sort()).to.deep.equal(
      fx.engagements
        .filter((e) => expected.includes(current(e, fx.today)!))
        .map((e) => e.uuid)
        .sort(),
    );
    const [, ...units] = readCsv(path.join(reportsDir(), 'Organisationsenheder OS2mo.csv'));
    expect(units.length).to.equal(
      [...o.units.keys()].filter((u) => o.inTree(u, fx.landmarks.rootUnit)).length,
    );
    expect(mo.uploads.size).to.equal(4); // unchanged: upload_to_mo false
  });

  it("flags exactly the fixture's fictive, invalid and missing CPR numbers", async () => {
    const o = oracle(fx);
    const ctx = makeJobContext(
      'reports_invalid_cpr',
      { 'reports.upload_to_mo': false },
      { stateDir, runStartedAt },
    );
    const { run } = await reportsInvalidCpr.load();
    await run(ctx);
    const [, ...rows] = readCsv(path.join(reportsDir(), 'Ugyldige CPR-numre.csv'));
    const flagged = (problem: string) =>
      rows
        .filter((r) => r[4] === problem)
        .map((r) => r[0])
        .sort();
    const live = (list: string[]) => list.filter((u) => o.persons.has(u)).sort();
    expect(flagged('fiktivt')).to.deep.equal(live(fx.landmarks.fictiveCprPersons));
    expect(flagged('ikke en gyldig dato')).to.deep.equal(live(fx.landmarks.invalidCprPersons));
    expect(flagged('mangler')).to.deep.equal(live(fx.landmarks.missingCprPersons));
    expect(flagged('ikke 10 cifre')).to.deep.equal([]);
    expect(rows.every((r) => /^(\d{6}-XXXX)?$/.test(r[3]!))).to.equal(true);
  });
});
