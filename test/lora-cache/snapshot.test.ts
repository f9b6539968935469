import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import { generateFixture } from '../fixtures/generate.js';
import type { Fixture } from '../fixtures/types.js';
import { makeJobContext, type TestJobContext } from '../helpers/job-context.js';
import { runActual, runHistoric, runHistoricSkipPast } from '../../jobs/lora-cache/run.js';
import { openSnapshot } from '../../jobs/lora-cache/read.js';
import { snapshotTables, quoteIdent } from '../../jobs/lora-cache/schema.js';
import type { SnapshotMode } from '../../jobs/lora-cache/paths.js';
import { SnapshotWriter } from '../../jobs/lora-cache/writer.js';
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { classInfo, expectedRowCounts, shown } from './expected.js';

type Run = (ctx: JobContext) => Promise<JobResult>;

function counts(file: string, mode: SnapshotMode): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries(
      snapshotTables(mode).map((t) => [
        t.name,
        (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`).get() as { n: number }).n,
      ]),
    );
  } finally {
    db.close();
  }
}

/** Every table's rows without `id`, sorted: ids follow arrival order, which concurrency may change. */
function contentsWithoutIds(file: string, mode: SnapshotMode = 'actual'): Record<string, string[]> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries(
      snapshotTables(mode).map((t) => {
        const cols = t.columns.filter((c) => c.name !== 'id').map((c) => quoteIdent(c.name));
        const rows = db
          .prepare(`SELECT ${cols.join(', ')} FROM ${quoteIdent(t.name)}`)
          .raw(true)
          .all();
        return [t.name, rows.map((r) => JSON.stringify(r)).sort()];
      }),
    );
  } finally {
    db.close();
  }
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('lora-cache snapshot jobs against the MO emulator', function () {
  this.timeout(120_000);
  let mo: MoEmulator;
  let fx: Fixture;
  const contexts: TestJobContext[] = [];

  function context(settings: Record<string, unknown> = {}, stateDir?: string): TestJobContext {
    const ctx = makeJobContext('exports_cache_loracache', { 'mora.base': mo.url, ...settings }, { stateDir });
    contexts.push(ctx);
    return ctx;
  }

  before(async () => {
    mo = await startMoEmulator({ size: 'S' });
    fx = mo.fixture;
  });
  after(async () => {
    for (const c of contexts) c.cleanup();
    await mo.stop();
  });

  describe('actual mode, fixture S', () => {
    let ctx: TestJobContext;
    let result: JobResult;
    let db: Database.Database;
    const row = (table: string, where: string, ...params: unknown[]) =>
      db.prepare(`SELECT * FROM ${table} WHERE ${where}`).get(...params) as Record<string, unknown>;
    const rows = (table: string, where: string, ...params: unknown[]) =>
      db.prepare(`SELECT * FROM ${table} WHERE ${where}`).all(...params) as Record<string, unknown>[];
    const current = <F>(list: { uuid: string; validities: F[] }[], uuid: string) =>
      shown(fx, 'actual', list.find((o) => o.uuid === uuid)! as never)[0] as F & {
        from: string | null;
        to: string | null;
      };

    before(async () => {
      ctx = context();
      result = await runActual(ctx);
      db = new Database(path.join(ctx.paths.cache, 'actual_state.db'), { readonly: true });
    });
    after(() => db.close());

    it('has the row count of every table the fixture implies (objects valid today)', () => {
      expect(counts(path.join(ctx.paths.cache, 'actual_state.db'), 'actual')).to.deep.equal(
        expectedRowCounts(fx, 'actual'),
      );
      expect(result.warnings).to.deep.equal([]);
      expect(result.outputs).to.deep.equal([path.join(ctx.paths.cache, 'actual_state.db')]);
    });

    it('is read-only for its owner (0400), records snapshot_info and one kvittering row', () => {
      const file = path.join(ctx.paths.cache, 'actual_state.db');
      expect(fs.statSync(file).mode & 0o777).to.equal(0o400);
      expect(fs.readdirSync(ctx.paths.cache).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
      const r = openSnapshot({ settings: ctx.settings, paths: ctx.paths, notOlderThan: ctx.runStartedAt });
      try {
        expect(r.info).to.include({ mode: 'actual', moUrl: mo.url, graphqlVersion: '29', exportCpr: true });
        expect(r.info.rowCounts).to.deep.equal(expectedRowCounts(fx, 'actual'));
        expect(r.info.buildFinished.getTime()).to.be.at.least(r.info.buildStarted.getTime());
        const kv = r.db.prepare('SELECT * FROM kvittering').all() as Record<string, string>[];
        expect(kv).to.have.length(1);
        expect(
          kv[0].slut_levering_tid >= kv[0].start_levering_tid && kv[0].start_levering_tid >= kv[0].query_tid,
        ).to.equal(true);
      } finally {
        r.close();
      }
    });

    it('reports progress with objects per entity and rows/s', () => {
      const last = ctx.progressCalls[ctx.progressCalls.length - 1];
      expect(last.what).to.match(/^objects fetched \(.*persons 300.*\); \d+ rows\/s$/);
      expect(last.done).to.be.greaterThan(2000);
    });

    it('brugere: names, CPR and validity of a person', () => {
      const p = fx.persons.find(
        (x) => x.validities.length === 1 && x.validities[0].cpr_number && x.validities[0].nickname_given_name,
      )!;
      const v = p.validities[0];
      expect(row('brugere', 'uuid = ?', p.uuid)).to.include({
        bvn: v.user_key,
        fornavn: v.given_name,
        efternavn: v.surname,
        kaldenavn_fornavn: v.nickname_given_name,
        cpr: v.cpr_number,
        startdato: v.from ?? '0001-01-01',
        slutdato: v.to ?? '9999-12-31',
      });
    });

    it('enheder: parent, class titles and the organisation path, root first', () => {
      const deep = fx.org_units.find((u) => {
        const v = shown(fx, 'actual', u)[0];
        const parent = v?.parent && fx.org_units.find((x) => x.uuid === v.parent);
        return parent && shown(fx, 'actual', parent)[0]?.parent;
      })!;
      const names: string[] = [];
      for (let u: string | null = deep.uuid; u; u = current(fx.org_units, u).parent)
        names.unshift(current(fx.org_units, u).name);
      expect(names.length).to.be.at.least(3);
      const v = current(fx.org_units, deep.uuid);
      expect(row('enheder', 'uuid = ?', deep.uuid)).to.include({
        navn: v.name,
        forældreenhed_uuid: v.parent,
        enhedstype_titel: classInfo(fx, v.unit_type)!.name,
        organisatorisk_sti: names.join('\\'),
      });
      expect(row('enheder', 'uuid = ?', fx.landmarks.rootUnit)).to.include({
        forældreenhed_uuid: null,
        organisatorisk_sti: current(fx.org_units, fx.landmarks.rootUnit).name,
        opmærkning_titel: 'Linjeorganisation',
      });
    });

    it('enheder: own manager vs the manager inherited from the nearest managed ancestor', () => {
      const managersOf = (unit: string) =>
        fx.managers.filter((m) => shown(fx, 'actual', m).some((v) => v.org_unit === unit)).map((m) => m.uuid);
      const inheriting = fx.landmarks.inheritingUnits.find((u) => rows('enheder', 'uuid = ?', u).length)!;
      let ancestor = current(fx.org_units, inheriting).parent;
      while (ancestor && managersOf(ancestor).length === 0) ancestor = current(fx.org_units, ancestor).parent;
      const r = row('enheder', 'uuid = ?', inheriting);
      expect(r.leder_uuid).to.equal(null);
      expect(managersOf(ancestor!)).to.include(r.fungerende_leder_uuid);
      const managed = fx.org_units.find((u) => managersOf(u.uuid).length === 1)!;
      expect(row('enheder', 'uuid = ?', managed.uuid)).to.include({
        leder_uuid: managersOf(managed.uuid)[0],
        fungerende_leder_uuid: managersOf(managed.uuid)[0],
      });
    });

    it('engagementer: references, fraction, class titles, primary flag and extensions', () => {
      const e = fx.engagements.find(
        (x) => shown(fx, 'actual', x)[0]?.extension_1 && shown(fx, 'actual', x)[0]?.primary,
      )!;
      const v = current(fx.engagements, e.uuid);
      const primary = classInfo(fx, v.primary)!;
      expect(row('engagementer', 'uuid = ?', e.uuid)).to.include({
        bruger_uuid: v.person,
        enhed_uuid: v.org_unit,
        bvn: v.user_key,
        arbejdstidsfraktion: v.fraction,
        engagementstype_titel: classInfo(fx, v.engagement_type)!.name,
        stillingsbetegnelse_titel: classInfo(fx, v.job_function)!.name,
        primærtype_titel: primary.name,
        primær_boolean: ['primary', 'explicitly-primary'].includes(primary.user_key) ? 1 : 0,
        udvidelse_1: v.extension_1,
      });
    });

    it('engagement_perioder: present and future engagements with their whole period, ended ones left out', () => {
      const today = fx.today;
      const open = (d: string | null) => d ?? '9999-12-31';
      const future = fx.engagements.find((e) =>
        e.validities.every((v) => v.from !== null && v.from > today),
      )!;
      const withPast = fx.engagements.find(
        (e) => e.validities.length > 1 && e.validities[0].to !== null && e.validities[0].to < today,
      )!;
      const withFuture = fx.engagements.find(
        (e) =>
          e.validities.length > 1 &&
          e.validities.some((v) => v.from !== null && v.from <= today && v.to !== null && v.to >= today) &&
          e.validities.some((v) => v.from !== null && v.from > today),
      )!;
      const ended = fx.engagements.find((e) => e.validities.every((v) => v.to !== null && v.to < today))!;
      for (const [what, e] of Object.entries({ future, withPast, withFuture, ended }))
        expect(e, `fixture S has an engagement like ${what}`).to.not.equal(undefined);

      const f = future.validities[0];
      expect(row('engagement_perioder', 'uuid = ?', future.uuid)).to.include({
        bruger_uuid: f.person,
        enhed_uuid: f.org_unit,
        bvn: f.user_key,
        stillingsbetegnelse_uuid: f.job_function,
        stillingsbetegnelse_titel: classInfo(fx, f.job_function)!.name,
        startdato: f.from,
        slutdato: open(f.to),
        første_startdato: f.from,
        sidste_slutdato: open(f.to),
      });
      expect(
        rows('engagementer', 'uuid = ?', future.uuid),
        'not in engagementer before it starts',
      ).to.have.length(0);

      const now = current(fx.engagements, withPast.uuid);
      expect(row('engagement_perioder', 'uuid = ?', withPast.uuid)).to.include({
        stillingsbetegnelse_titel: classInfo(fx, now.job_function)!.name,
        udvidelse_1: now.extension_1,
        startdato: now.from,
        første_startdato: withPast.validities[0].from,
        sidste_slutdato: open(withPast.validities[withPast.validities.length - 1].to),
      });

      const last = withFuture.validities[withFuture.validities.length - 1];
      const nowF = current(fx.engagements, withFuture.uuid);
      const p = row('engagement_perioder', 'uuid = ?', withFuture.uuid);
      const e = row('engagementer', 'uuid = ?', withFuture.uuid);
      expect(p).to.include({ startdato: nowF.from, slutdato: nowF.to, sidste_slutdato: open(last.to) });
      for (const col of [
        'bruger_uuid',
        'enhed_uuid',
        'stillingsbetegnelse_titel',
        'primær_boolean',
        'udvidelse_1',
      ])
        expect(p[col], col).to.equal(e[col]);

      expect(rows('engagement_perioder', 'uuid = ?', ended.uuid)).to.have.length(0);
    });

    it('adresser and dar_adresser: DAR address text, scope labels, visibility', () => {
      const dar = fx.addresses.find(
        (a) => classInfo(fx, current(fx.addresses, a.uuid)?.address_type)?.scope === 'DAR',
      )!;
      const v = current(fx.addresses, dar.uuid);
      expect(row('adresser', 'uuid = ?', dar.uuid)).to.include({
        værdi: v.name,
        dar_uuid: v.value,
        adressetype_scope: 'DAR',
        adressetype_bvn: classInfo(fx, v.address_type)!.user_key,
        enhed_uuid: v.org_unit,
      });
      expect(row('dar_adresser', 'uuid = ?', v.value)).to.include({ betegnelse: v.name, vejnavn: null });
      const email = fx.addresses.find((a) => {
        const x = current(fx.addresses, a.uuid);
        return x && x.visibility && classInfo(fx, x.address_type)?.scope === 'EMAIL';
      })!;
      const ev = current(fx.addresses, email.uuid);
      expect(row('adresser', 'uuid = ?', email.uuid)).to.include({
        værdi: ev.value,
        dar_uuid: null,
        adressetype_scope: 'E-mail',
        synlighed_titel: classInfo(fx, ev.visibility)!.name,
        synlighed_scope: classInfo(fx, ev.visibility)!.scope,
        bruger_uuid: ev.person,
      });
    });

    it('ledere and leder_ansvar: vacant manager, type and level titles, one row per responsibility', () => {
      const vacant = fx.landmarks.vacantManagers.find((m) => rows('ledere', 'uuid = ?', m).length)!;
      const v = current(fx.managers, vacant);
      expect(row('ledere', 'uuid = ?', vacant)).to.include({
        bruger_uuid: null,
        enhed_uuid: v.org_unit,
        ledertype_titel: classInfo(fx, v.manager_type)!.name,
        niveautype_titel: classInfo(fx, v.manager_level)!.name,
      });
      const ansvar = rows('leder_ansvar', 'leder_uuid = ?', vacant).map((r) => [
        r.lederansvar_uuid,
        r.lederansvar_titel,
      ]);
      expect(ansvar).to.have.deep.members(v.responsibilities.map((r) => [r, classInfo(fx, r)!.name]));
    });

    it('it_forbindelser and it_forbindelse_engagementer: account, external id, primary, engagements', () => {
      const it = fx.itusers.find(
        (x) => (shown(fx, 'actual', x)[0]?.engagements.length ?? 0) > 0 && shown(fx, 'actual', x)[0]?.primary,
      )!;
      const v = current(fx.itusers, it.uuid);
      expect(row('it_forbindelser', 'uuid = ?', it.uuid)).to.include({
        it_system_uuid: v.itsystem,
        bruger_uuid: v.person,
        brugernavn: v.user_key,
        eksternt_id: v.external_id,
        primær_boolean: classInfo(fx, v.primary)!.user_key === 'primary' ? 1 : 0,
      });
      expect(
        rows('it_forbindelse_engagementer', 'it_forbindelse_uuid = ?', it.uuid).map((r) => r.engagement_uuid),
      ).to.have.members(v.engagements);
      expect(row('it_systemer', 'uuid = ?', v.itsystem).navn).to.be.oneOf([
        'Active Directory',
        'FK-ORG UUID',
        'FK-ORG-UUID',
      ]);
    });

    it('tilknytninger, orlover, kle, klasser: titles and references', () => {
      const a = fx.associations.find((x) => current(fx.associations, x.uuid))!;
      const av = current(fx.associations, a.uuid);
      expect(row('tilknytninger', 'uuid = ?', a.uuid)).to.include({
        bruger_uuid: av.person,
        enhed_uuid: av.org_unit,
        tilknytningstype_titel: classInfo(fx, av.association_type)?.name ?? null,
        it_forbindelse_uuid: av.it_user,
        stillingsbetegnelse_uuid: av.it_user ? av.job_function : null,
      });
      const l = fx.leaves.find((x) => current(fx.leaves, x.uuid))!;
      const lv = current(fx.leaves, l.uuid);
      expect(row('orlover', 'uuid = ?', l.uuid)).to.include({
        bruger_uuid: lv.person,
        engagement_uuid: lv.engagement,
        orlovstype_titel: classInfo(fx, lv.leave_type)!.name,
      });
      const k = fx.kles.find((x) => (current(fx.kles, x.uuid)?.kle_aspects.length ?? 0) > 1)!;
      const kv = current(fx.kles, k.uuid);
      expect(
        rows('kle', 'uuid = ?', k.uuid).map((r) => [r.kle_aspekt_titel, r.kle_nummer_titel]),
      ).to.have.deep.members(
        kv.kle_aspects.map((asp) => [classInfo(fx, asp)!.name, classInfo(fx, kv.kle_number)!.name]),
      );
      const cls = fx.classes[0];
      const facet = fx.facets.find((f) => f.uuid === cls.validities[0].facet)!;
      expect(row('klasser', 'uuid = ?', cls.uuid)).to.include({
        titel: cls.validities[0].name,
        bvn: cls.validities[0].user_key,
        facet_uuid: facet.uuid,
        facet_bvn: facet.validities[0].user_key,
      });
    });

    it('the w<table> views show the same rows (lc-for-jobs compatibility)', () => {
      for (const t of snapshotTables('actual')) {
        const n = (name: string) =>
          (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(name)}`).get() as { n: number }).n;
        expect(n(`w${t.name}`), t.name).to.equal(n(t.name));
      }
    });
  });

  it('page size 1 gives the same snapshot as page size 500', async function () {
    this.timeout(240_000);
    const a = context({ 'mora.page_size': 500 });
    const b = context({ 'mora.page_size': 1, 'mora.max_in_flight': 8 });
    await runActual(a);
    await runActual(b);
    const fa = path.join(a.paths.cache, 'actual_state.db');
    const fb = path.join(b.paths.cache, 'actual_state.db');
    expect(contentsWithoutIds(fb)).to.deep.equal(contentsWithoutIds(fa));
  });

  it('a build failing halfway leaves the previous snapshot untouched and no temp file', async () => {
    const ctx = context({ 'mora.page_size': 50 });
    await runActual(ctx);
    const file = path.join(ctx.paths.cache, 'actual_state.db');
    const before = sha(file);
    mo.reset();
    mo.setFaults({ fieldErrors: [{ field: 'engagements', call: 3, message: 'injected resolver failure' }] });
    try {
      await runActual(context({ 'mora.page_size': 50 }, ctx.paths.state)).then(
        () => expect.fail('the build should fail'),
        (err: Error) =>
          expect(err.message).to.match(/LoraCacheEngagementsValidities: injected resolver failure/),
      );
    } finally {
      mo.setFaults({});
      mo.reset();
    }
    expect(sha(file)).to.equal(before);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o400);
    expect(fs.readdirSync(ctx.paths.cache).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
  });

  it('a write failing halfway (disk full) fails the job and leaves the previous snapshot untouched', async () => {
    const ctx = context({ 'mora.page_size': 50 });
    await runActual(ctx);
    const file = path.join(ctx.paths.cache, 'actual_state.db');
    const before = sha(file);
    const proto = SnapshotWriter.prototype as unknown as { add: (...a: unknown[]) => void };
    const add = proto.add;
    let n = 0;
    proto.add = function (this: unknown, ...a: unknown[]) {
      if (++n === 1500) throw new Error('SQLITE_FULL: database or disk is full');
      return add.apply(this, a);
    };
    try {
      await runActual(ctx).then(
        () => expect.fail('should fail'),
        (err: Error) => expect(err.message).to.equal('SQLITE_FULL: database or disk is full'),
      );
    } finally {
      proto.add = add;
    }
    expect(sha(file)).to.equal(before);
    expect(fs.readdirSync(ctx.paths.cache).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
  });

  it('cancelled mid-build (SIGTERM/timeout): the job fails, the previous snapshot stays, leftovers of killed builds go', async () => {
    const ctx = context({ 'mora.page_size': 20 });
    await runActual(ctx);
    const file = path.join(ctx.paths.cache, 'actual_state.db');
    const before = sha(file);
    const leftover = `${file}.tmp-999999-deadbeef`;
    fs.writeFileSync(leftover, 'half a snapshot from a killed build', { mode: 0o600 });
    const abort = new AbortController();
    const c2 = makeJobContext(
      'exports_cache_loracache',
      { 'mora.base': mo.url, 'mora.page_size': 20 },
      { stateDir: ctx.paths.state, signal: abort.signal },
    );
    let calls = 0;
    c2.progress = () => {
      if (++calls === 5) abort.abort('timeout');
    };
    await runActual(c2).then(
      () => expect.fail('should be cancelled'),
      (err: Error) => {
        expect(err).to.be.instanceOf(Error);
        expect(err.message)
          .to.match(/timeout|abort/i)
          .and.not.include('\n');
      },
    );
    expect(calls).to.be.at.least(5);
    expect(sha(file)).to.equal(before);
    expect(fs.readdirSync(ctx.paths.cache).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
  });

  it('rebuilds over an existing read-only snapshot; the temp file is 0600 while written', async () => {
    const ctx = context();
    await runActual(ctx);
    const file = path.join(ctx.paths.cache, 'actual_state.db');
    const modes: number[] = [];
    const progress = ctx.progress;
    ctx.progress = (done, total, what) => {
      for (const f of fs.readdirSync(ctx.paths.cache).filter((x) => x.includes('.tmp-')))
        modes.push(fs.statSync(path.join(ctx.paths.cache, f)).mode & 0o777);
      progress(done, total, what);
    };
    const firstBuild = openSnapshot({ settings: ctx.settings, paths: ctx.paths });
    const oldStart = firstBuild.info.buildStarted;
    firstBuild.close();
    await runActual(ctx);
    expect(modes.length).to.be.greaterThan(0);
    expect([...new Set(modes)]).to.deep.equal([0o600]);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o400);
    const r = openSnapshot({ settings: ctx.settings, paths: ctx.paths });
    expect(r.info.buildStarted.getTime()).to.be.greaterThan(oldStart.getTime());
    r.close();
  });

  it('export_cpr false writes empty CPR numbers', async () => {
    const ctx = context({ 'exporters.actual_state.export_cpr': false });
    await runActual(ctx);
    const r = openSnapshot({ settings: ctx.settings, paths: ctx.paths });
    try {
      expect(r.db.prepare("SELECT count(*) AS n FROM brugere WHERE cpr <> ''").get()).to.deep.equal({ n: 0 });
      expect(r.db.prepare('SELECT count(*) AS n FROM brugere').get()).to.deep.equal({
        n: fx.persons.filter((p) => shown(fx, 'actual', p).length).length,
      });
      expect(r.info.exportCpr).to.equal(false);
    } finally {
      r.close();
    }
  });

  it('lc-for-jobs.actual_db_name puts the snapshot at <name>.db', async () => {
    const ctx = context({ 'lc-for-jobs.actual_db_name': 'LcForJobs' });
    ctx.paths.root = ctx.paths.state;
    const r = await runActual(ctx);
    expect(r.outputs).to.deep.equal([path.join(ctx.paths.state, 'LcForJobs.db')]);
    expect(fs.existsSync(path.join(ctx.paths.cache, 'actual_state.db'))).to.equal(false);
  });

  it('a bad setting fails with a one-line message naming the key', async () => {
    const ctx = context({ primary_manager_responsibility: 'not-a-uuid' });
    await runActual(ctx).then(
      () => expect.fail('should fail'),
      (err: Error) => expect(err.message).to.match(/^primary_manager_responsibility: /),
    );
  });

  it('primary_manager_responsibility picks the first manager holding that responsibility', async () => {
    const m = fx.managers.find((x) => shown(fx, 'actual', x)[0]?.responsibilities.length)!;
    const v = shown(fx, 'actual', m)[0];
    const responsibility = v.responsibilities[0];
    const ctx = context({ primary_manager_responsibility: responsibility });
    await runActual(ctx);
    const r = openSnapshot({ settings: ctx.settings, paths: ctx.paths });
    try {
      const unit = r.db.prepare('SELECT leder_uuid FROM enheder WHERE uuid = ?').get(v.org_unit) as {
        leder_uuid: string | null;
      };
      const holders = fx.managers.filter((x) =>
        shown(fx, 'actual', x).some(
          (y) => y.org_unit === v.org_unit && y.responsibilities.includes(responsibility),
        ),
      );
      expect(holders.map((h) => h.uuid)).to.include(unit.leder_uuid);
      const nobody = r.db
        .prepare(
          'SELECT count(*) AS n FROM enheder e WHERE leder_uuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM leder_ansvar a WHERE a.leder_uuid = e.leder_uuid AND a.lederansvar_uuid = ?)',
        )
        .get(responsibility);
      expect(nobody).to.deep.equal({ n: 0 });
    } finally {
      r.close();
    }
  });

  it('historic: every validity period; skip-past: present and future periods', async () => {
    const h = context();
    await runHistoric(h);
    expect(counts(path.join(h.paths.cache, 'historic.db'), 'historic')).to.deep.equal(
      expectedRowCounts(fx, 'historic'),
    );
    const s = context();
    await runHistoricSkipPast(s);
    expect(counts(path.join(s.paths.cache, 'historic_skip_past.db'), 'historic_skip_past')).to.deep.equal(
      expectedRowCounts(fx, 'historic_skip_past'),
    );
    const r = openSnapshot({ settings: h.settings, paths: h.paths, mode: 'historic' });
    try {
      expect(r.info.mode).to.equal('historic');
      expect(
        r.db.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%engagement_perioder'").all(),
        'engagement_perioder is an actual-state table only',
      ).to.deep.equal([]);
      expect(
        r.db
          .prepare(
            'SELECT count(*) AS n FROM enheder WHERE organisatorisk_sti IS NOT NULL OR leder_uuid IS NOT NULL',
          )
          .get(),
      ).to.deep.equal({ n: 0 });
      const moved = fx.landmarks.movedUnits[0];
      const periods = r.db
        .prepare('SELECT forældreenhed_uuid AS p, startdato FROM enheder WHERE uuid = ? ORDER BY startdato')
        .all(moved) as { p: string }[];
      expect(periods.length).to.equal(fx.org_units.find((u) => u.uuid === moved)!.validities.length);
      expect(periods[periods.length - 1].p).to.equal(fx.landmarks.obsoleteUnitsRoot);
    } finally {
      r.close();
    }
  });
});

