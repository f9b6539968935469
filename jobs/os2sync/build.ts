/**
 * The pure mapping layer: normalized MO model + settings + templates → every payload this run produces
 * (spec §2.1 step 4). No I/O; both read modes feed it, so both send the same requests.
 */
import { buildAccounts, type Account } from './accounts.js';
import type { MoModel } from './model.js';
import { normalizePayload, type Truncation } from './normalize.js';
import type { OrgUnitPayload, UserPayload } from './payloads.js';
import { computeScope, type UnitScope } from './scope.js';
import type { Os2syncConfig } from './config.js';
import type { CompiledTemplate } from './templates.js';
import { buildUnitPayload } from './unit-payload.js';
import { buildUserPayload } from './user-payload.js';

export interface UnitItem {
  moUuid: string;
  payload: OrgUnitPayload;
}

export interface UserItem {
  personUuid: string;
  payload: UserPayload;
}

/** An object that cannot be sent (e.g. an empty UserId from a template): it fails, the rest goes on. */
export interface ObjectFailure {
  kind: 'orgUnit' | 'user';
  uuid: string;
  message: string;
}

export interface BuiltPayloads {
  /** Exported units, parent before child. */
  units: UnitItem[];
  /** FK accounts sorted by Uuid; zero positions = delete. */
  users: UserItem[];
  /** MO-uuid objects superseded by an FK uuid (uuid_from_it_systems): deleted once. */
  supersededUnits: string[];
  supersededUsers: string[];
  failures: ObjectFailure[];
  warnings: string[];
  errors: string[];
  truncations: Truncation[];
  topUnitFkUuid: string;
  topUnitMoUuid: string;
  personCount: number;
}

export function buildPayloads(
  model: MoModel,
  cfg: Os2syncConfig,
  templates: Map<string, CompiledTemplate>,
): BuiltPayloads {
  const warnings: string[] = [];
  const errors: string[] = [];
  const failures: ObjectFailure[] = [];
  const truncations: Truncation[] = [];
  const scope: UnitScope = computeScope(model, cfg);
  for (const d of scope.danglingParents) {
    warnings.push(`unit ${d.unit} is exported under parent ${d.parent}, which is not exported`);
  }

  // Accounts first: unit managers point at their FK user uuid.
  const accountsByPerson = new Map<string, Account[]>();
  for (const person of model.persons) {
    accountsByPerson.set(
      person.uuid,
      buildAccounts(person, cfg, (m) => warnings.push(m)),
    );
  }
  const managerFkUuid = (personUuid: string, unitUuid: string): string => {
    const accounts = accountsByPerson.get(personUuid);
    if (!accounts || accounts.length === 0) return personUuid;
    if (accounts.length === 1) return accounts[0]!.uuid;
    const inUnit = accounts.find((a) => a.engagements.some((e) => e.unitUuid === unitUuid));
    return (inUnit ?? accounts[0]!).uuid;
  };

  const units: UnitItem[] = [];
  const supersededUnits: string[] = [];
  for (const moUuid of scope.order) {
    const unit = model.units.get(moUuid)!;
    const raw = buildUnitPayload(unit, {
      cfg,
      scope,
      managerFkUuid,
      warn: (m) => warnings.push(m),
      error: (m) => errors.push(m),
    });
    units.push({ moUuid, payload: normalizePayload(raw, cfg.truncateLength, raw.Uuid, truncations) });
    if (raw.Uuid !== moUuid) supersededUnits.push(moUuid);
  }

  const users: UserItem[] = [];
  const supersededUsers: string[] = [];
  const seen = new Map<string, string>();
  for (const person of model.persons) {
    const accounts = accountsByPerson.get(person.uuid)!;
    for (const account of accounts) {
      const owner = seen.get(account.uuid);
      if (owner !== undefined) {
        if (owner === person.uuid) {
          warnings.push(
            `person ${person.uuid}: the account of engagement ${account.engagementKey ?? '(none)'} has no FK uuid of its own and would reuse ${account.uuid}; only the first account is sent`,
          );
        } else {
          errors.push(
            `FK user uuid ${account.uuid} of person ${person.uuid} is already used by person ${owner}; not sent`,
          );
        }
        continue;
      }
      seen.set(account.uuid, person.uuid);
      const raw = buildUserPayload(person, account, {
        cfg,
        scope,
        units: model.units,
        templates,
        warn: (m) => warnings.push(m),
      });
      const payload = normalizePayload(raw, cfg.truncateLength, raw.Uuid, truncations);
      if (payload.Positions.length > 0 && (payload.UserId === '' || payload.Person.Name === '')) {
        failures.push({
          kind: 'user',
          uuid: payload.Uuid,
          message: `${payload.UserId === '' ? 'UserId' : 'Person.Name'} is empty (template result) for person ${person.uuid}`,
        });
        continue;
      }
      users.push({ personUuid: person.uuid, payload });
    }
    if (!accounts.some((a) => a.uuid === person.uuid)) supersededUsers.push(person.uuid);
  }
  users.sort((a, b) => (a.payload.Uuid < b.payload.Uuid ? -1 : a.payload.Uuid > b.payload.Uuid ? 1 : 0));
  const produced = new Set(users.map((u) => u.payload.Uuid));

  return {
    units,
    users,
    supersededUnits: supersededUnits.filter((u) => !units.some((x) => x.payload.Uuid === u)).sort(),
    supersededUsers: supersededUsers.filter((u) => !produced.has(u) && !seen.has(u)).sort(),
    failures,
    warnings,
    errors,
    truncations,
    topUnitFkUuid: scope.fkUuid(cfg.topUnit),
    topUnitMoUuid: cfg.topUnit,
    personCount: model.persons.length,
  };
}
