/**
 * In-process OS2rollekatalog emulator, written from specs/rollekatalog.md §1.3–§1.4 (the server's behaviour),
 * not from the export job: `POST /api/organisation/v3` validates the whole upload before any write (400 with
 * Spring's JSON error body), then replaces the organisation (units not reachable from the one root are dropped,
 * omitted units deactivated, omitted users soft-deleted, users matched by userId case-insensitively, managers
 * resolved against existing users by userId AND extUuid) and answers the six counters. `GET`/`POST /api/title`
 * answer 403 while titles are disabled. `ApiKey` header auth (401 as an HTML error page). 127.0.0.1 only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../mo/read-body.js';

export interface RkServerUser {
  extUuid: string;
  userId: string;
  name: string;
  email: string | null;
  positions: { name: string; orgUnitUuid: string; titleUuid?: string }[];
  deleted: boolean;
}

export interface RkServerUnit {
  uuid: string;
  name: string;
  parent: string | null;
  active: boolean;
  /** The resolved manager's userId (after the server's checks), or null. */
  managerUserId: string | null;
  klePerforming: string[];
  kleInterest: string[];
}

export interface RkServerState {
  /** Keyed by lower-cased userId. */
  users: Map<string, RkServerUser>;
  units: Map<string, RkServerUnit>;
  titles: Map<string, { name: string; active: boolean }>;
  /** Lines the real server would log (e.g. "points to non-existent manager"). */
  log: string[];
}

export interface RkFaults {
  /** Answer these statuses to the next requests, one each (e.g. [500, 500] then normal). */
  statuses?: number[];
}

export interface RkRequest {
  method: string;
  path: string;
  status: number;
  /** Parsed body of POSTs. */
  body?: unknown;
}

