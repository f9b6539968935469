/**
 * The push targets' clients (OS2sync; Rollekatalog and OS2phonebook through json-upload) against a server that
 * rate-limits: a 429 is tried again after the Retry-After it names, never taken for the object's rejection; any
 * other 4xx is the answer at once.
 */
import { expect } from 'chai';
import { createJsonUploadClient } from '../../jobs/clients/json-upload.js';
import { Os2syncRequestFailedError, createOs2syncClient } from '../../jobs/clients/os2sync.js';
import { startTinyServer, type TinyServer } from './tiny-server.js';

/** Answers `first` (with Retry-After: 1 s) to the first request, then 200 with a JSON body. */
async function rateLimiting(first: number): Promise<TinyServer> {
  return startTinyServer((_req, res, n) => {
    if (n === 1) {
      res.writeHead(first, { 'Retry-After': '1', 'Content-Type': 'text/plain' });
      res.end('slow down');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"ok":true}');
  });
}

const os2sync = (url: string, maxAttempts = 3) =>
  createOs2syncClient({
    baseUrl: `${url}/api`,
    cvr: '29189846',
    timeoutMs: 5000,
    retry: { maxAttempts, baseDelayMs: 10, maxTimeMs: 30_000 },
  });

const jsonUpload = () =>
  createJsonUploadClient({
    headers: {},
    verifyTls: true,
    timeoutMs: 5000,
    maxAttempts: 3,
    baseDelayMs: 10,
    // Retry-After is honoured up to the longest wait the policy allows
    maxDelayMs: 60_000,
  });

describe('push clients and HTTP 429', function () {
  this.timeout(20_000);

  it('OS2sync: a 429 is sent again after its Retry-After (not the 10 ms backoff), then succeeds', async () => {
    const server = await rateLimiting(429);
    try {
      const t0 = Date.now();
      const res = await os2sync(server.url).request('POST', '/user', { Uuid: 'u' });
      expect(res.status).to.equal(200);
      expect(server.requests).to.have.length(2);
      expect(Date.now() - t0).to.be.at.least(950);
    } finally {
      await server.close();
    }
  });

  it('OS2sync: 429 on every attempt fails that request naming HTTP 429; a 400 is the answer at once', async () => {
    const server = await startTinyServer((req, res) => {
      res.writeHead(req.url.endsWith('/user') ? 429 : 400, { 'Retry-After': '0' });
      res.end('no');
    });
    try {
      const client = os2sync(server.url, 2);
      try {
        await client.request('POST', '/user', {});
        expect.fail('should have thrown');
      } catch (err) {
        expect(err).to.be.instanceOf(Os2syncRequestFailedError);
        expect((err as Os2syncRequestFailedError).status).to.equal(429);
      }
      expect(server.requests).to.have.length(2);
      const res = await client.request('POST', '/orgUnit', {});
      expect(res.status).to.equal(400);
      expect(server.requests).to.have.length(3);
    } finally {
      await server.close();
    }
  });

  it('Rollekatalog/OS2phonebook: a 429 is sent again after its Retry-After, then succeeds', async () => {
    const server = await rateLimiting(429);
    try {
      const t0 = Date.now();
      const res = await jsonUpload().request('POST', `${server.url}/api/organisation/v3`, { a: 1 });
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ ok: true });
      expect(server.requests).to.have.length(2);
      expect(Date.now() - t0).to.be.at.least(950);
    } finally {
      await server.close();
    }
  });
});
