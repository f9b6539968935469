/** exports_os2sync end to end against the MO and OS2sync emulators (fixture S): runs, cache, failures. */
import fs from 'node:fs';
import { expect } from 'chai';
import { startHarness, CVR, type Harness } from './helpers/harness.js';

const userPosts = (h: Harness) => h.os2sync.mutations().filter((m) => m === 'POST /api/user');

describe('exports_os2sync against the emulators', function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());
  beforeEach(() => h.fresh());

  it('first run: units parent-first with the CVR header, then users; counters; cache 0600 in the state dir', async () => {
    const { result } = await h.runJob({ 'os2sync.api_key': 'k3y' });
    expect(result.failed, result.message).to.not.equal(true);
    const c = result.counters!;
    expect(c.units_upserted).to.equal(c.units_found).and.be.greaterThan(10);
    expect(c.users_upserted + c.users_deleted).to.equal(c.users_found);
    expect(c.mo_requests).to.be.lessThan(40);
    const reqs = h.os2sync.requests;
    expect(reqs.every((r) => r.headers.cvr === CVR && r.headers.apikey === 'k3y')).to.equal(true);
    const unitPosts = reqs.filter((r) => r.method === 'POST' && r.path === '/api/orgUnit');
    const seen = new Set<string>();
    for (const r of unitPosts) {
      const body = r.body as { Uuid: string; ParentOrgUnitUuid: string | null };
      if (body.ParentOrgUnitUuid !== null)
        expect(seen.has(body.ParentOrgUnitUuid), 'parent first').to.equal(true);
      seen.add(body.Uuid);
    }
    expect((unitPosts[0]!.body as { Uuid: string }).Uuid).to.equal(h.fixture.landmarks.rootUnit);
    const lastUnit = reqs.lastIndexOf(unitPosts[unitPosts.length - 1]!);
    expect(reqs.findIndex((r) => r.path.startsWith('/api/user'))).to.be.greaterThan(lastUnit);
    expect(fs.statSync(h.cacheFile()).mode & 0o777).to.equal(0o600);
  });

  it('second run sends nothing', async () => {
    await h.runJob();
    const before = h.os2sync.apiRequests().length;
    const { result } = await h.runJob();
    expect(h.os2sync.apiRequests().length).to.equal(before);
    expect(result.counters).to.include({
      units_upserted: 0,
      users_upserted: 0,
      users_deleted: 0,
      os2sync_requests: 1, // the reachability check
    });
    expect(result.counters!.users_unchanged).to.equal(result.counters!.users_found);
  });

  it('a 400 for one user fails that user only; the job ends failed; the next run resends only it', async () => {
    await h.runJob({ 'os2sync.hash_cache': `${h.stateDir}/other-cache.json` });
    const victim = [...h.os2sync.state.users.keys()][5]!;
    h.fresh();
    h.os2sync.setFaults({ rejectUuids: { [victim]: 'Person.Name is null or empty 010170-1234' } });
    const { result, ctx } = await h.runJob();
    expect(result.failed).to.equal(true);
    expect(result.counters!.users_failed).to.equal(1);
    expect(result.message).to.contain(victim).and.contain('HTTP 400');
    const line = ctx.logLines.find((l) => l.level === 'error' && l.message.includes(victim))!;
    expect(line.message).to.contain('Person.Name is null or empty').and.not.contain('010170-1234');
    expect(h.os2sync.state.users.size).to.be.greaterThan(10);
    h.os2sync.setFaults({});
    h.os2sync.requests.length = 0;
    const again = await h.runJob();
    expect(again.result.failed).to.not.equal(true);
    expect(h.os2sync.mutations()).to.deep.equal(['POST /api/user']);
    expect((h.os2sync.apiRequests()[0]!.body as { Uuid: string }).Uuid).to.equal(victim);
  });

  it('OS2sync down halfway: sending stops, the successes are cached, the next run sends only the rest', async () => {
    h.os2sync.setFaults({ serverErrorFrom: { request: 60 } });
    const { result } = await h.runJob();
    expect(result.failed).to.equal(true);
    expect(result.message).to.contain('OS2sync unreachable');
    const cached = Object.keys(JSON.parse(fs.readFileSync(h.cacheFile(), 'utf8')).entries).length;
    expect(cached).to.be.greaterThan(20);
    const total = result.counters!.units_found + result.counters!.users_found;
    h.os2sync.setFaults({});
    h.os2sync.requests.length = 0;
    const rest = await h.runJob();
    expect(rest.result.failed).to.not.equal(true);
    const sentObjects =
      rest.result.counters!.units_upserted +
      rest.result.counters!.users_upserted +
      rest.result.counters!.users_deleted;
    expect(sentObjects).to.equal(total - cached);
  });

  it('a corrupt hash cache: one-line error naming os2sync.hash_cache, no requests at all', async () => {
    fs.mkdirSync(`${h.stateDir}/cache`, { recursive: true });
    fs.writeFileSync(h.cacheFile(), '{"version": 1, "entries": ');
    let err: unknown;
    try {
      await h.runJob();
    } catch (e) {
      err = e;
    }
    expect((err as Error).name).to.equal('JobSettingsError');
    expect((err as Error).message).to.match(/^os2sync\.hash_cache: /);
    expect(h.os2sync.requests).to.have.length(0);
    expect(h.mo.counters.total).to.equal(0);
  });

  it('MO failure sends nothing and leaves the cache untouched', async () => {
    await h.runJob();
    const cacheBefore = fs.readFileSync(h.cacheFile(), 'utf8');
    h.os2sync.requests.length = 0;
    h.mo.setFaults({ fieldErrors: [{ field: 'engagements', message: 'boom' }] });
    let err: unknown;
    try {
      await h.runJob({ 'os2sync.autowash': true, 'os2sync.top_unit_uuid': h.fixture.landmarks.rootUnit });
    } catch (e) {
      err = e;
    }
    h.mo.setFaults({});
    expect((err as Error).message).to.match(/reading MO failed: .*nothing was sent or deleted/);
    expect(h.os2sync.mutations()).to.deep.equal([]);
    expect(fs.readFileSync(h.cacheFile(), 'utf8')).to.equal(cacheBefore);
  });

  it('dry run prints what would be sent, sends nothing, leaves the cache untouched', async () => {
    const { result, ctx } = await h.runJob({}, { dryRun: true, verbose: true });
    expect(h.os2sync.requests).to.have.length(0);
    expect(fs.existsSync(h.cacheFile())).to.equal(false);
    expect(result.message).to.match(/^dry run: would send \d+ requests/);
    expect(result.counters!.planned_requests).to.equal(
      result.counters!.units_found + result.counters!.users_found,
    );
    expect(ctx.logLines.filter((l) => l.message.startsWith('dry run: POST /orgUnit'))).to.have.length(
      result.counters!.units_found,
    );
  });

  it('template errors: syntax → settings error naming os2sync.templates; render error → nothing sent', async () => {
    let err: unknown;
    try {
      await h.runJob({ 'os2sync.templates': { 'person.name': '{% invalid jinja %}' } });
    } catch (e) {
      err = e;
    }
    expect((err as Error).name).to.equal('JobSettingsError');
    expect((err as Error).message).to.match(/^os2sync\.templates: syntax error in template person\.name/);
    try {
      await h.runJob({ 'os2sync.templates': { 'person.user_id': '{{ unknown_variable }}' } });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(
      /could not render template person\.user_id: .*\(person [0-9a-f-]{36}\); nothing was sent/,
    );
    expect(h.os2sync.apiRequests()).to.have.length(0);
  });

  it('wrongly typed settings are rejected naming the key, before any request', async () => {
    for (const [key, value] of [
      ['os2sync.xfer_cpr', 'No'],
      ['os2sync.api_url', 'not a url'],
      ['os2sync.top_unit_uuid', 'abc'],
      ['os2sync.phone_scope_classes', ['nope']],
    ] as const) {
      let err: unknown;
      try {
        await h.runJob({ [key]: value });
      } catch (e) {
        err = e;
      }
      expect((err as Error).name, key).to.equal('SettingsError');
      expect((err as Error).message.startsWith(`${key}:`), (err as Error).message).to.equal(true);
    }
    expect(h.os2sync.requests).to.have.length(0);
  });

  it('xfer_cpr sends Person.Cpr; without it Cpr is null; CPR numbers never reach the log', async () => {
    const { ctx } = await h.runJob({ 'os2sync.xfer_cpr': true });
    const posts = h.os2sync.requests
      .filter((r) => r.path === '/api/user')
      .map((r) => r.body as { Person: { Cpr: string | null } });
    expect(posts.filter((p) => p.Person.Cpr !== null).length).to.be.greaterThan(posts.length / 2);
    const logText = ctx.logLines.map((l) => l.message).join('\n');
    const cprs = h.fixture.persons
      .flatMap((p) => p.validities.map((v) => v.cpr_number))
      .filter((c): c is string => !!c);
    expect(
      cprs.filter((c) => logText.includes(c) || logText.includes(`${c.slice(0, 6)}-${c.slice(6)}`)),
    ).to.deep.equal([]);
    h.fresh();
    await h.runJob();
    expect(
      h.os2sync.requests
        .filter((r) => r.path === '/api/user')
        .every((r) => (r.body as { Person: { Cpr: unknown } }).Person.Cpr === null),
    ).to.equal(true);
  });

  it('read-merge: FK-only fields survive; FK already equal ⇒ GET only, no POST', async () => {
    await h.runJob();
    const top = h.fixture.landmarks.rootUnit;
    h.os2sync.state.orgUnits.get(top)!.record.LOSShortName = 'KOMMUNE';
    fs.rmSync(h.cacheFile());
    h.os2sync.requests.length = 0;
    const { result } = await h.runJob({ 'os2sync.enable_kle': false });
    const topPost = h.os2sync.requests.find(
      (r) => r.method === 'POST' && (r.body as { Uuid?: string }).Uuid === top,
    );
    // KLE off: MO has no Tasks, FK keeps its Tasks (documented legacy consequence), so FK already equals the merge
    expect(topPost).to.equal(undefined);
    expect(result.counters!.units_unchanged).to.be.greaterThan(0);
    expect(h.os2sync.state.orgUnits.get(top)!.record.LOSShortName).to.equal('KOMMUNE');
    expect(userPosts(h).length).to.equal(result.counters!.users_upserted);
  });

  it('a dropped connection is retried, then sending stops like any outage (job failed, successes cached)', async () => {
    h.os2sync.setFaults({ dropConnectionFrom: { request: 30 } });
    const { result } = await h.runJob();
    expect(result.failed).to.equal(true);
    expect(result.message).to.match(/OS2sync unreachable.*connection/);
    const cached = Object.keys(JSON.parse(fs.readFileSync(h.cacheFile(), 'utf8')).entries).length;
    expect(cached).to.be.within(10, 29);
  });

  it('api_url "stub" logs every request and sends nothing; the hash cache is not written', async () => {
    const { result, ctx } = await h.runJob({ 'os2sync.api_url': 'stub' });
    expect(result.message).to.match(/^stub mode/);
    expect(h.os2sync.requests).to.have.length(0);
    expect(fs.existsSync(h.cacheFile())).to.equal(false);
    expect(ctx.logLines.filter((l) => l.message.startsWith('dry run: POST /user')).length).to.equal(
      result.counters!.users_upserted,
    );
  });
});
