/**
 * Spec §2.14: with os2sync.use_lc_db the export reads the actual-state snapshot built by
 * exports_cache_loracache, and sends byte-identical requests and writes a byte-identical hash cache.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runActual } from '../../jobs/lora-cache/run.js';
import { makeJobContext, makeTempDir } from '../helpers/job-context.js';
import { startHarness, type Harness } from './helpers/harness.js';

describe('exports_os2sync with use_lc_db', function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  const settings = {
    'os2sync.xfer_cpr': true,
    'os2sync.sync_managers': true,
    'os2sync.use_contact_for_tasks': true,
    'os2sync.employee_engagement_address': ['Postadresse', 'Henvendelsessted'],
    'os2sync.templates': {
      'person.name': '{% if nickname -%}{{ nickname }}{%- else %}{{ name }}{%- endif %}',
    },
  };

  async function sentAndCache(extra: Record<string, unknown>, stateDir: string, runStartedAt?: Date) {
    h.os2sync.reset();
    h.stateDir = stateDir;
    const { result } = await h.runJob({ ...settings, ...extra }, { runStartedAt });
    const requests = h.os2sync.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body ?? null)}`);
    return { result, requests, cache: fs.readFileSync(h.cacheFile(), 'utf8') };
  }

  it('sends the same requests byte for byte and writes the same cache as reading MO', async () => {
    const moDir = makeTempDir('os2sync-mo-');
    const lcDir = makeTempDir('os2sync-lc-');
    const nightStarted = new Date();
    const snapshotCtx = makeJobContext('exports_cache_loracache', h.settings(), { stateDir: lcDir });
    const built = await runActual(snapshotCtx);
    expect(built.outputs![0]).to.equal(path.join(lcDir, 'cache', 'actual_state.db'));

    const fromMo = await sentAndCache({}, moDir);
    const moRequestsBefore = h.mo.counters.total;
    const fromLc = await sentAndCache({ 'os2sync.use_lc_db': true }, lcDir, nightStarted);
    expect(h.mo.counters.total - moRequestsBefore, 'MO requests with use_lc_db').to.equal(0);
    expect(fromMo.result.failed, fromMo.result.message).to.not.equal(true);
    expect(fromLc.result.counters!.units_found).to.equal(fromMo.result.counters!.units_found);
    expect(fromLc.requests.length).to.equal(fromMo.requests.length);
    expect(fromLc.requests).to.deep.equal(fromMo.requests);
    expect(fromLc.cache).to.equal(fromMo.cache);
    expect(fromMo.result.counters!.mo_requests).to.be.greaterThan(0);
    expect(fromLc.result.counters!.mo_requests, 'use_lc_db reads nothing from MO').to.equal(0);
  });

  it('without a snapshot: a one-line error naming the job to run, nothing sent', async () => {
    h.os2sync.reset();
    h.stateDir = makeTempDir('os2sync-nosnap-');
    let err: unknown;
    try {
      await h.runJob({ 'os2sync.use_lc_db': true });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message)
      .to.match(/exports_cache_loracache/)
      .and.not.contain('\n');
    expect(h.os2sync.apiRequests()).to.have.length(0);
  });
});