describe('lora-cache snapshot: class history and dirty data', function () {
  this.timeout(120_000);

  it("historic mode takes class titles as of each row's validity", async () => {
    const fixture = generateFixture({ size: 'S' });
    const ansat = fixture.landmarks.classByKey.engagement_type.Ansat;
    const cls = fixture.classes.find((c) => c.uuid === ansat)!;
    const v = cls.validities[0];
    cls.validities = [
      { ...v, from: v.from, to: '2015-12-31', name: 'Ansat (gammel titel)' },
      { ...v, from: '2016-01-01', to: null },
    ];
    const mo = await startMoEmulator({ fixture });
    const ctx = makeJobContext('exports_historic_cache_loracache', { 'mora.base': mo.url });
    try {
      await runHistoric(ctx);
      const r = openSnapshot({ settings: ctx.settings, paths: ctx.paths, mode: 'historic' });
      try {
        const titles = r.db
          .prepare(
            'SELECT startdato < ? AS old, engagementstype_titel AS t, count(*) AS n FROM engagementer WHERE engagementstype_uuid = ? GROUP BY 1, 2 ORDER BY 1',
          )
          .all('2016-01-01', ansat) as { old: number; t: string }[];
        expect(titles.map((x) => [x.old, x.t])).to.deep.equal([
          [0, 'Ansat'],
          [1, 'Ansat (gammel titel)'],
        ]);
        expect(r.db.prepare('SELECT titel FROM klasser WHERE uuid = ?').get(ansat)).to.deep.equal({
          titel: 'Ansat',
        });
      } finally {
        r.close();
      }
    } finally {
      ctx.cleanup();
      await mo.stop();
    }
  });

  it('dirty data: nulls plus one warning per distinct problem, the build succeeds', async () => {
    const mo = await startMoEmulator({ fixture: generateFixture({ size: 'S', dirty: true }) });
    const d = mo.fixture.landmarks.dirty;
    const ctx = makeJobContext('exports_cache_loracache', { 'mora.base': mo.url });
    try {
      const result = await runActual(ctx);
      const w = result.warnings!;
      expect(w.find((x) => x.startsWith('enheder.enhedstype_uuid refers to unknown class'))).to.include(
        `(e.g. ${d.unitWithMissingUnitType})`,
      );
      expect(w).to.include(
        `ledere.ledertype_uuid is null: 1 row (e.g. ${d.managerWithNullType}), written as null`,
      );
      expect(w.find((x) => x.startsWith('ledere.niveautype_uuid refers to unknown class'))).to.include(
        d.managerWithMissingLevel!,
      );
      expect(new Set(w).size).to.equal(w.length);
      expect(ctx.logLines.filter((l) => l.level === 'warn').map((l) => l.message)).to.include.members(w);
      const r = openSnapshot({ settings: ctx.settings, paths: ctx.paths });
      try {
        expect(
          r.db
            .prepare('SELECT enhedstype_titel AS t FROM enheder WHERE uuid = ?')
            .get(d.unitWithMissingUnitType),
        ).to.deep.equal({ t: null });
        expect(
          r.db.prepare('SELECT ledertype_titel AS t FROM ledere WHERE uuid = ?').get(d.managerWithNullType),
        ).to.deep.equal({ t: null });
      } finally {
        r.close();
      }
      const logged = JSON.stringify(ctx.logLines);
      expect(logged).to.not.match(/\b\d{6}-?\d{4}\b/);
    } finally {
      ctx.cleanup();
      await mo.stop();
    }
  });
});

