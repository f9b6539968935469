/**
 * From a MO person to FK accounts (spec §2.5): the person's relevant it-users are grouped by the engagement
 * they are bound to; each group is one FK user with its own uuid, username, engagements and addresses.
 */
import type { AddressRec, EngagementRec, ItUserRec, PersonRec } from './model.js';
import { UUID_RE } from './normalize.js';
import type { Os2syncConfig } from './config.js';

export interface Account {
  /** FK user uuid: the group's uuid it-user, else the MO person uuid. */
  uuid: string;
  /** User name from the username it-user (UserId candidate), or null. */
  username: string | null;
  /** The engagement the group is bound to, or null (all engagements). */
  engagementKey: string | null;
  engagements: EngagementRec[];
  addresses: AddressRec[];
}

interface Group {
  key: string | null;
  uuid: string | null;
  username: string | null;
}

/** The single it-user of the earliest-listed system present; undefined when that system has several. */
function pickBySystems(itUsers: ItUserRec[], systems: string[]): ItUserRec | null | undefined {
  for (const system of systems) {
    const hits = itUsers.filter((it) => it.itSystemName === system);
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) return undefined;
  }
  return null;
}

export function buildAccounts(
  person: PersonRec,
  cfg: Os2syncConfig,
  warn: (message: string) => void,
): Account[] {
  const uuidUsers = person.itUsers.filter(
    (it) => cfg.uuidFromItSystems.includes(it.itSystemName) && UUID_RE.test(it.userKey.trim()),
  );
  const nameUsers = person.itUsers.filter((it) => it.itSystemName === cfg.userKeyItSystem);
  const keys = [...new Set([...uuidUsers, ...nameUsers].map((it) => it.engagementUuid))].sort((a, b) =>
    a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1,
  );

  let groups: Group[] = [];
  let ambiguous = false;
  for (const key of keys) {
    const uuidHit = pickBySystems(
      uuidUsers.filter((it) => it.engagementUuid === key),
      cfg.uuidFromItSystems,
    );
    const nameHit = pickBySystems(
      nameUsers.filter((it) => it.engagementUuid === key),
      [cfg.userKeyItSystem],
    );
    if (uuidHit === undefined || nameHit === undefined) {
      ambiguous = true;
      break;
    }
    groups.push({
      key,
      uuid: uuidHit ? uuidHit.userKey.trim().toLowerCase() : null,
      username: nameHit?.userKey ?? null,
    });
  }
  if (ambiguous) {
    warn(
      `person ${person.uuid} has several accounts of one IT system for one engagement; syncing one default account`,
    );
    groups = [];
  }
  if (groups.length === 0) groups.push({ key: null, uuid: null, username: null });

  return groups.map((g) => ({
    uuid: g.uuid ?? person.uuid,
    username: g.username,
    engagementKey: g.key,
    engagements: g.key === null ? person.engagements : person.engagements.filter((e) => e.uuid === g.key),
    addresses: g.key === null ? person.addresses : person.addresses.filter((a) => a.engagementUuid === g.key),
  }));
}
