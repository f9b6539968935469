import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import { overlaps } from '../fixtures/dates.js';
import { makeJobContext, type TestJobContext } from '../helpers/job-context.js';
import { run } from '../../jobs/cpr-uuid/run.js';
import { exportsCprUuid } from '../../jobs/cpr-uuid/definition.js';
import { Settings } from '../../orchestrator/settings-store.js';

/** Parses the map: BOM, `;`, every field quoted, CRLF. */
function parse(buf: Buffer): string[][] {
  expect([...buf.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
  const text = buf.subarray(3).toString('utf8');
  expect(text.endsWith('\r\n')).to.equal(true);
  return text
    .slice(0, -2)
    .split('\r\n')
    .map((line) => {
      expect(line).to.match(/^"[^"]*"(;"[^"]*")*$/);
      return line.split(';').map((f) => f.slice(1, -1));
    });
}

describe('exports_cpr_uuid', function () {
  this.timeout(60_000);
  let mo: MoEmulator;
  let ctx: TestJobContext;
  before(async () => {
    mo = await startMoEmulator({ size: 'S' });
  });
  after(async () => mo.stop());
  beforeEach(() => {
    ctx = makeJobContext('exports_cpr_uuid', { 'mora.base': mo.url });
    ctx.paths.root = ctx.paths.state;
  });
  afterEach(() => ctx.cleanup());

  const file = () => path.join(ctx.paths.state, 'cpr_mo_ad_map.csv');
  const today = () => mo.fixture.today;
  const currentPersons = () =>
    mo.fixture.persons.filter((p) => p.validities.some((v) => overlaps(v.from, v.to, today(), today())));

  it('writes one quoted ;-separated row per person, UTF-8 with BOM, mode 0600, AD columns from the AD IT users', async () => {
    const result = await run(ctx);
    expect(result.outputs).to.deep.equal([file()]);
    expect(fs.statSync(file()).mode & 0o777).to.equal(0o600);
    const rows = parse(fs.readFileSync(file()));
    expect(rows[0]).to.deep.equal(['cpr', 'mo_uuid', 'ad_guid', 'sam_account_name']);
    const persons = currentPersons();
    expect(rows.length - 1).to.equal(persons.length);
    const byUuid = new Map(rows.slice(1).map((r) => [r[1], r]));
    const ad = mo.fixture.landmarks.itsystemByKey.AD;
    const adUser = mo.fixture.itusers.find((i) => {
      const v = i.validities.find((x) => overlaps(x.from, x.to, today(), today()));
      return v && v.itsystem === ad && v.person && v.external_id;
    })!;
    const v = adUser.validities.find((x) => overlaps(x.from, x.to, today(), today()))!;
    const person = persons.find((p) => p.uuid === v.person)!;
    const pv = person.validities.find((x) => overlaps(x.from, x.to, today(), today()))!;
    expect(byUuid.get(person.uuid)).to.deep.equal([
      pv.cpr_number ?? '',
      person.uuid,
      v.external_id,
      v.user_key,
    ]);
    const fkOnly = mo.fixture.itusers.find(
      (i) =>
        i.validities[0].itsystem !== ad &&
        i.validities[0].person &&
        !mo.fixture.itusers.some(
          (j) => j.validities[0].itsystem === ad && j.validities[0].person === i.validities[0].person,
        ),
    );
    if (fkOnly) expect(byUuid.get(fkOnly.validities[0].person!)!.slice(2)).to.deep.equal(['', '']);
    expect(result.counters?.persons).to.equal(persons.length);
  });

  it('persons without a CPR get an empty cpr and one warning that holds no CPR number', async () => {
    const person = currentPersons().find((p) => p.validities.every((v) => v.cpr_number))!;
    const saved = person.validities.map((v) => v.cpr_number);
    for (const v of person.validities) v.cpr_number = null;
    mo.reset();
    try {
      const missing = mo.fixture.persons
        .filter((p) => currentPersons().includes(p) && p.validities.some((v) => !v.cpr_number))
        .map((p) => p.uuid);
      expect(missing).to.include(person.uuid);
      const result = await run(ctx);
      const rows = parse(fs.readFileSync(file()));
      for (const uuid of missing) expect(rows.find((r) => r[1] === uuid)![0]).to.equal('');
      expect(result.warnings!.join()).to.match(
        new RegExp(`^${missing.length} person\\(s\\) without a CPR number`),
      );
      expect(JSON.stringify(ctx.logLines)).to.not.match(/\d{6}-?\d{4}/);
    } finally {
      person.validities.forEach((v, i) => (v.cpr_number = saved[i]));
      mo.reset();
    }
  });

  it('an IT system name MO does not know leaves the AD columns empty, with a warning naming the key', async () => {
    ctx.cleanup();
    ctx = makeJobContext('exports_cpr_uuid', { 'mora.base': mo.url, 'cpr.uuid.ad_it_system': 'Nope AD' });
    ctx.paths.root = ctx.paths.state;
    const result = await run(ctx);
    expect(result.warnings![0]).to.match(/^cpr\.uuid\.ad_it_system: no IT system in MO is named "Nope AD"/);
    const rows = parse(fs.readFileSync(file())).slice(1);
    expect(rows.every((r) => r[2] === '' && r[3] === '')).to.equal(true);
  });

  it('a failing MO leaves the previous map untouched and no temp file', async () => {
    await run(ctx);
    const before = fs.readFileSync(file());
    mo.reset();
    mo.setFaults({ fieldErrors: [{ field: 'persons', message: 'boom' }] });
    try {
      await run(ctx).then(
        () => expect.fail('should fail'),
        (err: Error) => expect(err.message).to.match(/CprUuidPersons: boom/),
      );
    } finally {
      mo.setFaults({});
      mo.reset();
    }
    expect(fs.readFileSync(file()).equals(before)).to.equal(true);
    expect(fs.readdirSync(ctx.paths.state).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
  });

  it('removes the CPR-holding temp file of a killed run at its next start, even when that run fails', async () => {
    // what a run SIGKILLed while writing leaves: a temp file full of CPR numbers
    const leftover = `${file()}.tmp-4195081-0badf00d`;
    fs.writeFileSync(leftover, '"cpr";"mo_uuid"\r\n"0101901234";"x"\r\n', { mode: 0o600 });
    const unrelated = path.join(ctx.paths.state, 'other.csv.tmp-1-keep');
    fs.writeFileSync(unrelated, 'not this job');
    mo.setFaults({ fieldErrors: [{ field: 'itsystems', message: 'down' }] });
    try {
      await run(ctx).then(
        () => expect.fail('should fail'),
        (err: Error) => expect(err.message).to.match(/down/),
      );
    } finally {
      mo.setFaults({});
      mo.reset();
    }
    expect(fs.existsSync(leftover)).to.equal(false);
    expect(fs.existsSync(unrelated)).to.equal(true);
  });

  it('declares the map as a state file (backed up) at cpr.uuid.output_file', () => {
    const s = new Settings({ 'cpr.uuid.output_file': 'maps/cpr.csv' }, 'test');
    expect(exportsCprUuid.stateFiles!(s, ctx.paths)).to.deep.equal([
      path.join(ctx.paths.root, 'maps/cpr.csv'),
    ]);
  });
});
