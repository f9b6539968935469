/** The actual-state snapshot of fixture S, table by table: row counts and hand-checked rows (derived columns). */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { Fixture } from '../fixtures/types.js';
import type { TestJobContext } from '../helpers/job-context.js';
import { fetchedText, runActual } from '../../jobs/lora-cache/run.js';
import { openSnapshot } from '../../jobs/lora-cache/read.js';
import { snapshotTables, quoteIdent } from '../../jobs/lora-cache/schema.js';
import type { JobResult } from '../../orchestrator/job.js';
import { classInfo, expectedRowCounts, shown } from './expected.js';
import { counts, withEmulatorS } from './snapshot-helpers.js';

describe('lora-cache snapshot rows (actual mode, fixture S)', function () {
  this.timeout(120_000);
  const emu = withEmulatorS();
  const context = emu.context;
  let fx: Fixture;
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
    fx = emu.fx;
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
      expect(r.info).to.include({ mode: 'actual', moUrl: emu.mo.url, graphqlVersion: '29', exportCpr: true });
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
    for (const call of ctx.progressCalls) expect(call.what).not.to.contain('()');
  });

  it('progress before any labelled entity has a count has no empty "()"', () => {
    expect(fetchedText({}, 0)).to.equal('objects fetched; 0 rows/s');
    expect(fetchedText({ classes: 40 }, 12.4)).to.equal('objects fetched; 12 rows/s');
    expect(fetchedText({ classes: 40, persons: 3 }, 1)).to.equal('objects fetched (persons 3); 1 rows/s');
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
    const future = fx.engagements.find((e) => e.validities.every((v) => v.from !== null && v.from > today))!;
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
