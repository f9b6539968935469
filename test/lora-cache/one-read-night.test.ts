/**
 * One read of MO a night (issue 13): a whole night (snapshot, CPR map, OS2sync, the three reports, the SQL
 * export) against the MO emulator sends exactly the snapshot's requests; every other job reads the snapshot.
 * Without the snapshot in the night, OS2sync and the CPR map read MO themselves (flat paged reads).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { builtinJobs } from '../../jobs/registry.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { quietNight } from '../helpers/quiet-night.js';
import { makeTempDir } from '../helpers/job-context.js';
import { startHarness, type Harness } from '../os2sync/helpers/harness.js';

/** The job that sends each operation (by its name's prefix). */
function jobOf(operation: string | null): string {
  if (operation?.startsWith('LoraCache')) return 'exports_cache_loracache';
  if (operation?.startsWith('CprUuid')) return 'exports_cpr_uuid';
  if (operation?.startsWith('Os2sync')) return 'exports_os2sync';
  return String(operation);
}

const NIGHT = [
  'crontab.RUN_CACHE_LORACACHE',
  'crontab.RUN_CPR_UUID',
  'crontab.RUN_OS2SYNC',
  'crontab.RUN_REPORTS_ENGAGEMENTS_MANAGERS',
  'crontab.RUN_REPORTS_CSV',
  'crontab.RUN_REPORTS_INVALID_CPR',
  'crontab.RUN_ACTUAL_STATE_EXPORT',
];

describe('one read of MO a night', function () {
  this.timeout(180_000);
  let h: Harness;
  const dirs: string[] = [];
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Runs a night with the given toggles on; returns job statuses and the MO requests per job. */
  async function night(toggles: string[], extra: Record<string, unknown> = {}) {
    const root = makeTempDir('one-read-');
    dirs.push(root);
    fs.chmodSync(root, 0o700);
    const settings = new Settings(
      {
        ...h.settings(),
        'runner.state_dir': path.join(root, 'var'),
        'reports.upload_to_mo': false,
        // on by default when MO is configured (as in DIPEX); off here unless a test turns it on
        'crontab.RUN_MO_DATA_SANITY_CHECK': false,
        ...Object.fromEntries(toggles.map((t) => [t, true])),
        ...extra,
      },
      'test',
    );
    h.os2sync.reset();
    h.mo.reset();
    const summary = await quietNight(settings, { root, jobs: builtinJobs });
    const requests: Record<string, number> = {};
    for (const r of h.mo.requestLog)
      requests[jobOf(r.operationName)] = (requests[jobOf(r.operationName)] ?? 0) + 1;
    const ran = summary.jobs.filter((j) => j.status !== 'disabled');
    const status = Object.fromEntries(ran.map((j) => [j.name, j.status]));
    const messages = Object.fromEntries(ran.map((j) => [j.name, j.message]));
    return { status, messages, requests, total: h.mo.requestLog.length, root };
  }

  it('a whole night sends exactly the snapshot’s requests: OS2sync, the CPR map and the sanity check read the snapshot', async () => {
    const alone = await night(['crontab.RUN_CACHE_LORACACHE']);
    expect(alone.status.exports_cache_loracache).to.equal('succeeded');
    const whole = await night([...NIGHT, 'crontab.RUN_MO_DATA_SANITY_CHECK']);
    for (const job of Object.keys(whole.status))
      expect(whole.status[job], `${job}: ${whole.messages[job]}`).to.equal('succeeded');
    expect(Object.keys(whole.status)).to.have.length(NIGHT.length + 1);
    expect(whole.requests).to.deep.equal({ exports_cache_loracache: alone.total });
    expect(whole.total).to.equal(alone.total);
    expect(whole.messages.exports_cpr_uuid).to.match(/from snapshot /);
    expect(fs.statSync(path.join(whole.root, 'cpr_mo_ad_map.csv')).mode & 0o777).to.equal(0o600);
  });

  it('without the snapshot in the night, OS2sync (auto) and the CPR map read MO with flat paged reads', async () => {
    const n = await night(['crontab.RUN_CPR_UUID', 'crontab.RUN_OS2SYNC']);
    expect(n.status).to.deep.equal({ exports_cpr_uuid: 'succeeded', exports_os2sync: 'succeeded' });
    expect(n.requests.exports_cpr_uuid).to.be.greaterThan(0);
    expect(n.requests.exports_os2sync).to.be.greaterThan(0);
    expect(n.messages.exports_cpr_uuid).to.match(/from MO/);
  });

  it('a snapshot that fails tonight: auto OS2sync, the CPR map and the sanity check fall back to MO instead of being skipped', async () => {
    h.mo.setFaults({ fieldErrors: [{ field: 'related_units', message: 'boom' }] });
    try {
      const n = await night([
        'crontab.RUN_CACHE_LORACACHE',
        'crontab.RUN_CPR_UUID',
        'crontab.RUN_OS2SYNC',
        'crontab.RUN_MO_DATA_SANITY_CHECK',
      ]);
      expect(n.status.exports_cache_loracache).to.equal('failed');
      expect(n.status.exports_cpr_uuid).to.equal('succeeded');
      expect(n.status.exports_os2sync).to.equal('succeeded');
      expect(n.requests.exports_os2sync).to.be.greaterThan(0);
      expect(n.status.sanity_check_mo_data).to.equal('succeeded');
      expect(n.requests.SanityPersons).to.be.greaterThan(0);
    } finally {
      h.mo.setFaults({});
    }
  });

  it('use_lc_db true still needs the snapshot: a failed snapshot skips OS2sync naming it', async () => {
    h.mo.setFaults({ fieldErrors: [{ field: 'related_units', message: 'boom' }] });
    try {
      const n = await night(['crontab.RUN_CACHE_LORACACHE', 'crontab.RUN_OS2SYNC'], {
        'os2sync.use_lc_db': true,
      });
      expect(n.status.exports_os2sync).to.equal('skipped');
      expect(n.messages.exports_os2sync).to.match(/exports_cache_loracache/);
      expect(n.requests.exports_os2sync ?? 0).to.equal(0);
    } finally {
      h.mo.setFaults({});
    }
  });
});