describe('lora-cache snapshot: fixture M', function () {
  this.timeout(300_000);
  let mo: MoEmulator;
  before(async () => {
    mo = await startMoEmulator({ size: 'M' });
  });
  after(async () => mo.stop());

  for (const [mode, run, file] of [
    ['actual', runActual, 'actual_state.db'],
    ['historic', runHistoric, 'historic.db'],
  ] as const) {
    it(`${mode}: row counts per table equal the fixture's, related units included`, async () => {
      const ctx = makeJobContext('x', { 'mora.base': mo.url });
      try {
        await (run as Run)(ctx);
        const got = counts(path.join(ctx.paths.cache, file), mode);
        expect(got).to.deep.equal(expectedRowCounts(mo.fixture, mode));
        expect(got.enhedssammenkobling).to.be.greaterThan(0);
        const pair = mo.fixture.related_units.find((u) => shown(mo.fixture, mode, u).length)!;
        const db = new Database(path.join(ctx.paths.cache, file), { readonly: true });
        const r = db
          .prepare('SELECT enhed1_uuid AS a, enhed2_uuid AS b FROM enhedssammenkobling WHERE uuid = ?')
          .get(pair.uuid);
        db.close();
        const v = shown(mo.fixture, mode, pair)[0];
        expect(r).to.deep.equal({ a: v.org_units[0], b: v.org_units[1] });
      } finally {
        ctx.cleanup();
      }
    });
  }
});
