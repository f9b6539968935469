import { expect } from 'chai';
import Busboy from 'busboy';
import { Settings, SettingsError } from '../../orchestrator/settings-store.js';
import { createMoClient, type MoClient } from '../../jobs/clients/mo.js';
import type { GqlDocument } from '../../jobs/clients/gql.js';
import { closedPort, sendJson, startTinyServer, type TinyServer } from './tiny-server.js';
import { fakeMo } from './fake-mo.js';

// Plain objects, not defineQuery: test documents must not join the project's registry.
const PersonsPage: GqlDocument = {
  area: 'test',
  name: 'TestPersonsPage',
  source:
    'query TestPersonsPage($limit: int, $cursor: Cursor) { persons(limit: $limit, cursor: $cursor) { objects { uuid } page_info { next_cursor } } }',
};
const ByCpr: GqlDocument = {
  area: 'test',
  name: 'TestByCpr',
  source: 'query TestByCpr($cpr: CPR!) { persons(filter: {cpr_numbers: [$cpr]}) { objects { uuid } } }',
};

const FAST_RETRY = {
  'mora.retry.max_attempts': 3,
  'mora.retry.max_time': '5s',
  'mora.retry.base_delay': '5ms',
  'mora.retry.max_delay': '20ms',
};

function client(
  server: TinyServer,
  extra: Record<string, unknown> = {},
  env: Record<string, string> = {},
): MoClient {
  const settings = new Settings({ 'mora.base': server.url, ...FAST_RETRY, ...extra }, 'test');
  return createMoClient({ settings, env });
}

const AUTH_ENV = { CLIENT_ID: 'dipex', CLIENT_SECRET: 'hemmeligt', AUTH_SERVER: '' };

async function collect(c: MoClient, pageSize: number): Promise<{ uuids: string[]; pages: number }> {
  const uuids: string[] = [];
  let pages = 0;
  for await (const page of c.paged<{ uuid: string }>(PersonsPage, {}, { pageSize })) {
    pages++;
    uuids.push(...page.map((p) => p.uuid));
  }
  return { uuids, pages };
}

