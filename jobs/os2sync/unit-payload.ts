/** The OrgUnit payload of an exported unit (spec §2.4). */
import type { AddressRec, UnitRec } from './model.js';
import type { OrgUnitPayload } from './payloads.js';
import type { UnitScope } from './scope.js';
import type { Os2syncConfig } from './config.js';

export interface UnitPayloadContext {
  cfg: Os2syncConfig;
  scope: UnitScope;
  /** FK user uuid of a manager (the person's FK account), from the user side. */
  managerFkUuid(personUuid: string, unitUuid: string): string;
  warn(message: string): void;
  error(message: string): void;
}

/** Sent only when it has no visibility or a PUBLIC one (decision 2). */
export function isVisible(a: AddressRec): boolean {
  return a.visibilityScope === null || a.visibilityScope === 'PUBLIC';
}

/** Unit address → payload field (last one wins), or null when the address is not sent. */
function unitAddressField(a: AddressRec, cfg: Os2syncConfig): string | null {
  switch (a.scope) {
    case 'EMAIL':
      return 'Email';
    case 'EAN':
      return 'Ean';
    case 'PHONE':
      return 'PhoneNumber';
    case 'DAR':
      return 'Post';
    case 'PNUMBER':
      return cfg.pnumberField;
    case 'TEXT':
      return a.typeUserKey === 'ContactOpenHours'
        ? 'ContactOpenHours'
        : a.typeUserKey === 'DtrId'
          ? 'DtrId'
          : null;
    default:
      return null;
  }
}

const sortedUnique = (xs: string[]): string[] => [...new Set(xs)].sort();

export function buildUnitPayload(unit: UnitRec, ctx: UnitPayloadContext): OrgUnitPayload {
  const { cfg, scope } = ctx;
  const isTop = unit.uuid === cfg.topUnit;
  const payload: OrgUnitPayload = {
    Uuid: scope.fkUuid(unit.uuid),
    Name: unit.name,
    ParentOrgUnitUuid: isTop || unit.parent === null ? null : scope.fkUuid(unit.parent),
    ItSystems: sortedUnique(
      unit.itUsers
        .filter((it) => !cfg.uuidFromItSystems.includes(it.itSystemName))
        .map((it) => it.itSystemUuid),
    ),
  };
  for (const address of unit.addresses) {
    if (!isVisible(address)) continue;
    const field = unitAddressField(address, cfg);
    if (field) payload[field] = address.name;
  }
  if (cfg.syncManagers) {
    const people = [...new Set(unit.managers.filter((m): m is string => m !== null))];
    if (people.length === 1) payload.ManagerUuid = ctx.managerFkUuid(people[0]!, unit.uuid);
    else if (people.length > 1) {
      ctx.error(
        `unit ${unit.uuid} has ${people.length} managers; ManagerUuid is not sent (OS2sync takes one)`,
      );
    }
  }
  if (cfg.enableKle && unit.kles.length > 0) {
    if (cfg.useContactForTasks) {
      const tasks = unit.kles.filter((k) => k.aspects.includes('Udførende')).map((k) => k.numberUuid);
      const contact = unit.kles.filter((k) => k.aspects.includes('Ansvarlig')).map((k) => k.numberUuid);
      if (tasks.length > 0) payload.Tasks = sortedUnique(tasks);
      if (contact.length > 0) payload.ContactForTasks = sortedUnique(contact);
    } else {
      payload.Tasks = sortedUnique(unit.kles.map((k) => k.numberUuid));
    }
  }
  return payload;
}
