/**
 * Sending (spec §2.1 steps 5–8): hash-gated unit upserts parent-first with read-merge, user upserts and
 * deletes, removal of what was exported earlier (users, then units bottom-up), then autowash. Requests are
 * sequential. A 4xx, or a 5xx/timeout after the client's retries, fails that object only; OS2sync counts as down
 * (sending stops) when its connections are refused or `downAfterFailures` different objects in a row failed.
 * The cache records an entry only after success, so a failed object is sent again next run. In a dry run
 * nothing is sent and the cache is not touched.
 */
import type { Logger } from 'winston';
import {
  Os2syncRequestFailedError,
  Os2syncUnavailableError,
  os2syncMessage,
  type Os2syncClient,
  type Os2syncResponse,
} from '../clients/os2sync.js';
import { FkUnreachableError, type FkHierarchy } from './autowash.js';
import type { BuiltPayloads } from './build.js';
import type { Operation } from './canonical.js';
import { HashCache } from './hash-cache.js';
import { canonicalFkUnit, mergeWithFk, sameAsFk } from './merge.js';
import type { OrgUnitPayload } from './payloads.js';

type Kind = 'orgUnit' | 'user';

export const COUNTER_NAMES = [
  'units_found',
  'units_upserted',
  'units_deleted',
  'units_unchanged',
  'units_failed',
  'users_found',
  'users_upserted',
  'users_deleted',
  'users_unchanged',
  'users_failed',
] as const;
export type Counters = Record<(typeof COUNTER_NAMES)[number], number>;

export interface SyncOptions {
  cache: HashCache;
  /** Absent in a dry run. */
  client?: Os2syncClient;
  /** Sending stops when this many different objects in a row failed without an answer below 500. */
  downAfterFailures?: number;
  logger: Logger;
  verbose: boolean;
  /** Resolves the FK hierarchy for autowash (undefined = autowash off or dry run). */
  hierarchy?: () => Promise<FkHierarchy>;
  signal?: AbortSignal;
  progress?: (done: number, total: number, what: string) => void;
  /**
   * Called after `checkpointEvery` (default 1000) successful sends once `checkpointMinMs` (default 5 s) have passed
   * since the last call: persists the cache, so a killed run sends again only what it sent since. The time floor
   * keeps a fast OS2sync from saving the whole, growing cache every second (quadratic in the objects sent).
   */
  checkpoint?: () => void;
  checkpointEvery?: number;
  checkpointMinMs?: number;
}

/** One object that was not sent (or not confirmed) this run. */
export interface ObjectFailure {
  kind: Kind;
  uuid: string;
  /** The HTTP status of the last answer; undefined for a timeout, a dropped connection or an unsendable payload. */
  status?: number;
  /** Why, in a few words for the status line: `HTTP 500`, `timeout`, `no answer`, `not sendable`. */
  why: string;
  /** The log line: what failed and why. */
  line: string;
}

export interface SyncOutcome {
  counters: Counters;
  /** Per-object errors (4xx, 5xx or timeout after retries, unsendable payloads). */
  failures: ObjectFailure[];
  /** Set when OS2sync became unreachable and sending stopped. */
  stopped: string | null;
  /** Set when autowash could not read FK. */
  autowashError: string | null;
  /** Dry run: the requests that would be sent, as `METHOD path`. */
  planned: string[];
}

const counterPrefix = (kind: Kind): 'units' | 'users' => (kind === 'orgUnit' ? 'units' : 'users');