export interface RollekatalogEmulator {
  /** The value for `exporters.os2rollekatalog.rollekatalog.url`. */
  url: string;
  apiKey: string;
  state: RkServerState;
  requests: RkRequest[];
  setTitlesEnabled(on: boolean): void;
  setFaults(f: RkFaults): void;
  stop(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const blank = (v: unknown): boolean => typeof v !== 'string' || v.trim() === '';

interface InUnit {
  uuid?: unknown;
  name?: unknown;
  parentOrgUnitUuid?: unknown;
  manager?: { uuid?: unknown; userId?: unknown } | null;
  klePerforming?: unknown;
  kleInterest?: unknown;
}
interface InUser {
  extUuid?: unknown;
  userId?: unknown;
  name?: unknown;
  email?: unknown;
  positions?: { name?: unknown; orgUnitUuid?: unknown; titleUuid?: unknown }[];
}

/** The server's validateOrganisation/validateUsers: the first problem, or undefined. */
function validate(body: { orgUnits?: unknown; users?: unknown }): string | undefined {
  if (!Array.isArray(body.orgUnits) || !Array.isArray(body.users)) return 'orgUnits and users are required';
  const units = body.orgUnits as InUnit[];
  const ids = new Set<string>();
  for (const u of units) {
    if (typeof u.uuid !== 'string' || !UUID.test(u.uuid))
      return `OrgUnit has invalid uuid: ${String(u.uuid)}`;
    if (blank(u.name)) return `OrgUnit ${u.uuid} has no name`;
    ids.add(u.uuid.toLowerCase());
  }
  const roots = units.filter((u) => u.parentOrgUnitUuid === null || u.parentOrgUnitUuid === undefined);
  if (roots.length !== 1) return `There must be exactly one root OrgUnit, found ${roots.length}`;
  for (const u of body.users as InUser[]) {
    if (blank(u.userId)) return 'User has no userId';
    if (typeof u.extUuid !== 'string' || !UUID.test(u.extUuid))
      return `User ${String(u.userId)} has invalid extUuid`;
    if (blank(u.name)) return `User ${String(u.userId)} has no name`;
    for (const p of u.positions ?? []) {
      if (blank(p.name)) return `User ${String(u.userId)} has a position without a name`;
      if (blank(p.orgUnitUuid)) return `User ${String(u.userId)} has a position without an orgUnitUuid`;
      if (!ids.has(String(p.orgUnitUuid).toLowerCase()))
        return `User ${String(u.userId)} has a position in an unknown OrgUnit ${String(p.orgUnitUuid)}`;
    }
  }
  return undefined;
}

function importOrganisation(state: RkServerState, body: { orgUnits: InUnit[]; users: InUser[] }) {
  const c = {
    usersCreated: 0,
    usersUpdated: 0,
    usersDeleted: 0,
    ousCreated: 0,
    ousUpdated: 0,
    ousDeleted: 0,
  };
  // Tree from the root downward; unreachable units are dropped.
  const byParent = new Map<string, InUnit[]>();
  let root: InUnit | undefined;
  for (const u of body.orgUnits) {
    if (u.parentOrgUnitUuid === null || u.parentOrgUnitUuid === undefined) root = u;
    else {
      const k = String(u.parentOrgUnitUuid).toLowerCase();
      byParent.set(k, [...(byParent.get(k) ?? []), u]);
    }
  }
  const tree: { unit: InUnit; parent: string | null }[] = [];
  const seen = new Set<string>();
  const walk = (u: InUnit, parent: string | null): void => {
    const id = String(u.uuid).toLowerCase();
    if (seen.has(id)) return;
    seen.add(id);
    tree.push({ unit: u, parent });
    for (const child of byParent.get(id) ?? []) walk(child, id);
  };
  walk(root!, null);
  for (const { unit, parent } of tree) {
    const id = String(unit.uuid).toLowerCase();
    const next = {
      name: String(unit.name),
      parent,
      klePerforming: (unit.klePerforming as string[] | undefined) ?? [],
      kleInterest: (unit.kleInterest as string[] | undefined) ?? [],
    };
    const old = state.units.get(id);
    if (!old || !old.active) {
      c.ousCreated++;
      state.units.set(id, { uuid: id, ...next, active: true, managerUserId: null });
    } else if (
      JSON.stringify([old.name, old.parent, old.klePerforming, old.kleInterest]) !==
      JSON.stringify([next.name, next.parent, next.klePerforming, next.kleInterest])
    ) {
      c.ousUpdated++;
      Object.assign(old, next);
    }
  }
  for (const [id, u] of state.units)
    if (u.active && !seen.has(id)) {
      u.active = false;
      c.ousDeleted++;
    }
  // Users, matched by userId case-insensitively; omitted ones soft-deleted.
  const sent = new Set<string>();
  for (const u of body.users) {
    const key = String(u.userId).toLowerCase();
    sent.add(key);
    const next: RkServerUser = {
      extUuid: String(u.extUuid).toLowerCase(),
      userId: String(u.userId),
      name: String(u.name),
      email: typeof u.email === 'string' ? u.email : null,
      positions: (u.positions ?? []).map((p) => ({
        name: String(p.name),
        orgUnitUuid: String(p.orgUnitUuid).toLowerCase(),
        ...(typeof p.titleUuid === 'string' && state.titles.get(p.titleUuid)?.active
          ? { titleUuid: p.titleUuid }
          : {}),
      })),
      deleted: false,
    };
    const old = state.users.get(key);
    if (!old || old.deleted) {
      c.usersCreated++;
      state.users.set(key, next);
    } else if (JSON.stringify({ ...old }) !== JSON.stringify(next)) {
      c.usersUpdated++;
      state.users.set(key, next);
    }
  }
  for (const [key, u] of state.users)
    if (!u.deleted && !sent.has(key)) {
      u.deleted = true;
      c.usersDeleted++;
    }
  // Managers: an existing user whose userId matches AND whose extUuid equals manager.uuid; else cleared.
  for (const { unit } of tree) {
    const id = String(unit.uuid).toLowerCase();
    const m = unit.manager;
    let managerUserId: string | null = null;
    if (m && !blank(m.uuid) && !blank(m.userId)) {
      const user = state.users.get(String(m.userId).toLowerCase());
      if (user && !user.deleted && user.extUuid === String(m.uuid).toLowerCase()) managerUserId = user.userId;
      else state.log.push(`OrgUnit ${id} points to non-existent manager ${String(m.userId)}`);
    }
    state.units.get(id)!.managerUserId = managerUserId;
  }
  return c;
}

export async function startRollekatalogEmulator(
  opts: { apiKey?: string; titlesEnabled?: boolean } = {},
): Promise<RollekatalogEmulator> {
  const apiKey = opts.apiKey ?? 'b8e6c1f2-7a53-4c39-9d0e-2f4a7e1b6c55';
  const state: RkServerState = { users: new Map(), units: new Map(), titles: new Map(), log: [] };
  const requests: RkRequest[] = [];
  let titlesEnabled = opts.titlesEnabled ?? true;
  let faults: number[] = [];

  const server = http.createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      const path = (req.url ?? '').split('?')[0]!;
      const logged: RkRequest = { method: req.method ?? '', path, status: 0 };
      requests.push(logged);
      const send = (status: number, body: unknown, type = 'application/json'): void => {
        logged.status = status;
        res.writeHead(status, { 'Content-Type': type });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      const springError = (status: number, message: string): void =>
        send(status, {
          timestamp: new Date().toISOString(),
          status,
          error: status === 400 ? 'Bad Request' : 'Error',
          path,
          message,
        });
      let body: unknown;
      if (req.method === 'POST') {
        try {
          body = JSON.parse(text);
          logged.body = body;
        } catch {
          return springError(400, 'JSON parse error');
        }
      }
      const injected = faults.shift();
      if (injected !== undefined) return springError(injected, 'injected fault');
      if (req.headers.apikey !== apiKey)
        return send(
          401,
          '<html><body><h1>Whitelabel Error Page</h1>401 Unauthorized</body></html>',
          'text/html',
        );
      if (path === '/api/organisation/v3' && req.method === 'POST') {
        const problem = validate(body as { orgUnits?: unknown; users?: unknown });
        if (problem) return springError(400, problem);
        return send(200, importOrganisation(state, body as { orgUnits: InUnit[]; users: InUser[] }));
      }
      if (path === '/api/title') {
        if (!titlesEnabled) return springError(403, 'Titles are not enabled');
        if (req.method === 'GET')
          return send(
            200,
            [...state.titles].filter(([, t]) => t.active).map(([uuid, t]) => ({ uuid, name: t.name })),
          );
        if (req.method === 'POST' && Array.isArray(body)) {
          const given = new Set<string>();
          for (const t of body as { uuid: string; name: string }[]) {
            given.add(t.uuid);
            state.titles.set(t.uuid, { name: t.name, active: true });
          }
          for (const [uuid, t] of state.titles) if (!given.has(uuid)) t.active = false;
          return send(200, '');
        }
        return springError(400, 'bad title request');
      }
      return send(404, 'Not Found', 'text/plain');
    })().catch((err: Error) => {
      res.writeHead(500);
      res.end(err.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/organisation/v3`,
    apiKey,
    state,
    requests,
    setTitlesEnabled: (on) => {
      titlesEnabled = on;
    },
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
