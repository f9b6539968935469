/**
 * In-process OS2sync REST emulator (spec §1): the routes a client sees, OS2sync's validation and status codes,
 * an in-memory FK Organisation, a request log and injectable failures. Listens on 127.0.0.1 only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { BadRequest, ServerFault, bindOrgUnit, bindUser } from './payloads.js';
import type { FkState, LoggedRequest, Os2syncFaults, OrgUnitRecord, UserRecord } from './types.js';

export interface Os2syncEmulatorOptions {
  port?: number;
  /** A CVR configured in OS2sync overrides the header (as the real service does). */
  cvr?: string;
  /** When set, every /api request needs header `ApiKey` with this value (else 401). */
  apiKey?: string;
  /** Answer GET /api/hierarchy with a JSON-encoded string (some OS2sync versions do). Default true. */
  jsonEncodedHierarchyId?: boolean;
  faults?: Os2syncFaults;
}

export interface Os2syncEmulator {
  /** The value for `os2sync.api_url`, e.g. `http://127.0.0.1:41234/api`. */
  url: string;
  state: FkState;
  requests: LoggedRequest[];
  /** Replace the active faults (an empty object clears them). Resets the request counter used by `…From`. */
  setFaults(faults: Os2syncFaults): void;
  /** Empty FK, the log and the faults. */
  reset(): void;
  /** Stop listening: connections to `url` are refused (ECONNREFUSED) until `acceptConnections()`. */
  refuseConnections(): Promise<void>;
  /** Listen again on the same port. */
  acceptConnections(): Promise<void>;
  /** Mutating requests (POST/DELETE) in the log, as `METHOD path` strings. */
  mutations(): string[];
  /** Requests to the API (`/api/…`), i.e. the log without health checks. */
  apiRequests(): LoggedRequest[];
  stop(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
}

interface HierarchyJob {
  snapshot: unknown;
  pollsLeft: number;
  failed: boolean;
}

export async function startOs2syncEmulator(opts: Os2syncEmulatorOptions = {}): Promise<Os2syncEmulator> {
  const state: FkState = { orgUnits: new Map(), users: new Map() };
  const requests: LoggedRequest[] = [];
  const hierarchyJobs = new Map<string, HierarchyJob>();
  let faults: Os2syncFaults = opts.faults ?? {};
  let counter = 0;
  let hierarchyStartErrors = faults.hierarchyStartErrors ?? 0;

  const rejected = (uuid: string): string | undefined => {
    const r = faults.rejectUuids;
    if (!r) return undefined;
    const key = uuid.toLowerCase();
    if (Array.isArray(r))
      return r.map((u) => u.toLowerCase()).includes(key) ? `rejected by FK: ${key}` : undefined;
    const hit = Object.entries(r).find(([u]) => u.toLowerCase() === key);
    return hit?.[1];
  };

  const poisoned = (path: string, body: unknown): boolean => {
    const list = faults.poisonUuids?.map((u) => u.toLowerCase());
    if (!list?.length) return false;
    const last = path.replace(/\/+$/, '').split('/').pop()!.toLowerCase();
    const bodyUuid =
      body && typeof body === 'object' ? String((body as { Uuid?: unknown }).Uuid ?? '').toLowerCase() : '';
    return list.includes(last) || list.includes(bodyUuid);
  };

  const inWindow = (f: { request: number; count?: number } | undefined, n: number): boolean =>
    f !== undefined && n >= f.request && (f.count === undefined || n < f.request + f.count);

  function hierarchySnapshot(onlyOUs: boolean): unknown {
    const OUs = [...state.orgUnits.values()]
      .filter((u) => u.status === 'active')
      .map(({ record }) => ({
        Uuid: record.Uuid,
        Name: record.Name,
        ParentOU: record.ParentOrgUnitUuid ?? null,
      }));
    const Users = onlyOUs
      ? []
      : [...state.users.values()]
          .filter((u) => u.status === 'active')
          .map(({ record }) => ({
            Uuid: record.Uuid,
            UserId: record.UserId,
            Name: record.Person.Name,
            Email: record.Email ?? null,
            Telephone: record.PhoneNumber ?? null,
            Positions: record.Positions.map((p) => ({ Uuid: p.OrgUnitUuid, Name: p.Name })),
            Status: 1,
          }));
    return { OUs, Users };
  }

  function route(
    method: string,
    path: string,
    query: URLSearchParams,
    headers: http.IncomingHttpHeaders,
    body: unknown,
  ): Reply {
    const p = path.replace(/\/+$/, '').toLowerCase();
    if (method === 'GET' && p === '/manage/health') return { status: 200, body: 'Healthy' };
    if (method !== 'GET' && faults.serverErrorUuids?.length) {
      const target = (p.match(/^\/api\/(?:orgunit|user)\/([^/]+)$/)?.[1] ??
        (body as { Uuid?: unknown } | undefined)?.Uuid) as string | undefined;
      if (
        typeof target === 'string' &&
        faults.serverErrorUuids.some((u) => u.toLowerCase() === target.toLowerCase())
      )
        return { status: 500, body: 'Internal Server Error' };
    }
    if (!p.startsWith('/api/')) return { status: 404, body: 'Not Found' };
    if (opts.apiKey !== undefined && headers['apikey'] !== opts.apiKey)
      return { status: 401, body: 'Unauthorized' };
    if (!opts.cvr && !headers['cvr']) return { status: 401, body: 'No CVR supplied' };

    let m: RegExpMatchArray | null;
    if ((m = p.match(/^\/api\/(orgunit|user)$/)) && method === 'POST') return upsert(m[1]!, body);
    if ((m = p.match(/^\/api\/(orgunit|user)\/all$/)) && method === 'GET') {
      const map = m[1] === 'orgunit' ? state.orgUnits : state.users;
      return {
        status: 200,
        body: [...map.entries()].filter(([, v]) => v.status === 'active').map(([k]) => k),
      };
    }
    if ((m = p.match(/^\/api\/(orgunit|user)\/cleanup$/)) && method === 'POST')
      return cleanup(m[1]!, body, query.get('dryrun') === 'true');
    if ((m = p.match(/^\/api\/(orgunit|user)\/passiver\/([^/]+)$/)) && method === 'POST') {
      const map = m[1] === 'orgunit' ? state.orgUnits : state.users;
      const entry = map.get(m[2]!);
      if (entry) entry.status = 'passivated';
      return { status: 200 };
    }
    if ((m = p.match(/^\/api\/(orgunit|user)\/([^/]+)$/))) {
      const kind = m[1]!;
      const uuid = m[2]!;
      const reason = rejected(uuid);
      if (reason !== undefined && method !== 'GET') return { status: 400, body: reason };
      const map: Map<string, { record: OrgUnitRecord | UserRecord; status: string }> =
        kind === 'orgunit' ? state.orgUnits : state.users;
      if (method === 'DELETE') {
        const entry = map.get(uuid);
        if (entry && entry.status === 'active') entry.status = 'deleted';
        return { status: 200 };
      }
      if (method === 'GET') {
        const entry = map.get(uuid);
        if (!entry || entry.status !== 'active') return { status: 404, body: 'Not Found' };
        const extra = kind === 'orgunit' ? { Type: 'DEPARTMENT' } : {};
        return { status: 200, body: { ...entry.record, ...extra, Timestamp: new Date().toISOString() } };
      }
    }
    if (p === '/api/hierarchy' && method === 'GET') {
      if (hierarchyStartErrors > 0) {
        hierarchyStartErrors -= 1;
        return { status: 503, body: 'Service Unavailable' };
      }
      const id = randomUUID();
      const onlyOUs = String(headers['onlyous'] ?? '').toLowerCase() === 'true';
      hierarchyJobs.set(id, {
        snapshot: hierarchySnapshot(onlyOUs),
        pollsLeft: faults.hierarchyPollsUntilReady ?? 1,
        failed: faults.hierarchyFailure === true,
      });
      return { status: 200, body: opts.jsonEncodedHierarchyId === false ? id : JSON.stringify(id) };
    }
    if ((m = p.match(/^\/api\/hierarchy\/([^/]+)$/)) && method === 'GET') {
      const job = hierarchyJobs.get(m[1]!);
      if (!job) return { status: 404, body: 'Not Found' };
      if (job.pollsLeft > 0) {
        job.pollsLeft -= 1;
        return { status: 404, body: 'Not Found' };
      }
      hierarchyJobs.delete(m[1]!);
      return {
        status: 200,
        body: {
          Created: new Date().toISOString(),
          Status: job.failed ? 1 : 0,
          Result: job.failed ? null : job.snapshot,
        },
      };
    }
    return { status: 404, body: 'Not Found' };
  }

  function upsert(kind: string, body: unknown): Reply {
    try {
      if (kind === 'orgunit') {
        const unit = bindOrgUnit(body);
        const reason = rejected(unit.Uuid);
        if (reason !== undefined) return { status: 400, body: reason };
        state.orgUnits.set(unit.Uuid, { record: unit, status: 'active' });
        return { status: 200, body: unit };
      }
      const user = bindUser(body);
      const reason = rejected(user.Uuid);
      if (reason !== undefined) return { status: 400, body: reason };
      state.users.set(user.Uuid, { record: user, status: 'active' });
      return { status: 200, body: user };
    } catch (err) {
      if (err instanceof BadRequest) return { status: 400, body: err.message };
      if (err instanceof ServerFault) return { status: 500, body: err.message };
      throw err;
    }
  }

  function cleanup(kind: string, body: unknown, dryRun: boolean): Reply {
    if (!Array.isArray(body)) return { status: 400, body: 'body must be an array of uuids' };
    const keep = new Set(body.map((u) => String(u).toLowerCase()));
    const map: Map<string, { status: string }> = kind === 'orgunit' ? state.orgUnits : state.users;
    if (!dryRun) {
      for (const [uuid, entry] of map)
        if (!keep.has(uuid) && entry.status === 'active') entry.status = 'deleted';
    }
    return { status: 200, body: [...keep].filter((u) => map.get(u)?.status !== 'active') };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      counter += 1;
      const n = counter;
      const url = new URL(req.url ?? '/', 'http://emulator');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      let badJson = false;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
          badJson = true;
        }
      }
      const entry: LoggedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        status: 0,
      };
      requests.push(entry);
      const answer = (): void => {
        if (faults.refuseConnectionsFrom !== undefined && n >= faults.refuseConnectionsFrom) {
          req.socket.destroy();
          void close();
          return;
        }
        if (inWindow(faults.dropConnectionFrom, n)) {
          req.socket.destroy();
          return;
        }
        let reply: Reply;
        if (poisoned(url.pathname, body)) {
          reply = { status: 500, body: 'An unhandled exception occurred (poisoned object)' };
        } else if (inWindow(faults.serverErrorFrom, n)) {
          reply = { status: faults.serverErrorFrom?.status ?? 503, body: 'Service Unavailable' };
        } else if (badJson && req.method === 'POST') {
          reply = { status: 400, body: 'invalid JSON body' };
        } else {
          reply = route(entry.method, url.pathname, url.searchParams, req.headers, body);
        }
        entry.status = reply.status;
        const isText = typeof reply.body === 'string';
        res.writeHead(reply.status, {
          'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
        });
        res.end(reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body));
      };
      if (faults.latencyMs) setTimeout(answer, faults.latencyMs);
      else answer();
    });
  });

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    url: `http://127.0.0.1:${port}/api`,
    state,
    requests,
    setFaults(next) {
      faults = next;
      counter = 0;
      hierarchyStartErrors = next.hierarchyStartErrors ?? 0;
    },
    reset() {
      state.orgUnits.clear();
      state.users.clear();
      requests.length = 0;
      hierarchyJobs.clear();
      faults = {};
      counter = 0;
      hierarchyStartErrors = 0;
    },
    apiRequests: () => requests.filter((r) => r.path.toLowerCase().startsWith('/api/')),
    mutations() {
      return requests
        .filter((r) => r.method === 'POST' || r.method === 'DELETE')
        .map((r) => `${r.method} ${r.path}`);
    },
    refuseConnections: close,
    acceptConnections: () =>
      new Promise<void>((resolve, reject) => {
        if (server.listening) return resolve();
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      }),
    stop: close,
  };
}
