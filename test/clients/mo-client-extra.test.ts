/** TLS verification, Retry-After and Keycloak retries of the MO client. */
import zlib from 'node:zlib';
import { expect } from 'chai';
import { Settings } from '../../orchestrator/settings-store.js';
import { createMoClient } from '../../jobs/clients/mo.js';
import { retryAfterMs } from '../../jobs/clients/http.js';
import type { GqlDocument } from '../../jobs/clients/gql.js';
import { sendJson, startSelfSignedServer, startTinyServer, type TinyServer } from './tiny-server.js';

const Ping: GqlDocument = { area: 'test', name: 'Ping', source: 'query Ping { version { mo_version } }' };
const FAST = { 'mora.retry.max_attempts': 3, 'mora.retry.base_delay': '5ms', 'mora.retry.max_delay': '2s' };

describe('MO client: TLS, Retry-After, Keycloak retries', () => {
  let server: TinyServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  describe('TLS', () => {
    let tls: Awaited<ReturnType<typeof startSelfSignedServer>>;
    let url: string;
    before(async () => {
      tls = await startSelfSignedServer((_req, res) =>
        sendJson(res, 200, { data: { version: { mo_version: '29.0.0' } } }),
      );
      url = tls.url;
    });
    after(() => tls.close());

    it('refuses a certificate it cannot verify, without retrying', async () => {
      const c = createMoClient({ settings: new Settings({ 'mora.base': url, ...FAST }, 't'), env: {} });
      const err = (await c.query(Ping).catch((e: Error) => e)) as Error;
      c.close();
      expect(err.message).to.equal('Ping: TLS error (DEPTH_ZERO_SELF_SIGNED_CERT)');
      expect(c.requestCount).to.equal(1);
    });

    it('accepts it with mora.ca_verify false', async () => {
      const c = createMoClient({
        settings: new Settings({ 'mora.base': url, 'mora.ca_verify': false }, 't'),
        env: {},
      });
      const data = await c.query<{ version: { mo_version: string } }>(Ping);
      c.close();
      expect(data.version.mo_version).to.equal('29.0.0');
    });
  });

  it('retries an answer cut off mid-body, then fails in one line naming it', async () => {
    const body = JSON.stringify({ data: { version: { mo_version: '29.0.0' } } });
    server = await startTinyServer((_req, res, n) => {
      if (n === 2) return sendJson(res, 200, JSON.parse(body));
      // headers promise the whole body; half of it arrives, then the connection drops
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.write(body.slice(0, body.length / 2));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const settings = { 'mora.base': server.url, ...FAST };
    const c = createMoClient({ settings: new Settings(settings, 't'), env: {} });
    const data = await c.query<{ version: { mo_version: string } }>(Ping);
    expect(data.version.mo_version).to.equal('29.0.0');
    expect(c.requestCount).to.equal(2);
    c.close();

    const once = createMoClient({
      settings: new Settings({ ...settings, 'mora.retry.max_attempts': 1 }, 't'),
      env: {},
    });
    const err = (await once.query(Ping).catch((e: Error) => e)) as Error;
    once.close();
    expect(err.message).to.match(/^Ping: connection (closed by server|reset)/);
    expect(err.message.split('\n')).to.have.length(1);
  });

  it('asks for compressed answers and reads gzip, deflate and br, also page bytes; a corrupt one is retried', async () => {
    const Units: GqlDocument = {
      area: 'test',
      name: 'Units',
      source:
        'query Units($limit: int, $cursor: Cursor) { org_units(limit: $limit, cursor: $cursor) { page_info { next_cursor } objects { uuid } } }',
    };
    const encodings = ['gzip', 'deflate', 'br'] as const;
    const compress = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync };
    server = await startTinyServer((req, res, n) => {
      const encoding = encodings[(n - 1) % 3]!;
      const cursor = (JSON.parse(req.body.toString()) as { variables: { cursor: string | null } }).variables
        .cursor;
      const page =
        cursor === null ? { next_cursor: 'c1', uuids: ['a', 'b'] } : { next_cursor: null, uuids: [] };
      const json = JSON.stringify({
        data: {
          org_units: {
            page_info: { next_cursor: page.next_cursor },
            objects: page.uuids.map((uuid) => ({ uuid })),
          },
        },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      res.end(compress[encoding](Buffer.from(json)));
    });
    const c = createMoClient({ settings: new Settings({ 'mora.base': server.url, ...FAST }, 't'), env: {} });
    const bodies: string[] = [];
    for await (const bytes of c.pagedBytes(Units)) bodies.push(bytes.toString('utf8'));
    const all: unknown[] = [];
    for await (const page of c.paged(Units)) all.push(...page);
    c.close();
    expect(JSON.parse(bodies[0]!).data.org_units.objects).to.deep.equal([{ uuid: 'a' }, { uuid: 'b' }]);
    expect(bodies).to.have.length(2);
    expect(all).to.deep.equal([{ uuid: 'a' }, { uuid: 'b' }]);
    expect(server.requests[0]!.headers['accept-encoding']).to.match(/gzip/);

    await server.close();
    server = await startTinyServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end('this is not gzip');
    });
    const bad = createMoClient({
      settings: new Settings({ 'mora.base': server.url, ...FAST }, 't'),
      env: {},
    });
    const err = (await bad.query(Ping).catch((e: Error) => e)) as Error;
    bad.close();
    expect(err.message).to.match(
      /^Ping: the compressed answer could not be read \(Z_DATA_ERROR\) \(gave up after 3 attempts/,
    );
    expect(bad.requestCount).to.equal(3);
  });

  /** The first answer is `status` with `Retry-After: retryAfter()`, the second a success; the request times. */
  async function retriedAfter(status: number, retryAfter: () => string): Promise<number[]> {
    const times: number[] = [];
    server = await startTinyServer((_req, res, n) => {
      times.push(Date.now());
      if (n === 1) {
        res.writeHead(status, { 'Retry-After': retryAfter(), 'Content-Type': 'application/json' });
        res.end('{}');
        return;
      }
      sendJson(res, 200, { data: { version: { mo_version: '29' } } });
    });
    const c = createMoClient({ settings: new Settings({ 'mora.base': server.url, ...FAST }, 't'), env: {} });
    await c.query(Ping);
    c.close();
    return times;
  }

  it('waits at least Retry-After seconds after a 429', async () => {
    const times = await retriedAfter(429, () => '1');
    expect(times).to.have.length(2);
    expect(times[1]! - times[0]!).to.be.at.least(950);
  });

  it('waits until a Retry-After given as an HTTP date after a 503', async () => {
    // whole seconds: the date is at least 1 s ahead
    const times = await retriedAfter(503, () =>
      new Date((Math.floor(Date.now() / 1000) + 2) * 1000).toUTCString(),
    );
    expect(times).to.have.length(2);
    expect(times[1]! - times[0]!).to.be.at.least(950);
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores anything else', () => {
    const now = Date.parse('2026-12-02T13:00:00Z');
    expect(retryAfterMs('120', now)).to.equal(120_000);
    expect(retryAfterMs(' 3 ', now)).to.equal(3000);
    expect(retryAfterMs('Wed, 02 Dec 2026 13:00:30 GMT', now)).to.equal(30_000);
    expect(retryAfterMs('Wed, 02 Dec 2026 12:59:00 GMT', now), 'a date already passed').to.equal(0);
    for (const junk of ['soon', '2026-12-02T13:00:30Z', '-5', '1.5', 'Wed, 99 Foo 2026 GMT', ''])
      expect(retryAfterMs(junk, now), junk).to.equal(undefined);
    expect(retryAfterMs(undefined, now)).to.equal(undefined);
  });

  it('retries a Keycloak 503 and then authenticates', async () => {
    let tokenCalls = 0;
    server = await startTinyServer((req, res) => {
      if (req.url.endsWith('/token')) {
        tokenCalls++;
        if (tokenCalls === 1) return sendJson(res, 503, { error: 'temporarily_unavailable' });
        return sendJson(res, 200, { access_token: 'tok', expires_in: 300 });
      }
      if (req.headers.authorization !== 'Bearer tok')
        return sendJson(res, 200, { data: null, errors: [{ message: 'Not authenticated' }] });
      sendJson(res, 200, { data: { version: { mo_version: '29' } } });
    });
    const env = { CLIENT_ID: 'dipex', CLIENT_SECRET: 's', AUTH_SERVER: server.url };
    const c = createMoClient({ settings: new Settings({ 'mora.base': server.url, ...FAST }, 't'), env });
    await c.query(Ping);
    c.close();
    expect(tokenCalls).to.equal(2);
    expect(c.tokenRequestCount).to.equal(2);
  });

  it('reports a Keycloak answer without access_token in one line', async () => {
    server = await startTinyServer((req, res) => sendJson(res, 200, { token_type: 'Bearer' }));
    const env = { CLIENT_ID: 'dipex', CLIENT_SECRET: 's', AUTH_SERVER: server.url };
    const c = createMoClient({ settings: new Settings({ 'mora.base': server.url, ...FAST }, 't'), env });
    const err = (await c.query(Ping).catch((e: Error) => e)) as Error;
    c.close();
    expect(err.message).to.equal(
      `Ping: Keycloak token request to ${server.url}/realms/mo/protocol/openid-connect/token: response has no access_token`,
    );
  });
});
