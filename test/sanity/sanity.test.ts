import fs from 'node:fs';
import { expect } from 'chai';
import { generateFixture, type Fixture } from '../fixtures/generate.js';
import { makeJobContext, makeTempDir, type TestJobContext } from '../helpers/job-context.js';
import { sanityCheckMoData } from '../../jobs/sanity/definition.js';
import { runActual } from '../../jobs/lora-cache/run.js';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import type { JobResult } from '../../orchestrator/job.js';

const AUTH = { clientId: 'dipex', clientSecret: 'hemmeligt' };

describe('sanity_check_mo_data', function () {
  this.timeout(60_000);
  let server: MoEmulator | undefined;
  let ctx: TestJobContext | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    ctx?.cleanup();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  function settingsOf(mo: MoEmulator, extra: Record<string, unknown> = {}) {
    const env = { CLIENT_ID: 'dipex', CLIENT_SECRET: 'hemmeligt', AUTH_SERVER: mo.authServer };
    return { settings: { 'mora.base': mo.url, 'mora.page_size': 50, ...extra }, env };
  }

  /** Reads MO (no snapshot in the run). */
  async function check(fixture: Fixture): Promise<{ result: JobResult; ctx: TestJobContext }> {
    server = await startMoEmulator({ fixture, auth: AUTH });
    const { settings, env } = settingsOf(server);
    ctx = makeJobContext('sanity_check_mo_data', settings, { env });
    const mod = await sanityCheckMoData.load();
    return { result: await mod.run(ctx), ctx };
  }

  /** Builds this night's snapshot from the emulator, then runs the check as a job of the same night. */
  async function checkAfterSnapshot(mo: MoEmulator, extra: Record<string, unknown> = {}) {
    const dir = makeTempDir('sanity-');
    dirs.push(dir);
    const { settings, env } = settingsOf(mo, extra);
    const runStartedAt = new Date();
    const built = await runActual(
      makeJobContext('exports_cache_loracache', settings, { env, stateDir: dir, runStartedAt }),
    );
    expect(built.failed).to.equal(undefined);
    mo.reset();
    const job = makeJobContext('sanity_check_mo_data', settings, {
      env,
      stateDir: dir,
      runStartedAt,
      succeededThisRun: ['exports_cache_loracache'],
    });
    const mod = await sanityCheckMoData.load();
    const result = await mod.run(job);
    return { result, log: job.logLines, ops: mo.requestLog.map((r) => r.operationName) };
  }

  it('is informational, runs after every other job (so after the snapshot) and declares the MO client settings', () => {
    expect(sanityCheckMoData.informational).to.equal(true);
    expect(sanityCheckMoData.stage).to.equal('post');
    expect(sanityCheckMoData.settings?.map((s) => s.key)).to.include.members([
      'mora.base',
      'crontab.CLIENT_ID',
    ]);
  });

  it('passes a clean municipality', async () => {
    const fixture = generateFixture({ size: 'S', seed: 7 });
    const { result } = await check(fixture);
    expect(result.failed).to.equal(undefined);
    expect(result.counters?.duplicate_cpr_numbers).to.equal(0);
    expect(result.counters?.duplicate_class_user_keys).to.equal(0);
    expect(result.counters?.persons).to.be.above(200);
    expect(result.message).to.match(/^no duplicates among \d+ classes and \d+ persons$/);
  });

  it('reports a case-insensitive duplicate class user_key and a duplicate CPR by UUID, never the CPR', async () => {
    const fixture = generateFixture({ size: 'S', seed: 7, dirty: true });
    const { duplicateClassUserKey, duplicateCprPersons } = fixture.landmarks.dirty;
    expect(duplicateClassUserKey).to.have.length(2);
    expect(duplicateCprPersons).to.have.length(2);
    const { result, ctx } = await check(fixture);
    expect(result.failed).to.equal(true);
    expect(result.message).to.equal(
      '1 duplicate class user_keys (2 classes), 1 duplicate CPR numbers (2 persons)',
    );
    expect(result.counters).to.include({
      duplicate_class_user_keys: 1,
      duplicate_cpr_numbers: 1,
      persons_with_duplicate_cpr: 2,
    });
    const warnings = result.warnings ?? [];
    // UUIDs in order within a group, whatever order MO answered in
    expect(warnings).to.include(
      `duplicate CPR number: persons ${[...duplicateCprPersons].sort().join(', ')}`,
    );
    expect(warnings.find((w) => w.startsWith('duplicate class user_key'))).to.contain(
      [...duplicateClassUserKey].sort().join(', '),
    );
    const cpr = fixture.persons.find((p) => p.uuid === duplicateCprPersons[0])!.validities[0]!.cpr_number!;
    const everything = JSON.stringify({ result, log: ctx.logLines });
    expect(everything).not.to.contain(cpr);
    expect(everything).not.to.contain(`${cpr.slice(0, 6)}-${cpr.slice(6)}`);
  });

  for (const dirty of [true, false]) {
    it(`${dirty ? 'dirty' : 'clean'} fixture: this night's snapshot gives the same findings as MO, without a request to MO`, async () => {
      const fixture = generateFixture({ size: 'S', seed: 7, dirty });
      const fromMo = await check(fixture);
      const mo = server!;
      const fromSnapshot = await checkAfterSnapshot(mo);
      expect(fromSnapshot.ops).to.deep.equal([]);
      expect(fromSnapshot.result).to.deep.equal(fromMo.result);
      expect(fromSnapshot.log.map((l) => l.message)).to.include.members(
        fromMo.ctx.logLines.filter((l) => l.level === 'warn').map((l) => l.message),
      );
      expect(fromSnapshot.log.some((l) => /from snapshot /.test(l.message))).to.equal(true);
    });
  }

  it('a snapshot built without CPR numbers is not used: MO is read, with the same findings', async () => {
    const fixture = generateFixture({ size: 'S', seed: 7, dirty: true });
    const fromMo = await check(fixture);
    const got = await checkAfterSnapshot(server!, { 'exporters.actual_state.export_cpr': false });
    expect(got.ops).to.include.members(['SanityClasses', 'SanityPersons']);
    expect(got.result).to.deep.equal(fromMo.result);
    expect(got.log.some((l) => /holds no CPR numbers/.test(l.message))).to.equal(true);
  });

  it('a snapshot older than the run (the snapshot job said it succeeded) fails with one line naming the job', async () => {
    const fixture = generateFixture({ size: 'S', seed: 7 });
    server = await startMoEmulator({ fixture, auth: AUTH });
    const dir = makeTempDir('sanity-');
    dirs.push(dir);
    const { settings, env } = settingsOf(server);
    await runActual(makeJobContext('exports_cache_loracache', settings, { env, stateDir: dir }));
    const job = makeJobContext('sanity_check_mo_data', settings, {
      env,
      stateDir: dir,
      runStartedAt: new Date(Date.now() + 60_000),
      succeededThisRun: ['exports_cache_loracache'],
    });
    const mod = await sanityCheckMoData.load();
    const err = (await mod.run(job).catch((e: Error) => e)) as Error;
    expect(err.message).to.match(
      /^snapshot .* before this run started .*; run exports_cache_loracache first$/,
    );
  });

  it('fails with one line when MO is unreachable', async () => {
    ctx = makeJobContext('sanity_check_mo_data', {
      'mora.base': 'http://127.0.0.1:9',
      'mora.retry.max_attempts': 1,
    });
    const mod = await sanityCheckMoData.load();
    const err = (await mod.run(ctx).catch((e: Error) => e)) as Error;
    expect(err.message).to.match(/^SanityClasses: connection refused/);
  });
});
