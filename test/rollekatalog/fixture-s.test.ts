/**
 * exports_mox_rollekatalog and exports_os2phonebook_export against the Rollekatalog and OS2phonebook emulators,
 * reading a snapshot and a CPR map built by the real jobs from fixture S served by the MO emulator.
 */
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { exportsCacheLoracache } from '../../jobs/lora-cache/definition.js';
import { exportsCprUuid } from '../../jobs/cpr-uuid/definition.js';
import { exportsMoxRollekatalog } from '../../jobs/rollekatalog/definition.js';
import { exportsOs2phonebookExport } from '../../jobs/os2phonebook/definition.js';
import { lastUploadPath } from '../../jobs/rollekatalog/run.js';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import { startRollekatalogEmulator, type RollekatalogEmulator } from '../emulators/rollekatalog/server.js';
import { startOs2phonebookEmulator, type Os2phonebookEmulator } from '../emulators/os2phonebook/server.js';
import { generateFixture } from '../fixtures/generate.js';
import type { Fixture } from '../fixtures/types.js';
import { makeJobContext, makeTempDir } from '../helpers/job-context.js';

/** No CPR number of the fixture appears in `text` (P-numbers are 10 digits too, so the shape alone is not enough). */
function expectNoCpr(fx: Fixture, text: string): void {
  const cprs = fx.persons
    .flatMap((p) => p.validities.map((v) => v.cpr_number))
    .filter((c): c is string => !!c);
  expect(cprs.length).to.be.greaterThan(0);
  for (const cpr of cprs) expect(text, 'a CPR number').to.not.include(cpr);
}

