/**
 * In-process OS2phonebook emulator, written from specs/rollekatalog.md §2.3 (the server's behaviour): HTTP Basic
 * auth (a bad login is a plain-text 401), `POST /api/load-employees` and `/api/load-org-units` take a JSON object
 * keyed by uuid, refuse an empty body with 400 `{"error": {type, message}}`, otherwise delete the whole index and
 * insert every value, answering `{"indexed": n, "total": n}`. 127.0.0.1 only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../mo/read-body.js';

export interface PbRequest {
  path: string;
  status: number;
  authorized: boolean;
  bytes: number;
}

export interface Os2phonebookEmulator {
  /** The value for `exporters.os2phonebook_base_url` (with the trailing `/`). */
  baseUrl: string;
  user: string;
  password: string;
  /** The two indexes: documents by id. */
  indexes: { employees: Map<string, unknown>; org_units: Map<string, unknown> };
  requests: PbRequest[];
  /** Answer these statuses to the next load requests, one each. */
  setFaults(f: { statuses?: number[] }): void;
  stop(): Promise<void>;
}

export async function startOs2phonebookEmulator(
  opts: { user?: string; password?: string } = {},
): Promise<Os2phonebookEmulator> {
  const user = opts.user ?? 'dataloader';
  const password = opts.password ?? 'phonebook-demo-secret';
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const indexes = { employees: new Map<string, unknown>(), org_units: new Map<string, unknown>() };
  const requests: PbRequest[] = [];
  let faults: number[] = [];

  const server = http.createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      const path = (req.url ?? '').split('?')[0]!;
      const logged: PbRequest = {
        path,
        status: 0,
        authorized: req.headers.authorization === expected,
        bytes: text.length,
      };
      requests.push(logged);
      const send = (status: number, body: string, type = 'application/json'): void => {
        logged.status = status;
        res.writeHead(status, { 'Content-Type': type });
        res.end(body);
      };
      const error = (status: number, type: string, message: string): void =>
        send(status, JSON.stringify({ error: { type, message } }));
      const index =
        path === '/api/load-employees'
          ? 'employees'
          : path === '/api/load-org-units'
            ? 'org_units'
            : undefined;
      if (!index || req.method !== 'POST') return error(404, 'NotFound', 'Not found');
      if (!logged.authorized) return send(401, 'Unauthorized Access', 'text/html');
      const injected = faults.shift();
      if (injected !== undefined) return error(injected, 'InjectedFault', 'injected fault');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return error(400, 'InvalidRequestBody', 'Request body is not JSON');
      }
      if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length === 0)
        return error(400, 'InvalidRequestBody', 'Request body is empty');
      const target = indexes[index];
      target.clear();
      for (const [id, doc] of Object.entries(body)) target.set(id, doc);
      return send(200, JSON.stringify({ indexed: target.size, total: Object.keys(body).length }));
    })().catch((err: Error) => {
      res.writeHead(500);
      res.end(err.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/`,
    user,
    password,
    indexes,
    requests,
    setFaults: (f) => {
      faults = [...(f.statuses ?? [])];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
