/** The historic snapshots, class history, dirty data, and row counts on fixture M. */
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import { generateFixture } from '../fixtures/generate.js';
import { makeJobContext } from '../helpers/job-context.js';
import { runActual, runHistoric, runHistoricSkipPast } from '../../jobs/lora-cache/run.js';
import { openSnapshot } from '../../jobs/lora-cache/read.js';
import type { JobContext, JobResult } from '../../orchestrator/job.js';
import { expectedRowCounts, shown } from './expected.js';
import { counts, withEmulatorS } from './snapshot-helpers.js';

type Run = (ctx: JobContext) => Promise<JobResult>;

describe('lora-cache snapshot: historic modes, fixture S', function () {
  this.timeout(120_000);
  const emu = withEmulatorS();
  const context = emu.context;

  it('historic: every validity period; skip-past: present and future periods', async () => {
    const h = context();
    await runHistoric(h);
    expect(counts(path.join(h.paths.cache, 'historic.db'), 'historic')).to.deep.equal(
      expectedRowCounts(emu.fx, 'historic'),
    );
    const s = context();
    await runHistoricSkipPast(s);
    expect(counts(path.join(s.paths.cache, 'historic_skip_past.db'), 'historic_skip_past')).to.deep.equal(
      expectedRowCounts(emu.fx, 'historic_skip_past'),
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
      const moved = emu.fx.landmarks.movedUnits[0];
      const periods = r.db
        .prepare('SELECT forældreenhed_uuid AS p, startdato FROM enheder WHERE uuid = ? ORDER BY startdato')
        .all(moved) as { p: string }[];
      expect(periods.length).to.equal(emu.fx.org_units.find((u) => u.uuid === moved)!.validities.length);
      expect(periods[periods.length - 1].p).to.equal(emu.fx.landmarks.obsoleteUnitsRoot);
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
