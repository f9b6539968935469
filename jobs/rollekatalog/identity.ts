/**
 * Who a MO person is in Rollekatalog (specs/rollekatalog.md REC 11): `extUuid` and `userId` per person, by
 * identity mode. Persons without an AD account are not in the map (and so not sent).
 */
import type { CprMapAccount } from '../cpr-uuid/read-map.js';
import type { IdentityMode } from './settings.js';
import type { RkItUser, RkModel } from './model.js';

export interface Identity {
  extUuid: string;
  userId: string;
}

export interface IdentityResult {
  byPerson: Map<string, Identity>;
  /** Persons skipped, with why (logged by uuid). */
  notInAd: number;
  missingFromMap: string[];
}

/** "FK-ORG UUID", "fk-org-uuid" and "FKORGUUID" are the same system name. */
const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9æøå]/g, '');

/** IT system uuids whose name (or uuid) matches the setting. */
export function systemsNamed(model: RkModel, wanted: string): Set<string> {
  const w = norm(wanted);
  const out = new Set<string>();
  for (const [uuid, name] of model.itSystems)
    if (norm(name) === w || uuid.toLowerCase() === wanted.toLowerCase()) out.add(uuid);
  return out;
}

function firstBySystem(model: RkModel, systems: Set<string>): Map<string, RkItUser> {
  const first = new Map<string, RkItUser>();
  for (const it of model.itUsers)
    if (systems.has(it.system) && it.userKey && !first.has(it.personUuid)) first.set(it.personUuid, it);
  return first;
}

export function resolveIdentities(
  model: RkModel,
  mode: IdentityMode,
  opts: { cprMap?: CprMapAccount[]; adSystem: string; fkSystem: string },
): IdentityResult {
  const byPerson = new Map<string, Identity>();
  let notInAd = 0;
  const missingFromMap: string[] = [];
  if (mode === 'dipex') {
    const map = new Map((opts.cprMap ?? []).map((r) => [r.moUuid.toLowerCase(), r] as const));
    for (const uuid of model.persons.keys()) {
      const row = map.get(uuid.toLowerCase());
      if (!row) missingFromMap.push(uuid);
      else if (!row.adGuid || !row.samAccountName) notInAd++;
      else byPerson.set(uuid, { extUuid: uuid, userId: row.samAccountName });
    }
    return { byPerson, notInAd, missingFromMap };
  }
  const ad = firstBySystem(model, systemsNamed(model, opts.adSystem));
  const fkSystems = systemsNamed(model, opts.fkSystem);
  /** FK IT users by user_key (the AD account's ObjectGUID): their external_id is the FK uuid. */
  const fkByKey = new Map<string, string>();
  if (mode === 'fk')
    for (const it of model.itUsers)
      if (fkSystems.has(it.system) && it.externalId) fkByKey.set(it.userKey.toLowerCase(), it.externalId);
  for (const uuid of model.persons.keys()) {
    const account = ad.get(uuid);
    if (!account) {
      notInAd++;
      continue;
    }
    if (mode === 'itsystem') {
      byPerson.set(uuid, { extUuid: uuid, userId: account.userKey });
      continue;
    }
    const fk = account.externalId ? fkByKey.get(account.externalId.toLowerCase()) : undefined;
    if (fk) byPerson.set(uuid, { extUuid: fk, userId: account.userKey });
    else notInAd++;
  }
  return { byPerson, notInAd, missingFromMap };
}
