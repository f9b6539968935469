import { expect } from 'chai';
import { generateFixture } from '../../fixtures/generate.js';
import { startMoEmulator, type MoEmulator } from './index.js';
import { gql } from './test-client.js';

const fixture = generateFixture({ size: 'S', seed: 11, today: '2026-11-23' });
const AUTH = { clientId: 'dipex', clientSecret: 'hemmelig', tokenLifetimeSeconds: 120 };

async function token(mo: MoEmulator, secret = AUTH.clientSecret, realm = 'mo'): Promise<Response> {
  return fetch(`${mo.authServer}/realms/${realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: AUTH.clientId,
      client_secret: secret,
    }),
  });
}

describe('MO emulator: Keycloak auth as real MO answers it', function () {
  let mo: MoEmulator;
  before(async () => {
    mo = await startMoEmulator({ fixture, auth: AUTH });
  });
  after(() => mo.stop());

  it('issues a token for the right client credentials with the configured lifetime; 401 otherwise, 404 for another realm', async () => {
    const ok = await token(mo);
    expect(ok.status).to.equal(200);
    const body = (await ok.json()) as { access_token: string; expires_in: number; token_type: string };
    expect(body.expires_in).to.equal(120);
    expect(body.token_type).to.equal('Bearer');
    const reply = await gql(mo.graphqlUrl, '{ org { uuid } }', undefined, body.access_token);
    expect(reply.body).to.deep.equal({ data: { org: { uuid: fixture.organisation.uuid } } });
    expect((await token(mo, 'wrong')).status).to.equal(401);
    expect((await token(mo, AUTH.clientSecret, 'other')).status).to.equal(404);
  });

  it('no token: HTTP 200, data null, one "Not authenticated" error per root field (by alias)', async () => {
    const reply = await gql(mo.graphqlUrl, '{ org { uuid } units: org_units { objects { uuid } } }');
    expect(reply.status).to.equal(200);
    expect(reply.body.data).to.equal(null);
    expect(
      reply.body.errors.map((e: { message: string; path: string[] }) => [e.message, e.path]),
    ).to.deep.equal([
      ['Not authenticated', ['org']],
      ['Not authenticated', ['units']],
    ]);
  });

  it('export downloads need a token when auth is on', async () => {
    expect((await fetch(`${mo.url}/service/exports/x.csv`)).status).to.equal(401);
    const withToken = await fetch(`${mo.url}/service/exports/x.csv`, {
      headers: { authorization: `Bearer ${mo.issueToken()}` },
    });
    expect(withToken.status).to.equal(404);
  });

  it('validation comes before authentication (MO checks auth per root field while executing)', async () => {
    const reply = await gql(mo.graphqlUrl, '{ org { no_such_field } }');
    expect(reply.status).to.equal(200);
    expect(reply.body.errors[0].message).to.match(/no_such_field/);
  });

  it('an expired token gives "Signature has expired", a forged one "Signature verification failed"', async () => {
    const expired = await gql(mo.graphqlUrl, '{ org { uuid } }', undefined, mo.issueToken(-5));
    expect(expired.status).to.equal(200);
    expect(expired.body).to.deep.include({ data: null });
    expect(expired.body.errors[0].message).to.equal('Signature has expired');
    const valid = mo.issueToken();
    const forged = valid.slice(0, -4) + (valid.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const bad = await gql(mo.graphqlUrl, '{ org { uuid } }', undefined, forged);
    expect(bad.body.errors[0].message).to.equal('Signature verification failed');
  });

  it('advanceClock lets a token expire; rotateSigningKey invalidates every earlier token', async () => {
    const t = mo.issueToken(60);
    expect((await gql(mo.graphqlUrl, '{ org { uuid } }', undefined, t)).body.data.org.uuid).to.equal(
      fixture.organisation.uuid,
    );
    mo.advanceClock(61);
    expect((await gql(mo.graphqlUrl, '{ org { uuid } }', undefined, t)).body.errors[0].message).to.equal(
      'Signature has expired',
    );
    const fresh = mo.issueToken();
    mo.rotateSigningKey();
    expect((await gql(mo.graphqlUrl, '{ org { uuid } }', undefined, fresh)).body.errors[0].message).to.equal(
      'Signature verification failed',
    );
  });
});

describe('MO emulator: HTTP behaviour, faults, counters and uploads', function () {
  let mo: MoEmulator;
  before(async () => {
    mo = await startMoEmulator({ fixture });
  });
  after(() => mo.stop());
  beforeEach(() => {
    mo.setFaults({});
    mo.reset();
  });

  it('serves only /graphql/v29; an unparsable body is HTTP 400; an invalid query HTTP 200 with errors', async () => {
    expect((await gql(`${mo.url}/graphql/v22`, '{ org { uuid } }')).status).to.equal(404);
    const raw = await fetch(mo.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(raw.status).to.equal(400);
    const invalid = await gql(mo.graphqlUrl, '{ org_units { objects { no_such_field } } }');
    expect(invalid.status).to.equal(200);
    expect(invalid.body.data).to.equal(null);
    expect(invalid.body.errors[0].message).to.match(/no_such_field/);
    const syntax = await gql(mo.graphqlUrl, '{ org_units { ');
    expect(syntax.status).to.equal(200);
    expect(syntax.body.errors[0].message).to.match(/Syntax Error/);
  });

  it('a query text sent again (its checked document cached) answers as the first time, with its own variables', async () => {
    const invalid = '{ org_units { objects { no_such_field } } }';
    const syntax = '{ org_units { ';
    const q = 'query One($u: [UUID!]) { org_units(filter: { uuids: $u }) { objects { uuid } } }';
    const [a, b] = fixture.org_units.map((u) => u.uuid);
    for (let round = 0; round < 2; round++) {
      expect((await gql(mo.graphqlUrl, invalid)).body.errors[0].message).to.match(/no_such_field/);
      expect((await gql(mo.graphqlUrl, syntax)).body.errors[0].message).to.match(/Syntax Error/);
      expect((await gql(mo.graphqlUrl, q, { u: [a] })).body.data.org_units.objects).to.deep.equal([
        { uuid: a },
      ]);
      expect((await gql(mo.graphqlUrl, q, { u: [b] })).body.data.org_units.objects).to.deep.equal([
        { uuid: b },
      ]);
    }
    expect(mo.requestLog.map((r) => r.outcome)).to.deep.equal([
      ...['invalid', 'invalid', 'ok', 'ok'],
      ...['invalid', 'invalid', 'ok', 'ok'],
    ]);
  });

  it('the failure rate picks the same requests for the same seed', async () => {
    const statuses = async (): Promise<number[]> => {
      mo.reset();
      mo.setFaults({ failureRate: 0.3, seed: 7 });
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await gql(mo.graphqlUrl, '{ org { uuid } }')).status);
      return out;
    };
    const first = await statuses();
    const second = await statuses();
    expect(first).to.deep.equal(second);
    expect(first.filter((s) => s === 502).length).to.be.within(3, 18);
    expect(first.filter((s) => s === 200).length).to.be.greaterThan(10);
    expect(mo.counters.byStatus[502]).to.equal(first.filter((s) => s === 502).length);
  });

  it('stalls, HTTP 500 and garbage on chosen request numbers', async () => {
    mo.setFaults({ stallRequests: [1], http500Requests: [2], garbageRequests: [3] });
    let stalled = false;
    try {
      await gql(mo.graphqlUrl, '{ org { uuid } }', undefined, undefined, AbortSignal.timeout(300));
    } catch (e) {
      stalled = (e as Error).name === 'TimeoutError';
    }
    expect(stalled).to.equal(true);
    expect((await gql(mo.graphqlUrl, '{ org { uuid } }')).status).to.equal(500);
    const garbage = await gql(mo.graphqlUrl, '{ org { uuid } }');
    expect(garbage.status).to.equal(200);
    expect(garbage.body).to.equal(null);
    expect(() => JSON.parse(garbage.text)).to.throw();
    expect((await gql(mo.graphqlUrl, '{ org { uuid } }')).body.data.org.uuid).to.equal(
      fixture.organisation.uuid,
    );
    expect(mo.requestLog.map((r) => r.outcome)).to.deep.equal([
      'fault:stall',
      'fault:http500',
      'fault:garbage',
      'ok',
    ]);
  });

  it('latency delays answers: a client timeout shorter than the latency fires, a longer one does not', async () => {
    mo.setFaults({ latencyMs: 400 });
    let timedOut = false;
    try {
      await gql(mo.graphqlUrl, '{ org { uuid } }', undefined, undefined, AbortSignal.timeout(50));
    } catch (e) {
      timedOut = (e as Error).name === 'TimeoutError';
    }
    expect(timedOut).to.equal(true);
    const slow = await gql(
      mo.graphqlUrl,
      '{ org { uuid } }',
      undefined,
      undefined,
      AbortSignal.timeout(15000),
    );
    expect(slow.body.data.org.uuid).to.equal(fixture.organisation.uuid);
  });

  it('any HTTP status on chosen requests (e.g. 401, 429, 503)', async () => {
    mo.setFaults({ httpStatusRequests: { 1: 401, 2: 429, 3: 503 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await gql(mo.graphqlUrl, '{ org { uuid } }')).status);
    expect(statuses).to.deep.equal([401, 429, 503, 200]);
  });

  it('a GraphQL error on the 2nd page of engagements, and counters per root field', async () => {
    mo.setFaults({ fieldErrors: [{ field: 'engagements', call: 2, message: 'boom' }] });
    const q =
      'query Eng($c: Cursor) { engagements(limit: 10, cursor: $c) { objects { uuid } page_info { next_cursor } } }';
    const p1 = await gql(mo.graphqlUrl, q);
    expect(p1.body.data.engagements.objects).to.have.length(10);
    const p2 = await gql(mo.graphqlUrl, q, { c: p1.body.data.engagements.page_info.next_cursor });
    expect(p2.status).to.equal(200);
    expect(p2.body.data).to.equal(null);
    expect(p2.body.errors[0]).to.include({ message: 'boom' });
    expect(p2.body.errors[0].path).to.deep.equal(['engagements']);
    const p3 = await gql(mo.graphqlUrl, q, { c: p1.body.data.engagements.page_info.next_cursor });
    expect(p3.body.data.engagements.objects).to.have.length(10);
    expect(mo.counters.byField.engagements).to.equal(3);
    expect(mo.counters.total).to.equal(3);
    expect(mo.requestLog.map((r) => r.operationName)).to.deep.equal(['Eng', 'Eng', 'Eng']);
  });

  it('the request log never holds variables (CPR numbers)', async () => {
    const cpr = fixture.persons.find(
      (p) => p.validities[0]?.cpr_number && !fixture.landmarks.fictiveCprPersons.includes(p.uuid),
    )?.validities[0]?.cpr_number as string;
    await gql(
      mo.graphqlUrl,
      'query ByCpr($c: [CPR!]) { persons(filter: {cpr_numbers: $c}) { objects { uuid } } }',
      { c: [cpr] },
    );
    expect(mo.requestLog).to.have.length(1);
    expect(JSON.stringify(mo.requestLog)).to.not.include(cpr);
  });

  it('upload_file: a multipart request stores the file; without force an existing file is refused', async () => {
    const upload = async (
      force: boolean,
    ): Promise<{ status: number; body: { data: unknown; errors?: Array<{ message: string }> } }> => {
      const form = new FormData();
      form.append(
        'operations',
        JSON.stringify({
          query: `mutation Up($file: Upload!) { upload_file(file_store: EXPORTS, file: $file, force: ${force}) }`,
          variables: { file: null },
        }),
      );
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      form.append(
        '0',
        new Blob([Buffer.from('Navn;Enhed\r\nAnders And;Andeby\r\n')], { type: 'text/csv' }),
        'rapport æøå.csv',
      );
      const res = await fetch(mo.graphqlUrl, { method: 'POST', body: form });
      return { status: res.status, body: (await res.json()) as never };
    };
    const first = await upload(true);
    expect(first.body).to.deep.equal({ data: { upload_file: 'OK' } });
    expect(mo.uploads.get('rapport æøå.csv')?.toString('utf8')).to.equal(
      'Navn;Enhed\r\nAnders And;Andeby\r\n',
    );
    const again = await upload(false);
    expect(again.body.errors?.[0]?.message).to.match(/already exists/);
    const download = await fetch(`${mo.url}/service/exports/${encodeURIComponent('rapport æøå.csv')}`);
    expect(download.status).to.equal(200);
    expect(Buffer.from(await download.arrayBuffer()).toString('utf8')).to.equal(
      'Navn;Enhed\r\nAnders And;Andeby\r\n',
    );
    expect((await fetch(`${mo.url}/service/exports/missing.csv`)).status).to.equal(404);
    const broken = await fetch(mo.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x\r\nnonsense',
    });
    expect(broken.status).to.equal(400);
  });
});
