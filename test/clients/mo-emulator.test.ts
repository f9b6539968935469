/** The MO client against the MO emulator (real v29 shapes, MO's paging and auth behaviour, injected faults). */
import { expect } from 'chai';
import { Settings } from '../../orchestrator/settings-store.js';
import { createMoClient, type MoClient } from '../../jobs/clients/mo.js';
import type { GqlDocument } from '../../jobs/clients/gql.js';
import { generateFixture, type Fixture } from '../fixtures/generate.js';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';

const Persons: GqlDocument = {
  area: 'test',
  name: 'EmuPersons',
  source: `query EmuPersons($limit: int, $cursor: Cursor) {
  persons(limit: $limit, cursor: $cursor) { objects { uuid } page_info { next_cursor } }
}`,
};
const ByCpr: GqlDocument = {
  area: 'test',
  name: 'EmuByCpr',
  source: `query EmuByCpr($cpr: CPR!) { persons(filter: {cpr_numbers: [$cpr]}) { objects { uuid } } }`,
};

const AUTH = { clientId: 'dipex', clientSecret: 'hemmeligt' };
const FAST_RETRY = {
  'mora.retry.max_attempts': 4,
  'mora.retry.max_time': '10s',
  'mora.retry.base_delay': '5ms',
  'mora.retry.max_delay': '20ms',
};