describe('Rollekatalog and OS2phonebook exports on fixture S', function () {
  this.timeout(120_000);
  let mo: MoEmulator;
  let fx: Fixture;
  let rk: RollekatalogEmulator;
  let pb: Os2phonebookEmulator;
  let stateDir: string;
  let cprMap: string;
  const runStartedAt = new Date();

  before(async () => {
    fx = generateFixture({ size: 'S', seed: 7 });
    mo = await startMoEmulator({ fixture: fx });
    stateDir = makeTempDir('jr-rk-s-');
    cprMap = path.join(stateDir, 'cpr_mo_ad_map.csv');
    const snap = makeJobContext(
      'exports_cache_loracache',
      { 'mora.base': mo.url },
      { stateDir, runStartedAt },
    );
    await (await exportsCacheLoracache.load()).run(snap);
    const map = makeJobContext(
      'exports_cpr_uuid',
      { 'mora.base': mo.url, 'cpr.uuid.output_file': cprMap },
      { stateDir, runStartedAt },
    );
    await (await exportsCprUuid.load()).run(map);
    mo.reset();
  });
  beforeEach(async () => {
    rk = await startRollekatalogEmulator();
    pb = await startOs2phonebookEmulator();
    fs.rmSync(path.join(stateDir, 'cache', 'rollekatalog-last-upload.json'), { force: true });
  });
  afterEach(async () => {
    await rk.stop();
    await pb.stop();
  });
  after(async () => {
    await mo?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  function rkContext(extra: Record<string, unknown> = {}, opts: { dryRun?: boolean } = {}) {
    return makeJobContext(
      'exports_mox_rollekatalog',
      {
        'exporters.os2rollekatalog.rollekatalog.url': rk.url,
        'exporters.os2rollekatalog.rollekatalog.api_token': rk.apiKey,
        'exporters.os2rollekatalog.main_root_org_unit': fx.landmarks.rootUnit,
        'exporters.os2rollekatalog.retry_delay': '10ms',
        'cpr.uuid.output_file': cprMap,
        ...extra,
      },
      { stateDir, runStartedAt, ...opts },
    );
  }
  const runRk = async (ctx: ReturnType<typeof rkContext>) => (await exportsMoxRollekatalog.load()).run(ctx);
  const orgPosts = () => rk.requests.filter((r) => r.path === '/api/organisation/v3');

  it('uploads the organisation: one root, every user with an AD account and a position, no CPR anywhere', async () => {
    const ctx = rkContext();
    const result = await runRk(ctx);
    expect(result.failed, result.message).to.not.equal(true);
    expect(orgPosts()).to.have.length(1);
    const body = orgPosts()[0]!.body as {
      orgUnits: { parentOrgUnitUuid: string | null }[];
      users: { extUuid: string }[];
    };
    expect(body.orgUnits.filter((u) => u.parentOrgUnitUuid === null)).to.have.length(1);
    expect(body.users.length).to.be.greaterThan(10);
    expectNoCpr(fx, JSON.stringify(body));
    expect(rk.state.users.size).to.equal(body.users.length);
    // The six counters are in the status message.
    expect(result.message).to.match(/usersCreated \d+, usersUpdated 0, usersDeleted 0, ousCreated \d+/);
    expect(result.counters?.usersCreated).to.equal(body.users.length);
    // A person without an AD account in MO is not sent.
    const ad = fx.landmarks.itsystemByKey.AD;
    const withAd = new Set(
      fx.itusers.flatMap((it) =>
        it.validities.filter((v) => v.itsystem === ad && v.person).map((v) => v.person!),
      ),
    );
    const without = fx.persons.map((p) => p.uuid).filter((uuid) => !withAd.has(uuid));
    expect(without.length).to.be.greaterThan(0);
    for (const uuid of without) expect(body.users.map((u) => u.extUuid)).to.not.include(uuid);
    // Logs name persons by uuid, never by CPR.
    expectNoCpr(fx, JSON.stringify(ctx.logLines));
  });

  it('unchanged MO gives the same payload and nothing created or deleted', async () => {
    await runRk(rkContext());
    const second = await runRk(rkContext());
    const [a, b] = orgPosts();
    expect(JSON.stringify(b!.body)).to.equal(JSON.stringify(a!.body));
    expect(second.counters).to.include({ usersCreated: 0, usersDeleted: 0, ousCreated: 0, ousDeleted: 0 });
  });

  it('ou_filter: the units outside the root subtree are left out; without it they hang under the root', async () => {
    const outside = fx.landmarks.obsoleteUnitsRoot;
    await runRk(rkContext({ 'exporters.os2rollekatalog.ou_filter': true }));
    const filtered = orgPosts()[0]!.body as {
      orgUnits: { uuid: string; parentOrgUnitUuid: string | null }[];
    };
    expect(filtered.orgUnits.map((u) => u.uuid)).to.not.include(outside);
    await runRk(rkContext());
    const all = orgPosts()[1]!.body as typeof filtered;
    expect(all.orgUnits.find((u) => u.uuid === outside)?.parentOrgUnitUuid).to.equal(fx.landmarks.rootUnit);
    // The server deleted the units the filtered upload had left out... and counted them as created again now.
    expect(all.orgUnits.length).to.be.greaterThan(filtered.orgUnits.length);
  });

  it('warns when the server deleted users', async () => {
    await runRk(rkContext());
    const again = await runRk(rkContext({ 'exporters.os2rollekatalog.ou_filter': true }));
    if ((again.counters?.usersDeleted ?? 0) > 0)
      expect(again.warnings?.join('\n')).to.match(/Rollekatalog deleted \d+ user\(s\)/);
    expect(again.counters?.ousDeleted).to.be.greaterThan(0);
    expect(again.warnings?.join('\n')).to.match(/Rollekatalog deleted \d+ user\(s\) and \d+ unit\(s\)/);
  });

  it('identity mode itsystem needs no CPR map', async () => {
    const result = await runRk(
      rkContext({
        'exporters.os2rollekatalog.identity_mode': 'itsystem',
        'cpr.uuid.output_file': '/nonexistent/map.csv',
      }),
    );
    expect(result.failed, result.message).to.not.equal(true);
    expect(rk.state.users.size).to.be.greaterThan(10);
    expect(
      exportsMoxRollekatalog.needs!(
        rkContext({ 'exporters.os2rollekatalog.identity_mode': 'itsystem' }).settings,
      ),
    ).to.deep.equal(['exports_cache_loracache']);
    expect(exportsMoxRollekatalog.needs!(rkContext().settings)).to.deep.equal([
      'exports_cache_loracache',
      'exports_cpr_uuid',
    ]);
  });

  it('refuses an upload without users (the server would delete them all) and sends nothing', async () => {
    const result = await runRk(
      rkContext({
        'exporters.os2rollekatalog.identity_mode': 'itsystem',
        'exporters.os2rollekatalog.ad_it_system': 'No such system',
      }),
    );
    expect(result.failed).to.equal(true);
    expect(result.message).to.include('would delete them all');
    expect(rk.requests).to.have.length(0);
  });

  it('refuses an upload whose users dropped by more than max_user_drop_pct', async () => {
    await runRk(rkContext());
    const last = JSON.parse(fs.readFileSync(lastUploadPath({ paths: rkContext().paths }), 'utf8')) as {
      users: number;
    };
    fs.writeFileSync(
      lastUploadPath({ paths: rkContext().paths }),
      JSON.stringify({ ...last, users: last.users * 2 }),
    );
    const refused = await runRk(rkContext({ 'exporters.os2rollekatalog.max_user_drop_pct': 10 }));
    expect(refused.failed).to.equal(true);
    expect(refused.message).to.match(/users dropped by 50\.0 %/);
    expect(orgPosts()).to.have.length(1);
    // Off by default.
    expect((await runRk(rkContext())).failed).to.not.equal(true);
  });

  it('retries a 5xx and succeeds; never retries a 4xx, naming the API key setting', async () => {
    rk.setFaults({ statuses: [500, 503] });
    const ok = await runRk(rkContext());
    expect(ok.failed).to.not.equal(true);
    expect(orgPosts()).to.have.length(3);
    rk.requests.length = 0;
    let err: Error | undefined;
    try {
      await runRk(rkContext({ 'exporters.os2rollekatalog.rollekatalog.api_token': 'wrong-key' }));
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.include('exporters.os2rollekatalog.rollekatalog.api_token');
    expect(err?.message).to.not.include('wrong-key');
    expect(rk.requests).to.have.length(1);
  });

  it('reads the stale underscore keys of DIPEX example settings as aliases', async () => {
    const ctx = makeJobContext(
      'exports_mox_rollekatalog',
      {
        'exporters.os2rollekatalog.rollekatalog_url': rk.url,
        'exporters.os2rollekatalog.rollekatalog_api_token': rk.apiKey,
        'exporters.os2rollekatalog.main_root_org_unit': fx.landmarks.rootUnit,
        'cpr.uuid.output_file': cprMap,
      },
      { stateDir, runStartedAt },
    );
    expect((await runRk(ctx)).failed).to.not.equal(true);
    expect(orgPosts()).to.have.length(1);
  });

  it('titles: synced first, not posted again when unchanged, positions carry titleUuid', async () => {
    await runRk(rkContext({ 'exporters.os2rollekatalog.sync_titles': true }));
    const titlePosts = () => rk.requests.filter((r) => r.path === '/api/title' && r.method === 'POST');
    expect(titlePosts()).to.have.length(1);
    const titles = titlePosts()[0]!.body as { uuid: string; name: string }[];
    expect(titles.length).to.be.greaterThan(0);
    const body = orgPosts()[0]!.body as { users: { positions: { titleUuid?: string }[] }[] };
    expect(body.users.some((u) => u.positions.some((p) => p.titleUuid))).to.equal(true);
    const second = await runRk(rkContext({ 'exporters.os2rollekatalog.sync_titles': true }));
    expect(titlePosts()).to.have.length(1);
    expect(second.message).to.include('titles unchanged');
  });

  it('titles disabled on the server (403): warned, the organisation is uploaded without titleUuid', async () => {
    rk.setTitlesEnabled(false);
    const result = await runRk(rkContext({ 'exporters.os2rollekatalog.sync_titles': true }));
    expect(result.failed).to.not.equal(true);
    expect(result.warnings?.join('\n')).to.include('titles are disabled');
    const body = orgPosts()[0]!.body as { users: { positions: { titleUuid?: string }[] }[] };
    expect(body.users.every((u) => u.positions.every((p) => p.titleUuid === undefined))).to.equal(true);
  });

  it('dry run writes the payload under the dry-run area and calls nothing', async () => {
    const ctx = rkContext({ 'exporters.os2rollekatalog.sync_titles': true }, { dryRun: true });
    const result = await runRk(ctx);
    expect(rk.requests).to.have.length(0);
    const file = path.join(stateDir, 'dry-run', 'test-run', 'exports_mox_rollekatalog', 'organisation.json');
    expect(result.outputs).to.include(file);
    const payload = JSON.parse(fs.readFileSync(file, 'utf8')) as { users: unknown[] };
    expect(payload.users.length).to.be.greaterThan(10);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(fs.existsSync(lastUploadPath(ctx))).to.equal(false);
  });

  it('verifies TLS by default; verify_tls: false accepts a self-signed certificate', async () => {
    const tlsDir = path.join(process.cwd(), 'test', 'clients', 'tls');
    const server = https.createServer(
      {
        cert: fs.readFileSync(path.join(tlsDir, 'self-signed-127.0.0.1.cert.pem')),
        key: fs.readFileSync(path.join(tlsDir, 'self-signed-127.0.0.1.TEST-ONLY.key.pem')),
      },
      (req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ usersCreated: 1 }));
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/organisation/v3`;
    try {
      let err: Error | undefined;
      try {
        await runRk(rkContext({ 'exporters.os2rollekatalog.rollekatalog.url': url }));
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).to.match(/TLS|certificate/i);
      const ok = await runRk(
        rkContext({
          'exporters.os2rollekatalog.rollekatalog.url': url,
          'exporters.os2rollekatalog.verify_tls': false,
        }),
      );
      expect(ok.counters?.usersCreated).to.equal(1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  // OS2phonebook

  function pbContext(extra: Record<string, unknown> = {}, opts: { dryRun?: boolean } = {}) {
    return makeJobContext(
      'exports_os2phonebook_export',
      {
        'exporters.os2phonebook_base_url': pb.baseUrl.replace(/\/$/, ''),
        'exporters.os2phonebook_basic_auth_user': pb.user,
        'exporters.os2phonebook_basic_auth_pass': pb.password,
        'exporters.os2phonebook_retry_delay': '10ms',
        ...extra,
      },
      { stateDir, runStartedAt, ...opts },
    );
  }
  const runPb = async (ctx: ReturnType<typeof pbContext>) =>
    (await exportsOs2phonebookExport.load()).run(ctx);

  it('phonebook: loads employees then units in the specified shapes, without secret addresses or CPR', async () => {
    const result = await runPb(pbContext());
    expect(result.failed, result.message).to.not.equal(true);
    expect(pb.requests.map((r) => r.path)).to.deep.equal(['/api/load-employees', '/api/load-org-units']);
    expect(pb.indexes.employees.size).to.be.greaterThan(10);
    const [uuid, employee] = [...pb.indexes.employees][0]! as [string, Record<string, unknown>];
    expect(employee).to.have.all.keys(
      'uuid',
      'surname',
      'givenname',
      'name',
      'engagements',
      'associations',
      'management',
      'addresses',
    );
    expect(employee.uuid).to.equal(uuid);
    expect(Object.keys(employee.addresses as object)).to.deep.equal([
      'DAR',
      'PHONE',
      'EMAIL',
      'EAN',
      'PNUMBER',
      'WWW',
    ]);
    const unit = [...pb.indexes.org_units.values()][0] as Record<string, unknown>;
    expect(unit).to.have.all.keys(
      'uuid',
      'name',
      'parent',
      'engagements',
      'associations',
      'management',
      'kles',
      'addresses',
    );
    const all = JSON.stringify([...pb.indexes.employees.values(), ...pb.indexes.org_units.values()]);
    expectNoCpr(fx, all);
    // Secret addresses (visibility SECRET) are never sent.
    const secretClass = fx.landmarks.classByKey.visibility!.SECRET!;
    const secretValues = fx.addresses.flatMap((a) =>
      a.validities.filter((v) => v.visibility === secretClass).map((v) => v.value),
    );
    expect(secretValues.length, 'fixture S has secret addresses').to.be.greaterThan(0);
    for (const v of secretValues) expect(all).to.not.include(JSON.stringify(v));
    expect(result.counters?.secret_addresses_left_out).to.be.greaterThan(0);
    // Every unit's parent is an exported unit or null.
    for (const u of pb.indexes.org_units.values()) {
      const parent = (u as { parent: string | null }).parent;
      if (parent !== null) expect(pb.indexes.org_units.has(parent)).to.equal(true);
    }
  });

  it('phonebook: a wrong password is one clear error naming the setting, and the units are not sent', async () => {
    let err: Error | undefined;
    try {
      await runPb(pbContext({ 'exporters.os2phonebook_basic_auth_pass': 'nope' }));
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.include('exporters.os2phonebook_basic_auth_pass');
    expect(err?.message).to.not.include('nope');
    expect(pb.requests.map((r) => r.path)).to.deep.equal(['/api/load-employees']);
  });

  it('phonebook: a 5xx is retried, and a failed employees load skips the units', async () => {
    pb.setFaults({ statuses: [502] });
    expect((await runPb(pbContext())).failed).to.not.equal(true);
    expect(pb.requests.map((r) => r.status)).to.deep.equal([502, 200, 200]);
    pb.requests.length = 0;
    pb.setFaults({ statuses: [500, 500, 500, 500, 500] });
    let err: Error | undefined;
    try {
      await runPb(pbContext());
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.match(/HTTP 500/);
    expect(pb.requests.every((r) => r.path === '/api/load-employees')).to.equal(true);
  });

  it('phonebook: dry run writes both bodies and calls nothing', async () => {
    const result = await runPb(pbContext({}, { dryRun: true }));
    expect(pb.requests).to.have.length(0);
    const dir = path.join(stateDir, 'dry-run', 'test-run', 'exports_os2phonebook_export');
    expect(result.outputs).to.deep.equal([
      path.join(dir, 'employees.json'),
      path.join(dir, 'org_units.json'),
    ]);
  });

  it('phonebook: the password has no default', () => {
    const ctx = makeJobContext('exports_os2phonebook_export', {}, { stateDir });
    const spec = exportsOs2phonebookExport.settings!.find(
      (s) => s.key === 'exporters.os2phonebook_basic_auth_pass',
    )!;
    expect(() => ctx.settings.value(spec)).to.throw('exporters.os2phonebook_basic_auth_pass: is required');
  });
});
