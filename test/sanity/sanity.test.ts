import { expect } from 'chai';
import { generateFixture, type Fixture } from '../fixtures/generate.js';
import { makeJobContext, type TestJobContext } from '../helpers/job-context.js';
import { sanityCheckMoData } from '../../jobs/sanity/definition.js';
import { sendJson, startTinyServer, type TinyServer } from '../clients/tiny-server.js';
import type { JobResult } from '../../orchestrator/job.js';

/** Serves the sanity documents' root fields (classes, persons) from a fixture with MO's paging. */
function serveFixture(fixture: Fixture): Promise<TinyServer> {
  const current = <T extends { from: string | null; to: string | null }>(validities: T[]): T | undefined =>
    validities.find(
      (v) => (v.from === null || v.from <= fixture.today) && (v.to === null || v.to >= fixture.today),
    );
  const classes = fixture.classes.flatMap((c) => {
    const v = current(c.validities);
    return v ? [{ current: { uuid: c.uuid, user_key: v.user_key, facet_uuid: v.facet } }] : [];
  });
  const persons = fixture.persons.flatMap((p) => {
    const v = current(p.validities);
    return v ? [{ current: { uuid: p.uuid, cpr_number: v.cpr_number } }] : [];
  });
  return startTinyServer((req, res) => {
    const { query, variables } = JSON.parse(req.body.toString()) as {
      query: string;
      variables: { limit: number; cursor: string | null };
    };
    const [field, all] = /\bclasses\(/.test(query) ? ['classes', classes] : ['persons', persons];
    const offset = variables.cursor ? Number(variables.cursor) : 0;
    const objects = all.slice(offset, offset + variables.limit);
    const next = objects.length === 0 && variables.cursor ? null : String(offset + objects.length);
    sendJson(res, 200, { data: { [field]: { objects, page_info: { next_cursor: next } } } });
  });
}

describe('sanity_check_mo_data', function () {
  this.timeout(20_000);
  let server: TinyServer | undefined;
  let ctx: TestJobContext | undefined;
  afterEach(async () => {
    await server?.close();
    ctx?.cleanup();
  });

  async function check(fixture: Fixture): Promise<{ result: JobResult; ctx: TestJobContext }> {
    server = await serveFixture(fixture);
    ctx = makeJobContext('sanity_check_mo_data', { 'mora.base': server.url, 'mora.page_size': 50 });
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