describe('MO client', () => {
  const servers: TinyServer[] = [];
  const clients: MoClient[] = [];
  async function serve(handler: Parameters<typeof startTinyServer>[0]): Promise<TinyServer> {
    const s = await startTinyServer(handler);
    servers.push(s);
    return s;
  }
  function track(c: MoClient): MoClient {
    clients.push(c);
    return c;
  }
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close();
  });

  describe('paging', () => {
    for (const pageSize of [1, 7, 500]) {
      it(`returns every object exactly once with page size ${pageSize}`, async () => {
        const mo = fakeMo({ objects: 23 });
        const server = await serve(mo.handler);
        const c = track(client(server));
        const { uuids } = await collect(c, pageSize);
        expect(uuids).to.have.length(23);
        expect(new Set(uuids).size).to.equal(23);
        expect(c.requestCount).to.equal(Math.ceil(23 / pageSize) + 1);
        const sent = JSON.parse(server.requests[0]!.body.toString()) as {
          variables: { limit: number; cursor: null };
        };
        expect(sent.variables).to.deep.equal({ limit: pageSize, cursor: null });
      });
    }

    it('uses mora.page_size by default and copes with an empty first page that has a cursor', async () => {
      const server = await serve(fakeMo({ objects: 0 }).handler);
      const c = track(client(server, { 'mora.page_size': 3 }));
      const { uuids, pages } = await collect(c, 3);
      expect(uuids).to.deep.equal([]);
      expect(pages).to.equal(0);
      expect(c.requestCount).to.equal(2);
    });

    it('posts to {mora.base}/graphql/v{mora.graphql_version}', async () => {
      const server = await serve(fakeMo({ objects: 1 }).handler);
      const c = track(client(server, { 'mora.graphql_version': 27 }));
      await collect(c, 10);
      expect(server.requests[0]!.url).to.equal('/graphql/v27');
      expect(c.endpoint).to.equal(`${server.url}/graphql/v27`);
    });

    it('refuses a document with more than one root field', async () => {
      const server = await serve((_req, res) => sendJson(res, 200, { data: { a: { objects: [] }, b: {} } }));
      const c = track(client(server));
      let err: Error | undefined;
      try {
        await collect(c, 5);
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).to.match(/TestPersonsPage: a paged document must have exactly one root field/);
    });
  });

  describe('authentication', () => {
    it('sends no Authorization header when CLIENT_ID is unset', async () => {
      const server = await serve(fakeMo({ objects: 2 }).handler);
      const c = track(client(server));
      await collect(c, 10);
      expect(server.requests.every((r) => r.headers.authorization === undefined)).to.equal(true);
      expect(c.tokenRequestCount).to.equal(0);
    });

    it('fetches one token and reuses it while valid', async () => {
      const mo = fakeMo({ objects: 5, auth: true });
      const server = await serve(mo.handler);
      const c = track(client(server, {}, { ...AUTH_ENV, AUTH_SERVER: server.url }));
      await collect(c, 2);
      expect(mo.tokensIssued).to.equal(1);
      expect(mo.tokensSeen.every((t) => t === 'tok-1')).to.equal(true);
      expect(server.requests[0]!.url).to.equal('/realms/mo/protocol/openid-connect/token');
    });

    it('reads credentials from settings and honours AUTH_REALM', async () => {
      const mo = fakeMo({ objects: 1, auth: true });
      const server = await serve(mo.handler);
      const c = track(
        client(
          server,
          {
            'crontab.CLIENT_ID': 'dipex',
            'crontab.CLIENT_SECRET': 'hemmeligt',
            'crontab.AUTH_SERVER': `${server.url}/auth`,
          },
          { AUTH_REALM: 'andeby' },
        ),
      );
      await collect(c, 5);
      expect(server.requests[0]!.url).to.equal('/auth/realms/andeby/protocol/openid-connect/token');
    });

    it('refreshes the token before it expires', async () => {
      const mo = fakeMo({ objects: 1, auth: true, expiresIn: 0.2 });
      const server = await serve(mo.handler);
      const c = track(client(server, {}, { ...AUTH_ENV, AUTH_SERVER: server.url }));
      await collect(c, 5);
      await new Promise((r) => setTimeout(r, 150));
      await collect(c, 5);
      expect(mo.tokensIssued).to.equal(2);
      expect(mo.tokensSeen.at(-1)).to.equal('tok-2');
    });

    it('refreshes once when MO answers HTTP 200 with data null and "Signature has expired"', async () => {
      const mo = fakeMo({ objects: 3, auth: true });
      const server = await serve(mo.handler);
      const c = track(client(server, {}, { ...AUTH_ENV, AUTH_SERVER: server.url }));
      await collect(c, 10);
      mo.revoked.add('tok-1');
      const { uuids } = await collect(c, 10);
      expect(uuids).to.have.length(3);
      expect(mo.tokensIssued).to.equal(2);
    });

    it('fails with one line when a fresh token is rejected too ("Not authenticated")', async () => {
      const server = await serve((req, res) => {
        if (req.url.includes('/token')) return sendJson(res, 200, { access_token: 'x', expires_in: 300 });
        sendJson(res, 200, { data: null, errors: [{ message: 'Not authenticated' }] });
      });
      const c = track(client(server, {}, { ...AUTH_ENV, AUTH_SERVER: server.url }));
      let err: Error | undefined;
      try {
        await collect(c, 5);
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).to.equal('TestPersonsPage: MO rejected a fresh token (Not authenticated)');
      expect(server.requests.filter((r) => r.url.includes('/token'))).to.have.length(2);
    });

    it('refreshes once on HTTP 401', async () => {
      let graphql = 0;
      const server = await serve((req, res) => {
        if (req.url.includes('/token'))
          return sendJson(res, 200, { access_token: `t${server.requests.length}`, expires_in: 300 });
        graphql++;
        if (graphql === 1) return sendJson(res, 401, { detail: 'expired' });
        sendJson(res, 200, { data: { persons: { objects: [], page_info: { next_cursor: null } } } });
      });
      const c = track(client(server, {}, { ...AUTH_ENV, AUTH_SERVER: server.url }));
      await collect(c, 5);
      expect(server.requests.filter((r) => r.url.includes('/token'))).to.have.length(2);
      expect(graphql).to.equal(2);
    });

    it('says MO needs credentials when it demands auth and CLIENT_ID is unset', async () => {
      const server = await serve(fakeMo({ auth: true }).handler);
      const c = track(client(server));
      const err = await c.query(PersonsPage, {}).catch((e: Error) => e);
      expect((err as Error).message).to.match(
        /TestPersonsPage: MO requires authentication \(Not authenticated\); set CLIENT_ID/,
      );
    });

    it('reports a rejected client secret in one line without the secret', async () => {
      const server = await serve(fakeMo({ auth: true }).handler);
      const c = track(
        client(server, {}, { ...AUTH_ENV, CLIENT_SECRET: 'forkert-hemmelighed', AUTH_SERVER: server.url }),
      );
      const err = (await c.query(PersonsPage, {}).catch((e: Error) => e)) as Error;
      expect(err.message).to.match(/Keycloak token request .*HTTP 401.*unauthorized_client/);
      expect(err.message).not.to.contain('forkert');
      expect(err.message).not.to.contain('\n');
    });

    it('names the missing setting when CLIENT_ID is set without AUTH_SERVER', () => {
      const settings = new Settings({ 'crontab.CLIENT_ID': 'dipex', 'crontab.CLIENT_SECRET': 'x' }, 'test');
      expect(() => createMoClient({ settings, env: {} })).to.throw(SettingsError, /crontab.AUTH_SERVER/);
    });
  });

  describe('retries', () => {
    it('retries 502, 503, 504 and 429, then succeeds', async () => {
      const statuses = [502, 503, 504, 429];
      const server = await serve((_req, res, n) => {
        if (n <= statuses.length) return sendJson(res, statuses[n - 1]!, { detail: 'busy' });
        sendJson(res, 200, { data: { persons: { objects: [], page_info: { next_cursor: null } } } });
      });
      const c = track(client(server, { 'mora.retry.max_attempts': 5 }));
      await c.query(PersonsPage, {});
      expect(server.requests).to.have.length(5);
    });

    it('gives up after mora.retry.max_attempts with the status in one line', async () => {
      const server = await serve((_req, res) => sendJson(res, 502, 'Bad Gateway'));
      const c = track(client(server));
      const err = (await c.query(PersonsPage, {}).catch((e: Error) => e)) as Error;
      expect(err.message).to.match(
        /^TestPersonsPage: HTTP 502 Bad Gateway \(gave up after 3 attempts in \d+ms\)$/,
      );
      expect(server.requests).to.have.length(3);
    });

    it('gives up when mora.retry.max_time is reached before max_attempts', async () => {
      const server = await serve((_req, res) => sendJson(res, 503, {}));
      const c = track(
        client(server, {
          'mora.retry.max_attempts': 100,
          'mora.retry.max_time': '150ms',
          'mora.retry.base_delay': '40ms',
          'mora.retry.max_delay': '40ms',
        }),
      );
      const started = Date.now();
      const err = (await c.query(PersonsPage, {}).catch((e: Error) => e)) as Error;
      expect(err.message).to.match(/HTTP 503/);
      expect(Date.now() - started).to.be.below(1000);
      // each delay is 20-40 ms (equal jitter on 40 ms), so 150 ms holds at most 1 + 150 / 20 = 8 attempts,
      // far below max_attempts
      expect(server.requests.length).to.be.within(2, 8);
    });

    it('times out a stalled request after mora.timeout and retries it', async () => {
      const server = await serve((_req, res, n) => {
        if (n === 1) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('{"data": ');
          return; // stalls halfway through the body
        }
        sendJson(res, 200, {
          data: { persons: { objects: [{ uuid: 'a' }], page_info: { next_cursor: null } } },
        });
      });
      const c = track(client(server, { 'mora.timeout': '100ms' }));
      const data = await c.query<{ persons: { objects: unknown[] } }>(PersonsPage, {});
      expect(data.persons.objects).to.have.length(1);
      expect(server.requests).to.have.length(2);
    });

    it('bounds retries of requests that always stall', async () => {
      const server = await serve(() => undefined);
      const c = track(client(server, { 'mora.timeout': '50ms' }));
      const err = (await c.query(PersonsPage, {}).catch((e: Error) => e)) as Error;
      expect(err.message).to.match(/^TestPersonsPage: timed out after 50ms \(gave up after 3 attempts/);
      expect(server.requests).to.have.length(3);
    });

    it('retries connection refused and then fails in one line', async () => {
      const port = await closedPort();
      const settings = new Settings({ 'mora.base': `http://127.0.0.1:${port}`, ...FAST_RETRY }, 'test');
      const c = track(createMoClient({ settings, env: {} }));
      const err = (await c.query(PersonsPage, {}).catch((e: Error) => e)) as Error;
      expect(err.message).to.match(/^TestPersonsPage: connection refused \(gave up after 3 attempts/);
      expect(c.requestCount).to.equal(3);
    });

    it('never retries a GraphQL validation error', async () => {
      const server = await serve((_req, res) =>
        sendJson(res, 200, {
          data: null,
          errors: [{ message: "Cannot query field 'cpr' on type 'Employee'." }],
        }),
      );
      const c = track(client(server));
      const err = (await c.query(PersonsPage, {}).catch((e: Error) => e)) as Error;
      expect(err.message).to.equal("TestPersonsPage: Cannot query field 'cpr' on type 'Employee'.");
      expect(server.requests).to.have.length(1);
    });

    for (const status of [400, 403, 404, 500]) {
      it(`never retries HTTP ${status}`, async () => {
        const server = await serve((_req, res) => sendJson(res, status, { detail: 'no' }));
        const c = track(client(server));
        const err = (await c.query(PersonsPage, {}).catch((e: Error) => e)) as Error;
        expect(err.message).to.match(new RegExp(`^TestPersonsPage: HTTP ${status}`));
        expect(server.requests).to.have.length(1);
      });
    }

    it('reports a garbage body in one line', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<html>\n<body>Proxy login</body>\n</html>');
      });
      const c = track(client(server));
      const err = (await c.query(PersonsPage, {}).catch((e: Error) => e)) as Error;
      expect(err.message).to.equal(
        'TestPersonsPage: HTTP 200 OK with a body that is not a GraphQL JSON response',
      );
    });

    it('stops at once when the signal aborts, without retrying', async () => {
      const server = await serve(() => undefined);
      const controller = new AbortController();
      const settings = new Settings(
        { 'mora.base': server.url, ...FAST_RETRY, 'mora.timeout': '10s' },
        'test',
      );
      const c = track(createMoClient({ settings, env: {}, signal: controller.signal }));
      setTimeout(() => controller.abort('cancelled'), 50);
      const started = Date.now();
      const err = (await c.query(PersonsPage, {}).catch((e: Error) => e)) as Error;
      expect(err.message).to.match(/aborted/);
      expect(Date.now() - started).to.be.below(2000);
      expect(server.requests).to.have.length(1);
    });
  });

  describe('error messages', () => {
    const cpr = '0101704321';
    it('never carry variables, even when MO echoes them', async () => {
      const server = await serve((req, res) => {
        const { variables } = JSON.parse(req.body.toString()) as { variables: { cpr: string } };
        sendJson(res, 200, {
          data: null,
          errors: [
            {
              message: `Variable '$cpr' got invalid value '${variables.cpr}'; Birthdate not ok for ${variables.cpr.slice(0, 6)}-${variables.cpr.slice(6)}`,
            },
          ],
        });
      });
      const c = track(client(server));
      const err = (await c.query(ByCpr, { cpr }).catch((e: Error) => e)) as Error;
      expect(err.message).to.match(/^TestByCpr: Variable '\$cpr' got invalid value/);
      expect(err.message).not.to.contain(cpr);
      expect(err.message).not.to.contain('010170');
    });

    it('never carry variables on HTTP errors', async () => {
      const server = await serve((req, res) => sendJson(res, 502, { detail: req.body.toString() }));
      const c = track(client(server));
      const err = (await c.query(ByCpr, { cpr }).catch((e: Error) => e)) as Error;
      expect(err.message).to.match(/^TestByCpr: HTTP 502/);
      expect(err.message).not.to.contain(cpr);
    });
  });

  describe('uploadFile', () => {
    it('sends the upload_file mutation as a GraphQL multipart request', async () => {
      const received: {
        fields: Record<string, string>;
        file?: { name: string; filename: string; content: string };
      } = { fields: {} };
      const server = await serve(async (req, res) => {
        await new Promise<void>((resolve, reject) => {
          const bb = Busboy({ headers: req.headers });
          bb.on('field', (name, value) => (received.fields[name] = value));
          bb.on('file', (name, stream, info) => {
            const chunks: Buffer[] = [];
            stream.on('data', (c: Buffer) => chunks.push(c));
            stream.on(
              'end',
              () =>
                (received.file = {
                  name,
                  filename: info.filename ?? '',
                  content: Buffer.concat(chunks).toString(),
                }),
            );
          });
          bb.on('close', resolve);
          bb.on('error', reject);
          bb.end(req.body);
        });
        sendJson(res, 200, { data: { upload_file: 'OK' } });
      });
      const c = track(client(server));
      await c.uploadFile('engagements.csv', Buffer.from('a;b\n1;2\n'));
      const operations = JSON.parse(received.fields.operations!) as {
        query: string;
        variables: Record<string, unknown>;
      };
      expect(operations.query).to.match(/upload_file\(file_store: EXPORTS, file: \$file, force: \$force\)/);
      expect(operations.variables).to.deep.equal({ file: null, force: true });
      expect(JSON.parse(received.fields.map!)).to.deep.equal({ '0': ['variables.file'] });
      expect(received.file).to.deep.equal({ name: '0', filename: 'engagements.csv', content: 'a;b\n1;2\n' });
    });

    it('fails with one line when MO refuses the upload', async () => {
      const server = await serve((_req, res) =>
        sendJson(res, 200, { data: null, errors: [{ message: 'File already exists' }] }),
      );
      const c = track(client(server));
      const err = (await c.uploadFile('x.csv', Buffer.from('x')).catch((e: Error) => e)) as Error;
      expect(err.message).to.equal('UploadFile x.csv: File already exists');
    });
  });

  it('keeps at most mora.max_in_flight requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const server = await serve(async (_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      sendJson(res, 200, { data: { persons: { objects: [], page_info: { next_cursor: null } } } });
    });
    const c = track(client(server, { 'mora.max_in_flight': 2 }));
    await Promise.all(Array.from({ length: 8 }, () => c.query(PersonsPage, {})));
    expect(peak).to.equal(2);
    expect(server.requests).to.have.length(8);
  });
});
