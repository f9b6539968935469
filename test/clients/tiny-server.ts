/** A throwaway HTTP server on 127.0.0.1 for client tests: records requests, answers with a handler. */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type TinyHandler = (req: RecordedRequest, res: http.ServerResponse, n: number) => void | Promise<void>;

export interface TinyServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startTinyServer(handler: TinyHandler): Promise<TinyServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      void Promise.resolve(handler(recorded, res, requests.length)).catch((err: Error) => {
        res.statusCode = 599;
        res.end(String(err.message));
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A port nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const tlsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tls');

/** An HTTPS server on 127.0.0.1 with the self-signed test certificate (tls/README.md): clients must refuse it. */
export async function startSelfSignedServer(
  handler: http.RequestListener,
): Promise<{ url: string; close(): void }> {
  const server = https.createServer(
    {
      cert: fs.readFileSync(path.join(tlsDir, 'self-signed-127.0.0.1.cert.pem')),
      key: fs.readFileSync(path.join(tlsDir, 'self-signed-127.0.0.1.TEST-ONLY.key.pem')),
    },
    handler,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
