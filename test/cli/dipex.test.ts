/** A DIPEX operator's settings and habits, through the built CLI: warnings, DIPEX job names, `job-runner JOB`. */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { cli, repo, sandbox, type Sandbox } from './spawn-cli.js';
import { dipexJobs, dipexWarnings, provided } from '../../jobs/dipex.js';
import { builtinJobs } from '../../jobs/registry.js';
import { sanityCheckMoData } from '../../jobs/sanity/definition.js';
import { isEnabled } from '../../orchestrator/plan.js';
import { Settings } from '../../orchestrator/settings-store.js';

const hello = { stage: 'export', command: 'echo hello' };

function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('warning: '));
}

describe('CLI: DIPEX operators are told', function () {
  this.timeout(30_000);
  let sb: Sandbox;
  afterEach(() => fs.rmSync(sb.dir, { recursive: true, force: true }));

  it('--version prints the version from package.json', async () => {
    sb = sandbox({ 'runner.jobs': { hello } });
    const r = await cli(sb, ['--version']);
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal(pkg.version);
  });

  it('a toggle whose job is not provided warns in check, list and run, naming the toggle and a command job', async () => {
    sb = sandbox({
      'crontab.RUN_AD_SYNC': true,
      'crontab.RUN_PLAN2LEARN': 'true',
      'crontab.RUN_OPUS_DIFF_IMPORT': false,
      'crontab.RUN_CUSTOMER_THING': true,
      'runner.jobs': { hello },
    });
    for (const args of [['check'], ['list'], ['run']]) {
      const r = await cli(sb, args);
      expect(r.code, `${args[0]}: ${r.stderr}`).to.equal(0);
      const w = warnings(r.stderr);
      expect(w, args[0]).to.have.length(3);
      expect(w[0]).to.equal(
        "warning: crontab.RUN_AD_SYNC is on, but this runner does not provide DIPEX's imports_ad_sync: it will not run. " +
          'To keep running it, add a command job: "runner.jobs": {"imports_ad_sync":{"stage":"import","command":' +
          '"cd /opt/dipex/os2mo-data-import-and-export && .venv/bin/python3 -m integrations.ad_integration.ad_sync"}}',
      );
      expect(w[1]).to.match(
        /^warning: crontab\.RUN_PLAN2LEARN is on, .*"exports_plan2learn":\{"stage":"export"/,
      );
      expect(w[2]).to.match(
        /^warning: crontab\.RUN_CUSTOMER_THING is on, but it is neither a toggle of DIPEX/,
      );
    }
  });

  it('a command job of the DIPEX name keeps the job running and silences its warning', async () => {
    sb = sandbox({
      'crontab.RUN_PLAN2LEARN': true,
      'runner.jobs': { exports_plan2learn: { stage: 'export', command: 'echo plan2learn shipped' } },
    });
    const r = await cli(sb, ['run', 'exports_plan2learn']);
    expect(r.code, r.stderr).to.equal(0);
    expect(warnings(r.stderr)).to.deep.equal([]);
    expect(r.stdout).to.match(/exports_plan2learn\s.*succeeded/);
  });

  it('keys DIPEX honoured and this runner ignores are warned about (kinit, CRON_LOG_FILE, manager_responsibility_class)', async () => {
    sb = sandbox({
      'crontab.SVC_USER': 'svc_dipex',
      'crontab.SVC_KEYTAB': '/etc/svc.keytab',
      'crontab.CRON_LOG_FILE': 'tmp/cron-log-file',
      'exporters.actual_state.manager_responsibility_class': '4311e351-6a3c-4e7e-ae60-8a3b2938fbd6',
      'runner.jobs': { hello },
    });
    const r = await cli(sb, ['check']);
    expect(r.code, r.stderr).to.equal(0);
    const w = warnings(r.stderr);
    expect(w).to.have.length(3);
    expect(w[0]).to.contain(
      '"kinit_svc_user": {"stage": "pre", "command": "kinit -k -t \'/etc/svc.keytab\' \'svc_dipex\'"}',
    );
    expect(w[1]).to.contain('set "primary_manager_responsibility": "4311e351-6a3c-4e7e-ae60-8a3b2938fbd6"');
    expect(w[2]).to.match(/^warning: crontab\.CRON_LOG_FILE is ignored/);
  });

  it('run maps a DIPEX name to its counterpart, saying so (stage prepare_exports → prepare)', async () => {
    sb = sandbox({ 'runner.jobs': { snapshot: { stage: 'prepare', command: 'echo built' }, hello } });
    const r = await cli(sb, ['run', 'prepare_exports']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.contain("prepare_exports is DIPEX's stage name: running the stage prepare");
    expect(r.stdout).to.match(/snapshot\s.*succeeded/);
    expect(r.stdout).not.to.match(/hello\s.*succeeded/);
  });

  it('run exports_lc_for_jobs_db runs exports_cache_loracache (here: disabled, so exit 2 naming its toggles)', async () => {
    sb = sandbox({ 'runner.jobs': { hello } });
    const r = await cli(sb, ['run', 'exports_lc_for_jobs_db']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain(
      "exports_lc_for_jobs_db is DIPEX's name: running its counterpart exports_cache_loracache",
    );
    expect(r.stderr).to.contain(
      'job exports_cache_loracache is disabled in the settings: turn on crontab.RUN_CACHE_LORACACHE or crontab.RUN_LC_FOR_JOBS_DB_EXPORT',
    );
  });

  it('run of a DIPEX job with no counterpart says so, with the command job; no "closest" guess', async () => {
    sb = sandbox({ 'runner.jobs': { hello } });
    const r = await cli(sb, ['run', 'exports_queries_ballerup']);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim()).to.equal(
      'job-runner: exports_queries_ballerup is a DIPEX job this runner does not provide; to keep running it, add a command job: ' +
        '"runner.jobs": {"exports_queries_ballerup":{"stage":"export","command":' +
        '"cd /opt/dipex/os2mo-data-import-and-export && .venv/bin/python3 exporters/ballerup.py"}}',
    );
    const retired = await cli(sb, ['run', 'imports_opgavefordeler']);
    expect(retired.code).to.equal(2);
    expect(retired.stderr).to.contain('DIPEX itself retired (2023-01); this runner has no counterpart');
    expect(retired.stderr).not.to.contain('closest');
  });

  it('`job-runner exports_os2sync` (the job-runner.sh JOB habit) hints `job-runner run exports_os2sync`', async () => {
    sb = sandbox({ 'runner.jobs': { hello } });
    const r = await cli(sb, ['exports_os2sync']);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim()).to.equal(
      'job-runner: unknown command "exports_os2sync"; to run that job: job-runner run exports_os2sync',
    );
    const own = await cli(sb, ['hello']);
    expect(own.stderr.trim()).to.equal(
      'job-runner: unknown command "hello"; to run that job: job-runner run hello',
    );
    const other = await cli(sb, ['statu']);
    expect(other.code).to.equal(2);
    expect(other.stderr.trim()).to.equal('job-runner: unknown command "statu" (see job-runner --help)');
  });
});

describe('the DIPEX table (jobs/dipex.ts)', () => {
  it("knows every toggle of DIPEX's example settings, and each catalogue job with a DIPEX name is its counterpart", () => {
    const andeby = JSON.parse(
      fs.readFileSync(path.join(repo, 'test', 'fixtures-settings', 'kommune-andeby.json'), 'utf8'),
    ) as Record<string, unknown>;
    const known = new Set(dipexJobs.map((e) => `crontab.${e.toggle}`));
    const toggles = Object.keys(andeby).filter((k) => k.startsWith('crontab.RUN_'));
    expect(toggles.length).to.be.greaterThan(15);
    expect(toggles.filter((k) => !known.has(k))).to.deep.equal([]);
    for (const job of builtinJobs) {
      const entry = dipexJobs.find((e) => e.job === job.name);
      if (entry) expect(provided(entry, builtinJobs), job.name).to.equal(job.name);
    }
    // a counterpart is provided by being in the job list (the catalogue, or a command job of that name)
    const rolle = dipexJobs.find((e) => e.job === 'exports_mox_rollekatalog')!;
    const without = builtinJobs.filter((j) => j.name !== 'exports_mox_rollekatalog');
    expect(provided(rolle, without)).to.equal(undefined);
    expect(dipexWarnings(new Settings({ 'crontab.RUN_MOX_ROLLE': true }, 'test'), without)).to.deep.equal([
      "crontab.RUN_MOX_ROLLE is on, but this runner does not provide DIPEX's exports_mox_rollekatalog" +
        ': it will not run. To keep running it, add a command job: ' +
        '"runner.jobs": {"exports_mox_rollekatalog":{"stage":"export","command":' +
        '"cd /opt/dipex/os2mo-data-import-and-export && .venv/bin/python3 -m exporters.os2rollekatalog.os2rollekatalog_integration"}}',
    ]);
    expect(
      provided(rolle, [...builtinJobs, { ...builtinJobs[0]!, name: 'exports_mox_rollekatalog' }]),
    ).to.equal('exports_mox_rollekatalog');
  });

  it('RUN_MO_DATA_SANITY_CHECK defaults to on as in DIPEX (when MO is configured); false or "false" turns it off', () => {
    const on = (raw: Record<string, unknown>) => isEnabled(sanityCheckMoData, new Settings(raw, 'test'));
    expect(on({ 'mora.base': 'http://mo.example' })).to.equal(true);
    expect(on({ 'mora.base': 'http://mo.example', 'crontab.RUN_MO_DATA_SANITY_CHECK': false })).to.equal(
      false,
    );
    expect(on({ 'mora.base': 'http://mo.example', 'crontab.RUN_MO_DATA_SANITY_CHECK': 'false' })).to.equal(
      false,
    );
    expect(on({ 'crontab.RUN_MO_DATA_SANITY_CHECK': 'true' })).to.equal(true);
    expect(on({})).to.equal(false); // no MO configured: nothing to check
  });
});
