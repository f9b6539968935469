import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { reportsCsv, reportsEngagementsManagers, reportsInvalidCpr } from '../../jobs/reports/definition.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { makeJobContext } from '../helpers/job-context.js';
import { writeHandMadeSnapshot } from './hand-made-snapshot.js';

const all = [reportsEngagementsManagers, reportsCsv, reportsInvalidCpr];

describe('report job definitions', () => {
  it('need exports_cache_loracache and load a run function', async () => {
    for (const def of all) {
      expect(def.needs!(new Settings({}, 'test'))).to.deep.equal(['exports_cache_loracache']);
      const mod = await def.load();
      expect(mod.run).to.be.a('function');
    }
  });

  it('declare every reports.* key they read, with the spec defaults', () => {
    const keys = (def: (typeof all)[number]) => new Map(def.settings!.map((s) => [s.key, s.default]));
    const em = keys(reportsEngagementsManagers);
    expect(em.get('reports.include_cpr')).to.equal(false);
    expect(em.get('reports.inherit_manager')).to.equal(true);
    expect(em.get('reports.service_number_prefix_length')).to.equal(0);
    expect(em.get('reports.manager_type_leder')).to.equal('Leder');
    expect(em.get('reports.manager_type_medleder')).to.equal('Medleder');
    expect(em.get('reports.manager_type_administrator')).to.equal('Administrator');
    expect(em.get('reports.responsibility_columns')).to.deep.equal([
      'Administrativ ansvarlig',
      'Personaleledelse',
      'Uddannelsesansvarlig',
    ]);
    for (const k of ['reports.output_dir', 'reports.upload_to_mo', 'reports.org_unit_uuid', 'mora.base']) {
      expect(em.has(k), k).to.equal(true);
    }
    expect([...keys(reportsCsv).keys()]).to.include.members([
      'reports.org_name',
      'reports.pay_org_name',
      'reports.formats',
    ]);
    expect([...keys(reportsInvalidCpr).keys()]).to.include.members([
      'reports.include_cpr',
      'reports.output_dir',
    ]);
  });

  it('validates every declared key: a bad value is one line naming the key', () => {
    const bad: Record<string, unknown> = {
      'reports.org_unit_uuid': 'not-a-uuid',
      'reports.upload_to_mo': 'maybe',
      'reports.responsibility_columns': 'Personaleledelse',
      'reports.service_number_prefix_length': -1,
    };
    const settings = new Settings(bad, 'test');
    for (const [key] of Object.entries(bad)) {
      const spec = reportsEngagementsManagers.settings!.find((s) => s.key === key)!;
      expect(() => settings.value(spec)).to.throw(new RegExp(`^${key.replaceAll('.', '\\.')}: [^\\n]+$`));
    }
  });

  it('writes nothing in a dry run but still counts the rows', async () => {
    const ctx = makeJobContext(
      'reports_engagements_managers',
      { 'reports.upload_to_mo': true, 'mora.base': 'http://127.0.0.1:1' },
      { dryRun: true },
    );
    try {
      writeHandMadeSnapshot(path.join(ctx.paths.cache, 'actual_state.db'));
      const { run } = await reportsEngagementsManagers.load();
      const result = await run(ctx);
      expect(result.counters).to.include({ rows: 12, files: 0, uploaded: 0 });
      expect(fs.existsSync(path.join(ctx.paths.state, 'reports'))).to.equal(false);
    } finally {
      ctx.cleanup();
    }
  });

  it('writes to reports.output_dir when set', async () => {
    const ctx = makeJobContext('reports_invalid_cpr', {
      'reports.output_dir': 'will be replaced',
      'reports.upload_to_mo': false,
      'reports.formats': ['csv'],
    });
    const out = path.join(ctx.paths.state, 'elsewhere', 'rapporter');
    ctx.settings = ctx.settings.with({ 'reports.output_dir': out });
    try {
      writeHandMadeSnapshot(path.join(ctx.paths.cache, 'actual_state.db'));
      const { run } = await reportsInvalidCpr.load();
      const result = await run(ctx);
      expect(result.outputs).to.deep.equal([path.join(out, 'Ugyldige CPR-numre.csv')]);
      expect(fs.existsSync(result.outputs![0]!)).to.equal(true);
    } finally {
      ctx.cleanup();
    }
  });
});
