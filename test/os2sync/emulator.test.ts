import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { startOs2syncEmulator, type Os2syncEmulator } from '../emulators/os2sync/index.js';

const CVR = { CVR: '12345678', 'content-type': 'application/json' };
const UNIT = '22222222-2222-4222-8222-222222222222';
const USER = '33333333-3333-4333-8333-333333333333';

async function call(
  emu: Os2syncEmulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = CVR,
) {
  const res = await fetch(emu.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: res.status, body: json };
}

describe('os2sync emulator', () => {
  let emu: Os2syncEmulator;
  before(async () => {
    emu = await startOs2syncEmulator();
  });
  after(() => emu.stop());
  beforeEach(() => emu.reset());

  it('requires the CVR header, and ApiKey when configured', async () => {
    expect((await call(emu, 'GET', `/orgUnit/${UNIT}`, undefined, {})).status).to.equal(401);
    const keyed = await startOs2syncEmulator({ apiKey: 'k' });
    try {
      const r = await fetch(`${keyed.url}/orgUnit/${UNIT}`, { headers: { CVR: '1' } });
      expect(r.status).to.equal(401);
      const ok = await fetch(`${keyed.url}/orgUnit/${UNIT}`, { headers: { CVR: '1', ApiKey: 'k' } });
      expect(ok.status).to.equal(404);
    } finally {
      await keyed.stop();
    }
  });

  it('binds units case-insensitively, validates, echoes, GETs with Type/Timestamp, soft-deletes', async () => {
    expect((await call(emu, 'POST', '/orgUnit/', { uuid: UNIT })).body).to.equal('name is null');
    expect((await call(emu, 'POST', '/orgUnit', { Name: 'x' })).body).to.equal('uuid is null');
    const ok = await call(emu, 'POST', '/orgunit', {
      uuid: UNIT.toUpperCase(),
      name: 'Borgerservice',
      Bogus: 1,
    });
    expect(ok.status).to.equal(200);
    const got = await call(emu, 'GET', `/orgUnit/${UNIT}`);
    expect(got.body).to.include({
      Uuid: UNIT,
      Name: 'Borgerservice',
      Type: 'DEPARTMENT',
      ParentOrgUnitUuid: null,
    });
    expect(got.body).to.have.property('Timestamp');
    expect(got.body).not.to.have.property('Bogus');
    expect((await call(emu, 'DELETE', `/orgUnit/${UNIT}`)).status).to.equal(200);
    expect((await call(emu, 'GET', `/orgUnit/${UNIT}`)).status).to.equal(404);
    expect((await call(emu, 'DELETE', `/orgUnit/${USER}`)).status).to.equal(200); // unknown uuid still 200
    expect(emu.mutations()).to.deep.equal([
      'POST /api/orgUnit/',
      'POST /api/orgUnit',
      'POST /api/orgunit',
      `DELETE /api/orgUnit/${UNIT}`,
      `DELETE /api/orgUnit/${USER}`,
    ]);
  });

  it('validates users like OS2sync', async () => {
    const base = {
      Uuid: USER,
      UserId: 'jdoe',
      Person: { Name: 'Jens' },
      Positions: [{ Name: 'x', OrgUnitUuid: UNIT }],
    };
    expect((await call(emu, 'POST', '/user', { ...base, Person: undefined })).body).to.equal(
      'Person.Name is null or empty',
    );
    expect((await call(emu, 'POST', '/user', { ...base, Person: null })).status).to.equal(500);
    expect((await call(emu, 'POST', '/user', { ...base, UserId: '' })).body).to.equal(
      'UserId is null or empty',
    );
    expect((await call(emu, 'POST', '/user', { ...base, Positions: [] })).body).to.equal(
      'Positions is null or empty',
    );
    expect((await call(emu, 'POST', '/user', { ...base, Positions: [{ Name: 'x' }] })).body).to.equal(
      'Position Name or OrgUnitUUID is null',
    );
    expect((await call(emu, 'POST', '/user', base)).status).to.equal(200);
    expect(emu.state.users.get(USER)?.record.UserId).to.equal('jdoe');
  });

  it('serves the asynchronous hierarchy: id, 404 until ready, then 200 once', async () => {
    await call(emu, 'POST', '/orgUnit', { Uuid: UNIT, Name: 'A' });
    emu.setFaults({ hierarchyPollsUntilReady: 2 });
    const start = await call(emu, 'GET', '/hierarchy');
    const id = String(start.body);
    expect((await call(emu, 'GET', `/hierarchy/${id}`)).status).to.equal(404);
    expect((await call(emu, 'GET', `/hierarchy/${id}`)).status).to.equal(404);
    const done = await call(emu, 'GET', `/hierarchy/${id}`);
    expect(done.status).to.equal(200);
    expect(done.body).to.deep.include({ Status: 0 });
    expect((done.body as { Result: { OUs: unknown[] } }).Result.OUs).to.deep.equal([
      { Uuid: UNIT, Name: 'A', ParentOU: null },
    ]);
    expect((await call(emu, 'GET', `/hierarchy/${id}`)).status).to.equal(404);
    emu.setFaults({ hierarchyFailure: true, hierarchyPollsUntilReady: 0 });
    const failed = await call(
      emu,
      'GET',
      `/hierarchy/${String((await call(emu, 'GET', '/hierarchy')).body)}`,
    );
    expect(failed.body).to.deep.include({ Status: 1, Result: null });
  });

  it('injects 400 per uuid, 5xx from request N, dropped connections', async () => {
    emu.setFaults({ rejectUuids: { [UNIT]: 'FK says no' } });
    expect(await call(emu, 'POST', '/orgUnit', { Uuid: UNIT, Name: 'A' })).to.deep.equal({
      status: 400,
      body: 'FK says no',
    });
    emu.setFaults({ serverErrorFrom: { request: 2 } });
    expect((await call(emu, 'POST', '/orgUnit', { Uuid: UNIT, Name: 'A' })).status).to.equal(200);
    expect((await call(emu, 'POST', '/orgUnit', { Uuid: UNIT, Name: 'A' })).status).to.equal(503);
    emu.setFaults({ dropConnectionFrom: { request: 1 } });
    let error: unknown;
    try {
      await call(emu, 'GET', `/orgUnit/${UNIT}`);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(Error);
  });

  it('supports cleanup and all', async () => {
    await call(emu, 'POST', '/orgUnit', { Uuid: UNIT, Name: 'A' });
    expect((await call(emu, 'GET', '/orgUnit/all')).body).to.deep.equal([UNIT]);
    const res = await call(emu, 'POST', '/orgUnit/cleanup', [USER]);
    expect(res.body).to.deep.equal([USER]);
    expect((await call(emu, 'GET', '/orgUnit/all')).body).to.deep.equal([]);
  });

  it('runs from its CLI until SIGTERM', async function () {
    this.timeout(20_000);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve('test/emulators/os2sync/cli.ts'), '--cvr', '12345678'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = out.match(/os2sync\.api_url: (\S+)/);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const res = await fetch(`${url}/orgUnit`, {
      method: 'POST',
      body: JSON.stringify({ Uuid: UNIT, Name: 'A' }),
    });
    expect(res.status).to.equal(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
  });
});