export async function syncPayloads(built: BuiltPayloads, opts: SyncOptions): Promise<SyncOutcome> {
  const { cache, client, logger } = opts;
  const counters = Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0])) as Counters;
  counters.units_found = built.units.length;
  counters.users_found = built.users.length + built.failures.filter((f) => f.kind === 'user').length;
  const out: SyncOutcome = { counters, failures: [], stopped: null, autowashError: null, planned: [] };
  const deletedThisRun = new Set<string>();
  let sinceCheckpoint = 0;
  let lastCheckpoint = performance.now();
  const recorded = (): void => {
    sinceCheckpoint += 1;
    if (!opts.checkpoint || sinceCheckpoint < (opts.checkpointEvery ?? 1000)) return;
    if (performance.now() - lastCheckpoint < (opts.checkpointMinMs ?? 5000)) return;
    sinceCheckpoint = 0;
    opts.checkpoint();
    lastCheckpoint = performance.now();
  };
  const bump = (kind: Kind, what: 'upserted' | 'deleted' | 'unchanged' | 'failed'): void => {
    counters[`${counterPrefix(kind)}_${what}`] += 1;
  };

  const fail = (failure: ObjectFailure): void => {
    out.failures.push(failure);
    logger.error(failure.line);
    bump(failure.kind, 'failed');
  };
  for (const f of built.failures)
    fail({
      kind: f.kind,
      uuid: f.uuid,
      why: 'not sendable',
      line: `${f.kind} ${f.uuid} not sent: ${f.message}`,
    });

  // Different objects that failed in a row without any answer below 500 in between.
  const downAfter = opts.downAfterFailures ?? 5;
  const failedInARow = new Set<string>();

  /**
   * Runs one request for one object unless sending has stopped. Returns null when it got no answer below 500;
   * the object's failure is then recorded here.
   */
  const send = async (
    kind: Kind,
    uuid: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Os2syncResponse | null> => {
    if (out.stopped !== null || !client) return null;
    if (opts.verbose) logger.debug(`${method} ${path}`);
    try {
      const res = await client.request(method, path, body);
      failedInARow.clear();
      return res;
    } catch (err) {
      if (err instanceof Os2syncUnavailableError) {
        out.stopped = err.message;
        logger.error(`${err.message}; sending stopped, the rest is sent next run`);
        return null;
      }
      if (!(err instanceof Os2syncRequestFailedError)) throw err;
      const why =
        err.status !== undefined
          ? `HTTP ${err.status}`
          : /timed out/.test(err.message)
            ? 'timeout'
            : 'no answer';
      fail({ kind, uuid, status: err.status, why, line: `${kind} ${uuid}: ${err.message}` });
      failedInARow.add(`${kind} ${uuid}`);
      if (failedInARow.size >= downAfter) {
        out.stopped = `${failedInARow.size} different objects in a row failed (os2sync.down_after_failures), the last: ${err.message}`;
        logger.error(`OS2sync counts as down: ${out.stopped}; sending stopped, the rest is sent next run`);
      }
      return null;
    }
  };

  const reject = (kind: Kind, uuid: string, method: string, res: Os2syncResponse): void =>
    fail({
      kind,
      uuid,
      status: res.status,
      why: `HTTP ${res.status}`,
      line: `${kind} ${uuid}: ${method} answered HTTP ${res.status}: ${os2syncMessage(res)}`,
    });

  const plan = (line: string): void => {
    out.planned.push(line);
    if (opts.verbose) logger.info(`dry run: ${line}`);
  };

  async function upsertUnit(payload: OrgUnitPayload): Promise<void> {
    const key = HashCache.key('orgUnit', payload.Uuid);
    if (cache.unchanged(key, payload, 'upsert')) return bump('orgUnit', 'unchanged');
    if (!client) {
      plan(`POST /orgUnit ${payload.Uuid} (after GET /orgUnit/${payload.Uuid})`);
      return bump('orgUnit', 'upserted');
    }
    const current = await send('orgUnit', payload.Uuid, 'GET', `/orgUnit/${payload.Uuid}`);
    if (!current) return;
    let body: OrgUnitPayload = payload;
    if (current.status === 200) {
      const fk = canonicalFkUnit(current.body);
      body = mergeWithFk(payload, fk);
      if (sameAsFk(body, fk)) {
        cache.record(key, payload, 'upsert', payload.ParentOrgUnitUuid);
        recorded();
        return bump('orgUnit', 'unchanged');
      }
    } else if (current.status !== 404) {
      return reject('orgUnit', payload.Uuid, 'GET', current);
    }
    const res = await send('orgUnit', payload.Uuid, 'POST', '/orgUnit', body);
    if (!res) return;
    if (res.status >= 200 && res.status < 300) {
      cache.record(key, payload, 'upsert', payload.ParentOrgUnitUuid);
      recorded();
      bump('orgUnit', 'upserted');
    } else reject('orgUnit', payload.Uuid, 'POST', res);
  }

  async function upsertUser(payload: unknown, uuid: string): Promise<void> {
    const key = HashCache.key('user', uuid);
    if (cache.unchanged(key, payload, 'upsert')) return bump('user', 'unchanged');
    if (!client) {
      plan(`POST /user ${uuid}`);
      return bump('user', 'upserted');
    }
    const res = await send('user', uuid, 'POST', '/user', payload);
    if (!res) return;
    if (res.status >= 200 && res.status < 300) {
      cache.record(key, payload, 'upsert');
      recorded();
      bump('user', 'upserted');
    } else reject('user', uuid, 'POST', res);
  }

  /** DELETE; hash-gated deletes are skipped when the last recorded operation was already this delete. */
  async function remove(kind: Kind, uuid: string, gated: boolean, why: string): Promise<void> {
    const key = HashCache.key(kind, uuid);
    if (deletedThisRun.has(key)) return;
    if (gated && cache.unchanged(key, {}, 'delete')) {
      if (why === 'no positions') bump(kind, 'unchanged');
      return;
    }
    deletedThisRun.add(key);
    if (!client) {
      plan(`DELETE /${kind}/${uuid} (${why})`);
      return bump(kind, 'deleted');
    }
    const res = await send(kind, uuid, 'DELETE', `/${kind}/${uuid}`);
    if (!res) return;
    if ((res.status >= 200 && res.status < 300) || res.status === 404) {
      if (res.status === 404) logger.warn(`${kind} ${uuid} was already gone from OS2sync (404)`);
      cache.record(key, {}, 'delete' as Operation);
      recorded();
      bump(kind, 'deleted');
    } else reject(kind, uuid, 'DELETE', res);
  }

  const total = built.units.length + built.users.length;
  let done = 0;
  const step = (what: string): void => {
    done += 1;
    if (done % 500 === 0 || done === total) opts.progress?.(done, total, what);
  };

  // 5. units, parent before child
  for (const { payload } of built.units) {
    await upsertUnit(payload);
    step('objects');
  }
  // 6. users sorted by uuid: positions ⇒ upsert, none ⇒ delete (once)
  for (const { payload } of built.users) {
    if (payload.Positions.length > 0) await upsertUser(payload, payload.Uuid);
    else await remove('user', payload.Uuid, true, 'no positions');
    step('objects');
  }

  // 7. removals of what was exported earlier: users, then units bottom-up
  const producedUsers = new Set([
    ...built.users.map((u) => u.payload.Uuid),
    ...built.failures.filter((f) => f.kind === 'user').map((f) => f.uuid),
  ]);
  const goneUsers = cache
    .exportedEarlier('user')
    .filter((e) => !producedUsers.has(e.uuid))
    .map((e) => e.uuid)
    .sort();
  for (const uuid of goneUsers) await remove('user', uuid, false, 'no longer exported');
  for (const uuid of built.supersededUsers) await remove('user', uuid, true, 'superseded by FK uuid');

  const producedUnits = new Set(built.units.map((u) => u.payload.Uuid));
  const isTop = (u: string): boolean => u === built.topUnitFkUuid || u === built.topUnitMoUuid;
  const goneUnits = cache
    .exportedEarlier('orgUnit')
    .filter((e) => !producedUnits.has(e.uuid) && !isTop(e.uuid));
  for (const uuid of bottomUp(goneUnits)) await remove('orgUnit', uuid, false, 'no longer exported');
  for (const uuid of built.supersededUnits) {
    if (!isTop(uuid)) await remove('orgUnit', uuid, true, 'superseded by FK uuid');
  }

  // 8. autowash
  if (opts.hierarchy && out.stopped === null) {
    let fk: FkHierarchy | null = null;
    try {
      fk = await opts.hierarchy();
    } catch (err) {
      if (err instanceof Os2syncUnavailableError) out.stopped = err.message;
      const message = (err as Error).message;
      out.autowashError = `${err instanceof FkUnreachableError ? message : `FK unreachable: ${message}`}; nothing deleted`;
      logger.error(`autowash skipped: ${out.autowashError}`);
    }
    if (fk) {
      if (producedUnits.size === 0) {
        out.autowashError = 'no exported units; autowash skipped';
      } else {
        const upserted = new Set(
          built.users.filter((u) => u.payload.Positions.length > 0).map((u) => u.payload.Uuid),
        );
        for (const uuid of fk.users.filter((u) => !upserted.has(u) && !producedUsers.has(u)).sort()) {
          await remove('user', uuid, false, 'autowash');
        }
        const units = fk.units.filter((u) => !producedUnits.has(u) && !isTop(u)).sort();
        for (const uuid of units) await remove('orgUnit', uuid, false, 'autowash');
      }
    }
  }
  return out;
}

/** Units to remove, children before parents (by the parent recorded when each was last sent). */
function bottomUp(entries: { uuid: string; entry: { parent?: string | null } }[]): string[] {
  const set = new Map(entries.map((e) => [e.uuid, e.entry.parent ?? null]));
  const childCount = new Map<string, number>();
  for (const parent of set.values())
    if (parent !== null && set.has(parent)) childCount.set(parent, (childCount.get(parent) ?? 0) + 1);
  const order: string[] = [];
  let ready = [...set.keys()].filter((u) => !childCount.get(u)).sort();
  const done = new Set<string>();
  while (ready.length > 0) {
    const next: string[] = [];
    for (const uuid of ready) {
      order.push(uuid);
      done.add(uuid);
      const parent = set.get(uuid);
      if (parent !== null && parent !== undefined && set.has(parent)) {
        const left = (childCount.get(parent) ?? 1) - 1;
        childCount.set(parent, left);
        if (left === 0) next.push(parent);
      }
    }
    ready = next.sort();
  }
  return [...order, ...[...set.keys()].filter((u) => !done.has(u)).sort()];
}