describe('MO client against the MO emulator', function () {
  this.timeout(30_000);
  let fixture: Fixture;
  let mo: MoEmulator | undefined;
  const clients: MoClient[] = [];

  before(() => {
    fixture = generateFixture({ size: 'S', seed: 11 });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await mo?.stop();
    mo = undefined;
  });

  function client(emulator: MoEmulator, extra: Record<string, unknown> = {}, withAuth = false): MoClient {
    const settings = new Settings({ 'mora.base': emulator.url, ...FAST_RETRY, ...extra }, 'test');
    const env = withAuth
      ? { CLIENT_ID: AUTH.clientId, CLIENT_SECRET: AUTH.clientSecret, AUTH_SERVER: emulator.authServer }
      : {};
    const c = createMoClient({ settings, env });
    clients.push(c);
    return c;
  }

  async function allUuids(c: MoClient, pageSize?: number): Promise<string[]> {
    const uuids: string[] = [];
    for await (const page of c.paged<{ uuid: string }>(Persons, {}, pageSize ? { pageSize } : {}))
      uuids.push(...page.map((p) => p.uuid));
    return uuids;
  }

  for (const pageSize of [1, 7, 500]) {
    it(`returns every person exactly once with page size ${pageSize}`, async () => {
      mo = await startMoEmulator({ fixture });
      const c = client(mo);
      const uuids = await allUuids(c, pageSize);
      expect(uuids.length).to.be.above(250);
      expect(new Set(uuids).size).to.equal(uuids.length);
      const currentPersons = fixture.persons.filter((p) =>
        p.validities.some(
          (v) => (v.from === null || v.from <= fixture.today) && (v.to === null || v.to >= fixture.today),
        ),
      );
      expect(new Set(uuids)).to.deep.equal(new Set(currentPersons.map((p) => p.uuid)));
      expect(c.requestCount).to.equal(Math.ceil(uuids.length / pageSize) + 1);
    });
  }

  it('authenticates with Keycloak client credentials and reuses the token', async () => {
    mo = await startMoEmulator({ fixture, auth: AUTH });
    const c = client(mo, { 'mora.page_size': 100 }, true);
    const uuids = await allUuids(c);
    expect(uuids.length).to.be.above(250);
    expect(c.tokenRequestCount).to.equal(1);
    expect(mo.counters.tokens).to.equal(1);
  });

  it('gets MO\'s HTTP 200 "Not authenticated" without credentials and says to set CLIENT_ID', async () => {
    mo = await startMoEmulator({ fixture, auth: AUTH });
    const err = (await client(mo)
      .query(Persons, { limit: 1 })
      .catch((e: Error) => e)) as Error;
    expect(err.message).to.equal('EmuPersons: MO requires authentication (Not authenticated); set CLIENT_ID');
  });

  it('refreshes the token once when MO rejects it (signing key rotated: "Signature verification failed")', async () => {
    mo = await startMoEmulator({ fixture, auth: AUTH });
    const port = Number(new URL(mo.url).port);
    const c = client(mo, { 'mora.page_size': 100 }, true);
    await allUuids(c);
    await mo.stop();
    mo = await startMoEmulator({ fixture, auth: AUTH, port });
    const uuids = await allUuids(c);
    expect(uuids.length).to.be.above(250);
    expect(c.tokenRequestCount).to.equal(2);
    expect(mo.requestLog.filter((r) => r.outcome !== 'ok').length).to.equal(1);
  });

  it('refreshes a short-lived token before it expires', async () => {
    // 3 s: refreshed after half of it (1.5 s); a 1 s token could expire at MO during the first query on a busy
    // machine, which then counted a third token request
    mo = await startMoEmulator({ fixture, auth: { ...AUTH, tokenLifetimeSeconds: 3 } });
    const c = client(mo, {}, true);
    await c.query(Persons, { limit: 1 });
    await new Promise((r) => setTimeout(r, 1600));
    await c.query(Persons, { limit: 1 });
    expect(c.tokenRequestCount).to.equal(2);
    expect(mo.requestLog.every((r) => r.status === 200 && r.outcome === 'ok')).to.equal(true);
  });

  it('retries injected 502s and a stalled request and still returns every person once', async () => {
    mo = await startMoEmulator({ fixture, http502Requests: [1, 3, 4], stallRequests: [6] });
    const c = client(mo, { 'mora.timeout': '300ms' });
    const uuids = await allUuids(c, 50);
    expect(new Set(uuids).size).to.equal(uuids.length);
    expect(uuids.length).to.be.above(250);
    expect(c.requestCount).to.equal(Math.ceil(uuids.length / 50) + 1 + 4);
  });

  it('does not retry a validation error', async () => {
    mo = await startMoEmulator({ fixture });
    const c = client(mo);
    const bad: GqlDocument = {
      area: 'test',
      name: 'EmuBad',
      source: 'query EmuBad { persons { objects { cpr } } }',
    };
    const err = (await c.query(bad).catch((e: Error) => e)) as Error;
    expect(err.message).to.match(/^EmuBad: Cannot query field "cpr"/);
    expect(c.requestCount).to.equal(1);
  });

  it('keeps a CPR number in a variable out of the error message', async () => {
    mo = await startMoEmulator({ fixture });
    const c = client(mo);
    const fictive = '6101701234'; // day + 60: MO's cpr_numbers filter rejects it ("Birthdate not ok")
    const rejected = (await c.query(ByCpr, { cpr: fictive }).catch((e: Error) => e)) as Error;
    expect(rejected).to.be.instanceOf(Error);
    expect(rejected.message).to.match(/^EmuByCpr: /);
    expect(rejected.message).not.to.contain(fictive).and.not.to.contain(fictive.slice(0, 6));
    mo.setFaults({
      http502Requests: [
        mo.counters.total + 1,
        mo.counters.total + 2,
        mo.counters.total + 3,
        mo.counters.total + 4,
      ],
    });
    const err = (await c.query(ByCpr, { cpr: '0101704321' }).catch((e: Error) => e)) as Error;
    expect(err.message).to.match(/^EmuByCpr: HTTP 502/);
    expect(err.message).not.to.contain('0101704321');
  });

  it('uploads a file with upload_file (multipart)', async () => {
    mo = await startMoEmulator({ fixture, auth: AUTH });
    const c = client(mo, {}, true);
    await c.uploadFile('Andeby engagementer.csv', Buffer.from('uuid;navn\n1;Anders And\n'));
    expect(mo.uploads.get('Andeby engagementer.csv')?.toString()).to.equal('uuid;navn\n1;Anders And\n');
  });
});
