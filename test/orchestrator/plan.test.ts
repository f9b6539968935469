import { expect } from 'chai';
import { buildGraph, buildPlan, findCycle } from '../../orchestrator/plan.js';
import { SettingsProblemsError, UsageError } from '../../orchestrator/errors.js';
import { enableAll, fakeJob, settingsOf } from './fake-jobs.js';
import { builtinJobs } from '../../jobs/registry.js';

const catalogue = [
  fakeJob('pre_backup', 'pre'),
  fakeJob('sanity', 'pre', { informational: true }),
  fakeJob('imp1', 'import'),
  fakeJob('imp2', 'import'),
  fakeJob('imp3', 'import'),
  fakeJob('cache', 'prepare'),
  fakeJob('cpr', 'prepare'),
  fakeJob('exp_cache', 'export', { needs: ['cache'] }),
  fakeJob('exp_direct', 'export'),
  fakeJob('rep', 'report', { needs: ['cache', 'cpr'] }),
  fakeJob('post_backup', 'post'),
];

function edges(settings = enableAll(catalogue)) {
  const g = buildGraph(catalogue, settings);
  expect(g.problems).to.deep.equal([]);
  return g;
}

describe('plan', () => {
  it('chains imports in catalogue order behind the non-informational pre jobs', () => {
    const g = edges();
    expect(g.needs.get('imp1')).to.have.members(['pre_backup']);
    expect(g.needs.get('imp2')).to.have.members(['pre_backup', 'imp1']);
    expect(g.needs.get('imp3')).to.have.members(['pre_backup', 'imp2']);
    expect(g.needs.get('sanity')).to.deep.equal([]);
    expect([...g.needs.values()].flat()).not.to.include('sanity');
  });

  it('makes prepare/export/report need every import, and exports only their declared prepare jobs', () => {
    const g = edges();
    expect(g.needs.get('cache')).to.have.members(['imp1', 'imp2', 'imp3']);
    expect(g.needs.get('exp_cache')).to.have.members(['imp1', 'imp2', 'imp3', 'cache']);
    expect(g.needs.get('exp_direct')).to.have.members(['imp1', 'imp2', 'imp3']);
    expect(g.needs.get('rep')).to.have.members(['imp1', 'imp2', 'imp3', 'cache', 'cpr']);
  });

  it('restores DIPEX stage barriers with runner.strict_stages', () => {
    const g = edges(enableAll(catalogue, { 'runner.strict_stages': true }));
    expect(g.needs.get('exp_direct')).to.include.members(['cache', 'cpr']);
    expect(g.needs.get('exp_cache')).to.include.members(['cache', 'cpr']);
    expect(g.needs.get('cache')).not.to.include('cpr');
  });

  it('orders post jobs after every other job without requiring success', () => {
    const g = edges();
    expect(g.needs.get('post_backup')).to.deep.equal([]);
    expect(g.after.get('post_backup')).to.have.members(
      catalogue.filter((j) => j.stage !== 'post').map((j) => j.name),
    );
  });

  it('starts a post job that declares uses once the imports and those jobs have ended, not after every job', () => {
    const checker = { ...fakeJob('checker', 'post', { informational: true }), uses: () => ['cache'] };
    const jobs = [...catalogue, checker];
    const g = buildGraph(jobs, enableAll(jobs));
    expect(g.problems).to.deep.equal([]);
    expect(g.needs.get('checker')).to.deep.equal([]);
    expect(g.after.get('checker')).to.have.members(['imp1', 'imp2', 'imp3', 'cache']);
    expect(g.after.get('post_backup')).to.include('checker');
    // the job it uses disabled: still after the imports, so it sees MO as they left it
    const without = buildGraph(
      jobs,
      enableAll(jobs, {
        'crontab.RUN_CACHE': false,
        'crontab.RUN_EXP_CACHE': false,
        'crontab.RUN_REP': false,
      }),
    );
    expect(without.problems).to.deep.equal([]);
    expect(without.after.get('checker')).to.have.members(['imp1', 'imp2', 'imp3']);
  });

  it('starts the built-in sanity check right after the imports and the snapshot', () => {
    const g = buildGraph(
      builtinJobs,
      settingsOf({
        'mora.base': 'http://127.0.0.1:1',
        'crontab.RUN_CACHE_LORACACHE': true,
        'crontab.RUN_REPORTS_CSV': true,
        'crontab.RUN_MO_DATA_SANITY_CHECK': true,
      }),
    );
    expect(g.problems).to.deep.equal([]);
    expect(g.after.get('sanity_check_mo_data')).to.deep.equal(['exports_cache_loracache']);
    expect(g.needs.get('sanity_check_mo_data')).to.deep.equal([]);
  });

  it('skips the chain links of disabled imports', () => {
    const s = enableAll(catalogue, { 'crontab.RUN_IMP2': false });
    const g = buildGraph(catalogue, s);
    expect(g.needs.get('imp3')).to.have.members(['pre_backup', 'imp1']);
    expect(g.needs.has('imp2')).to.equal(false);
  });

  it('reports a need of a disabled job, naming the toggle to turn on', () => {
    const g = buildGraph(catalogue, enableAll(catalogue, { 'crontab.RUN_CACHE': false }));
    expect(g.problems).to.have.length(2);
    expect(g.problems[0]).to.include({ job: 'exp_cache' });
    expect(g.problems[0]!.message).to.contain('needs cache, which is disabled: turn on crontab.RUN_CACHE');
  });

  it('reports unknown prerequisites with the closest names', () => {
    const jobs = [...catalogue, fakeJob('typo', 'export', { needs: ['cahce'] })];
    const g = buildGraph(jobs, enableAll(jobs));
    expect(g.problems).to.have.length(1);
    expect(g.problems[0]!.message).to.match(/needs unknown job "cahce" \(did you mean cache/);
  });

  it('refuses informational jobs as prerequisites', () => {
    const jobs = [...catalogue, fakeJob('x', 'export', { needs: ['sanity'] })];
    const g = buildGraph(jobs, enableAll(jobs));
    expect(g.problems[0]!.message).to.contain('informational');
  });

  it('detects cycles and duplicate names', () => {
    const jobs = [
      fakeJob('a', 'export', { needs: ['b'] }),
      fakeJob('b', 'export', { needs: ['c'] }),
      fakeJob('c', 'export', { needs: ['a'] }),
    ];
    const g = buildGraph(jobs, enableAll(jobs));
    expect(g.problems).to.have.length(1);
    expect(g.problems[0]!.message).to.match(/cycle: (a|b|c) → .* → (a|b|c)/);
    const dup = [fakeJob('a', 'export'), fakeJob('a', 'report')];
    expect(buildGraph(dup, enableAll(dup)).problems[0]!.message).to.contain('duplicate job name "a"');
    expect(findCycle(['x', 'y'], (n) => (n === 'x' ? ['y'] : []))).to.equal(undefined);
  });

  it('selects single jobs, stages and prerequisites', () => {
    const s = enableAll(catalogue);
    const one = buildPlan(catalogue, s, { select: ['exp_cache'] });
    expect(one.nodes.map((n) => n.name)).to.deep.equal(['exp_cache']);
    expect(one.nodes[0]!.needs).to.deep.equal([]);
    expect(one.outsideNeeds.map((o) => o.need)).to.have.members(['imp1', 'imp2', 'imp3', 'cache']);
    expect(one.full).to.equal(false);

    const deps = buildPlan(catalogue, s, { select: ['exp_cache'], withDeps: true });
    expect(deps.nodes.map((n) => n.name)).to.deep.equal([
      'pre_backup',
      'imp1',
      'imp2',
      'imp3',
      'cache',
      'exp_cache',
    ]);
    expect(deps.outsideNeeds).to.deep.equal([]);

    const stage = buildPlan(catalogue, s, { select: ['exports'] });
    expect(stage.nodes.map((n) => n.name)).to.deep.equal(['exp_cache', 'exp_direct']);

    const full = buildPlan(
      catalogue,
      enableAll(catalogue, { 'crontab.RUN_CPR': false, 'crontab.RUN_REP': false }),
    );
    expect(full.full).to.equal(true);
    expect(full.disabled.map((d) => d.name)).to.deep.equal(['cpr', 'rep']);
  });

  it('rejects unknown names with the closest names, and disabled jobs with their toggle', () => {
    const s = enableAll(catalogue);
    expect(() => buildPlan(catalogue, s, { select: ['exp_cach'] })).to.throw(
      UsageError,
      /unknown job "exp_cach"; closest: exp_cache/,
    );
    expect(() =>
      buildPlan(catalogue, enableAll(catalogue, { 'crontab.RUN_REP': 'false' }), { select: ['rep'] }),
    ).to.throw(UsageError, /rep is disabled.*crontab.RUN_REP/);
    const broken = [...catalogue, fakeJob('bad', 'export', { needs: ['nope'] })];
    expect(() => buildPlan(broken, enableAll(broken))).to.throw(SettingsProblemsError);
  });

  it('builds the real catalogue for a DIPEX-shaped night', () => {
    const s = settingsOf({
      'crontab.RUN_SD_CHANGED_AT': true,
      'crontab.RUN_MANAGER_SYNC': 'true',
      'crontab.RUN_CACHE_LORACACHE': 'TRUE',
      'crontab.RUN_OS2SYNC': true,
      'os2sync.use_lc_db': true,
      'crontab.RUN_REPORTS_CSV': true,
    });
    const g = buildGraph(builtinJobs, s);
    expect(g.problems).to.deep.equal([]);
    expect(g.needs.get('imports_manager_sync')).to.include('imports_sd_changed_at');
    expect(g.needs.get('exports_os2sync')).to.include('exports_cache_loracache');
    const off = buildGraph(builtinJobs, s.with({ 'crontab.RUN_CACHE_LORACACHE': false }));
    expect(off.problems.map((p) => p.job)).to.include('exports_os2sync');
  });
});
