import { expect } from 'chai';
import { generateFixture, type Fixture } from '../fixtures/generate.js';
import { makeJobContext, type TestJobContext } from '../helpers/job-context.js';
import { sanityCheckMoData } from '../../jobs/sanity/definition.js';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import type { JobResult } from '../../orchestrator/job.js';

describe('sanity_check_mo_data', function () {
  this.timeout(20_000);
  let server: MoEmulator | undefined;
  let ctx: TestJobContext | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    ctx?.cleanup();
  });

  async function check(fixture: Fixture): Promise<{ result: JobResult; ctx: TestJobContext }> {
    server = await startMoEmulator({ fixture, auth: { clientId: 'dipex', clientSecret: 'hemmeligt' } });
    const env = { CLIENT_ID: 'dipex', CLIENT_SECRET: 'hemmeligt', AUTH_SERVER: server.authServer };
    ctx = makeJobContext('sanity_check_mo_data', { 'mora.base': server.url, 'mora.page_size': 50 }, { env });
    const mod = await sanityCheckMoData.load();
    return { result: await mod.run(ctx), ctx };
  }

  it('is informational and declares the MO client settings', () => {
    expect(sanityCheckMoData.informational).to.equal(true);
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
    expect(warnings.find((w) => w.startsWith('duplicate class user_key')))
      .to.contain(duplicateClassUserKey[0])
      .and.contain(duplicateClassUserKey[1]);
    expect(warnings.find((w) => w.startsWith('duplicate CPR number')))
      .to.contain(duplicateCprPersons[0])
      .and.contain(duplicateCprPersons[1]);
    const cpr = fixture.persons.find((p) => p.uuid === duplicateCprPersons[0])!.validities[0]!.cpr_number!;
    const everything = JSON.stringify({ result, log: ctx.logLines });
    expect(everything).not.to.contain(cpr);
    expect(everything).not.to.contain(`${cpr.slice(0, 6)}-${cpr.slice(6)}`);
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
