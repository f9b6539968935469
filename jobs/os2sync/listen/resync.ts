/**
 * Re-syncs a batch of targets through the OS2sync job's own code path: read MO's current state (the same
 * paged bulk reads as the night) → build every payload → keep the targets' payloads → send what changed
 * against a view of the hash cache holding just the targets' keys (so "exported earlier, not produced now"
 * deletes exactly the targets that left FK's scope) → the caller merges the view into the cache and saves.
 * A target is done when the cache now holds exactly its payloads; anything else is retried later.
 */
import type { Logger } from 'winston';
import type { MoClient } from '../../clients/mo.js';
import type { Os2syncClient } from '../../clients/os2sync.js';
import { assembleModel } from '../assemble.js';
import { buildPayloads, type BuiltPayloads } from '../build.js';
import type { Os2syncConfig } from '../config.js';
import { HashCache } from '../hash-cache.js';
import { readFromMo } from '../read-mo.js';
import { syncPayloads, type SyncOutcome } from '../sync.js';
import type { CompiledTemplate } from '../templates.js';
import type { QueuedTarget } from './queue.js';

export interface ResyncDeps {
  cfg: Os2syncConfig;
  templates: Map<string, CompiledTemplate>;
  mo: MoClient;
  os2sync: Os2syncClient;
  logger: Logger;
  today: string;
  signal?: AbortSignal;
}

export interface ResyncResult {
  ok: QueuedTarget[];
  failed: QueuedTarget[];
  /** Why the failed ones failed (first rejection, or OS2sync unreachable). */
  error: string | null;
  outcome: SyncOutcome;
  /** OS2sync stopped answering during this batch. */
  stopped: boolean;
}

const tkey = (kind: string, uuid: string): string => `${kind}/${uuid}`;

/** Reads MO and builds every payload once per batch. */
export async function buildAll(deps: ResyncDeps): Promise<BuiltPayloads> {
  const needs = { managers: deps.cfg.syncManagers, kles: deps.cfg.enableKle };
  const raw = await readFromMo(deps.mo, deps.today, needs);
  return buildPayloads(assembleModel(raw), deps.cfg, deps.templates);
}

/** Sends the targets' share of `built` through a view of `cache`; merges the view back into `cache`. */
export async function resyncTargets(
  targets: QueuedTarget[],
  built: BuiltPayloads,
  cache: HashCache,
  deps: ResyncDeps,
): Promise<ResyncResult> {
  const persons = new Set(targets.filter((t) => t.kind === 'person').map((t) => t.uuid));
  const units = new Set(targets.filter((t) => t.kind === 'unit').map((t) => t.uuid));
  const mine: BuiltPayloads = {
    ...built,
    units: built.units.filter((u) => units.has(u.moUuid)),
    users: built.users.filter((u) => persons.has(u.personUuid)),
    supersededUnits: built.supersededUnits.filter((u) => units.has(u)),
    supersededUsers: built.supersededUsers.filter((u) => persons.has(u)),
    failures: built.failures.filter((f) =>
      [...persons, ...units].some((uuid) => f.uuid === uuid || f.message.includes(uuid)),
    ),
    errors: [],
    warnings: [],
    truncations: [],
  };
  const keys = new Set<string>([
    ...[...units].map((u) => HashCache.key('orgUnit', u)),
    ...mine.units.map((u) => HashCache.key('orgUnit', u.payload.Uuid)),
    ...[...persons].map((p) => HashCache.key('user', p)),
    ...mine.users.map((u) => HashCache.key('user', u.payload.Uuid)),
  ]);
  const view = cache.view(keys);
  const outcome = await syncPayloads(mine, {
    cache: view,
    client: deps.os2sync,
    logger: deps.logger,
    verbose: false,
    signal: deps.signal,
  });
  cache.adopt(view);

  // done = the cache holds exactly what MO says now (sent, unchanged, or deleted)
  const notUpserted = (key: string): boolean => view.get(key)?.op !== 'upsert';
  const settled = new Set<string>();
  const unitItems = new Map(mine.units.map((u) => [u.moUuid, u.payload]));
  for (const u of units) {
    const p = unitItems.get(u);
    const ok = p
      ? view.unchanged(HashCache.key('orgUnit', p.Uuid), p, 'upsert')
      : notUpserted(HashCache.key('orgUnit', u));
    if (ok) settled.add(tkey('unit', u));
  }
  const accounts = new Map<string, (typeof mine.users)[number][]>();
  for (const u of mine.users) accounts.set(u.personUuid, [...(accounts.get(u.personUuid) ?? []), u]);
  for (const p of persons) {
    const mineAccounts = accounts.get(p) ?? [];
    const ok =
      mineAccounts.length === 0
        ? notUpserted(HashCache.key('user', p))
        : mineAccounts.every((a) =>
            a.payload.Positions.length > 0
              ? view.unchanged(HashCache.key('user', a.payload.Uuid), a.payload, 'upsert')
              : notUpserted(HashCache.key('user', a.payload.Uuid)),
          );
    // payloads that cannot be built (an empty UserId from a template) fail as in the night: logged, not retried
    if (ok || mine.failures.some((f) => f.message.includes(p))) settled.add(tkey('person', p));
  }
  const ok = targets.filter((t) => settled.has(tkey(t.kind, t.uuid)));
  const failed = targets.filter((t) => !settled.has(tkey(t.kind, t.uuid)));
  const error = outcome.stopped ?? outcome.failures.find((f) => !f.line.includes('is empty'))?.line ?? null;
  return { ok, failed, error, outcome, stopped: outcome.stopped !== null };
}
