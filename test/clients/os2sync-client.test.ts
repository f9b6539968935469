/**
 * The OS2sync client on node:http (requestBytes): what travels (method, headers, body), answers read whole
 * however they come (chunked, gzip), its deadline and the job's AbortSignal, and TLS verification.
 */
import { expect } from 'chai';
import zlib from 'node:zlib';
import {
  Os2syncRequestFailedError,
  Os2syncUnavailableError,
  createOs2syncClient,
} from '../../jobs/clients/os2sync.js';
import { startSelfSignedServer, startTinyServer, type TinyServer } from './tiny-server.js';

const client = (
  url: string,
  opts: { timeoutMs?: number; maxAttempts?: number; signal?: AbortSignal; caVerify?: boolean } = {},
) =>
  createOs2syncClient({
    baseUrl: `${url}/api`,
    cvr: '29189846',
    apiKey: 'secret-key',
    timeoutMs: opts.timeoutMs ?? 5000,
    retry: { maxAttempts: opts.maxAttempts ?? 3, baseDelayMs: 10, maxTimeMs: 30_000 },
    signal: opts.signal,
    caVerify: opts.caVerify,
  });

describe('OS2sync client on node:http', function () {
  this.timeout(20_000);
  let server: TinyServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends JSON with its length on POST; no body and no Content-Length on GET and DELETE', async () => {
    server = await startTinyServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"Uuid":"u"}');
    });
    const c = client(server.url);
    await c.request('POST', '/user', { Uuid: 'u', Name: 'Æble Øst' });
    await c.request('GET', '/orgUnit/u');
    await c.request('DELETE', '/user/u');
    const [post, get, del] = server.requests;
    expect(post!.method).to.equal('POST');
    expect(post!.url).to.equal('/api/user');
    expect(JSON.parse(post!.body.toString('utf8'))).to.deep.equal({ Uuid: 'u', Name: 'Æble Øst' });
    expect(post!.headers['content-type']).to.equal('application/json');
    expect(Number(post!.headers['content-length'])).to.equal(post!.body.length);
    expect(post!.headers).to.include({ cvr: '29189846', apikey: 'secret-key' });
    for (const r of [get!, del!]) {
      expect(r.body.length).to.equal(0);
      expect(r.headers).to.not.have.property('content-length');
      expect(r.headers).to.not.have.property('content-type');
    }
    expect([get!.method, del!.method]).to.deep.equal(['GET', 'DELETE']);
    expect(c.sent).to.equal(3);
  });

  it('reads chunked and gzip-compressed answers whole; a plain-text answer stays text', async () => {
    server = await startTinyServer((_req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'Content-Type': 'application/json' }); // no length: chunked
        res.write('{"Uuid":"u",');
        setTimeout(() => res.end('"Name":"Ærø"}'), 20);
      } else if (n === 2) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        res.end(zlib.gzipSync('{"Uuid":"v"}'));
      } else {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        res.end('Person.Name is null or empty');
      }
    });
    const c = client(server.url);
    expect((await c.request('GET', '/orgUnit/u')).body).to.deep.equal({ Uuid: 'u', Name: 'Ærø' });
    expect((await c.request('GET', '/orgUnit/v')).body).to.deep.equal({ Uuid: 'v' });
    const bad = await c.request('POST', '/user', { Uuid: 'w' });
    expect(bad.status).to.equal(400);
    expect(bad.body).to.equal('Person.Name is null or empty');
  });

  it('a request with no answer by its deadline is sent again, then fails as a timeout of that request', async () => {
    server = await startTinyServer(() => undefined); // never answers
    const c = client(server.url, { timeoutMs: 150, maxAttempts: 2 });
    const t0 = Date.now();
    const err = (await c.request('POST', '/user', { Uuid: 'u' }).catch((e: Error) => e)) as Error;
    expect(err).to.be.instanceOf(Os2syncRequestFailedError);
    expect((err as Os2syncRequestFailedError).status).to.equal(undefined);
    expect(err.message).to.match(/^OS2sync POST \/user: timed out after .*gave up after 2 attempts/);
    expect(server.requests).to.have.length(2);
    expect(Date.now() - t0).to.be.below(3000);
  });

  it("the job's signal ends a request waiting for its answer at once, as an abort (not a failure of the object)", async () => {
    server = await startTinyServer(() => undefined);
    const controller = new AbortController();
    const c = client(server.url, { timeoutMs: 60_000, signal: controller.signal });
    const pending = c.request('POST', '/user', { Uuid: 'u' }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    controller.abort('timeout');
    const err = (await pending) as Error;
    expect(err.name).to.equal('AbortedError');
    expect(err.message).to.equal('aborted (timeout)');
    expect(Date.now() - t0).to.be.below(1000);
    expect(server.requests).to.have.length(1);
  });

  describe('over TLS with a self-signed certificate', () => {
    let tls: Awaited<ReturnType<typeof startSelfSignedServer>>;
    let url: string;
    before(async () => {
      tls = await startSelfSignedServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      });
      url = tls.url;
    });
    after(() => tls.close());

    it('refuses it by default: OS2sync counts as unavailable, naming the TLS error', async () => {
      const err = (await client(url)
        .request('GET', '/orgUnit/u')
        .catch((e: Error) => e)) as Error;
      expect(err).to.be.instanceOf(Os2syncUnavailableError);
      expect(err.message).to.equal('OS2sync GET /orgUnit/u: TLS error (DEPTH_ZERO_SELF_SIGNED_CERT)');
    });

    it('accepts it with ca_verify false', async () => {
      const res = await client(url, { caVerify: false }).request('GET', '/orgUnit/u');
      expect(res.body).to.deep.equal({ ok: true });
    });
  });
});
