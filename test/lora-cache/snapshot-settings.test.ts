/** Snapshot settings: CPR off, the lc-for-jobs file name, bad values, the primary manager responsibility. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runActual } from '../../jobs/lora-cache/run.js';
import { openSnapshot } from '../../jobs/lora-cache/read.js';
import { shown } from './expected.js';
import { withEmulatorS } from './snapshot-helpers.js';

describe('lora-cache snapshot: settings', function () {
  this.timeout(120_000);
  const emu = withEmulatorS();
  const context = emu.context;

  it('export_cpr false writes empty CPR numbers', async () => {
    const ctx = context({ 'exporters.actual_state.export_cpr': false });
    await runActual(ctx);
    const r = openSnapshot({ settings: ctx.settings, paths: ctx.paths });
    try {
      expect(r.db.prepare("SELECT count(*) AS n FROM brugere WHERE cpr <> ''").get()).to.deep.equal({ n: 0 });
      expect(r.db.prepare('SELECT count(*) AS n FROM brugere').get()).to.deep.equal({
        n: emu.fx.persons.filter((p) => shown(emu.fx, 'actual', p).length).length,
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
    const m = emu.fx.managers.find((x) => shown(emu.fx, 'actual', x)[0]?.responsibilities.length)!;
    const v = shown(emu.fx, 'actual', m)[0];
    const responsibility = v.responsibilities[0];
    const ctx = context({ primary_manager_responsibility: responsibility });
    await runActual(ctx);
    const r = openSnapshot({ settings: ctx.settings, paths: ctx.paths });
    try {
      const unit = r.db.prepare('SELECT leder_uuid FROM enheder WHERE uuid = ?').get(v.org_unit) as {
        leder_uuid: string | null;
      };
      const holders = emu.fx.managers.filter((x) =>
        shown(emu.fx, 'actual', x).some(
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
});
