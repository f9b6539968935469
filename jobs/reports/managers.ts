/** Who fills a unit's manager columns, and who is a person's Leder (own unit first, then up the tree). */
import { ancestorsAndSelf } from './org-tree.js';
import type { Manager, SnapshotData } from './snapshot-data.js';

export interface ManagerRules {
  lederType: string;
  medlederType: string;
  medlederSlots: number;
  administratorType: string;
  responsibilityColumns: readonly string[];
  inheritManager: boolean;
}

/** The unit's own manager slots (no inheritance): the manager in each slot, or null when vacant or unmatched. */
export interface UnitSlots {
  leder: Manager | null;
  medledere: (Manager | null)[];
  administrator: Manager | null;
  responsibilities: (Manager | null)[];
}

export function unitSlots(managers: readonly Manager[], rules: ManagerRules): UnitSlots {
  const ofType = (t: string) => managers.filter((m) => m.typeTitle === t);
  const medledere = ofType(rules.medlederType);
  return {
    leder: ofType(rules.lederType)[0] ?? null,
    medledere: Array.from({ length: rules.medlederSlots }, (_, i) => medledere[i] ?? null),
    administrator: ofType(rules.administratorType)[0] ?? null,
    responsibilities: rules.responsibilityColumns.map(
      (r) => managers.find((m) => m.responsibilities.includes(r)) ?? null,
    ),
  };
}

/**
 * The Leder shown for `personUuid` in `unitUuid`: the unit's first non-vacant manager of the Leder type who is
 * not the person; else, with `inheritManager`, the nearest ancestor's. A person who is their own unit's Leder
 * is never shown as their own Leder: the search walks further up (also without `inheritManager`), as DIPEX's
 * Egedal manager report did. Null when nobody is found up to the root.
 */
export function lederFor(
  data: SnapshotData,
  unitUuid: string,
  personUuid: string | null,
  rules: ManagerRules,
): Manager | null {
  const chain = ancestorsAndSelf(data, unitUuid);
  let selfSeen = false;
  for (const unit of chain) {
    const leaders = (data.managersByUnit.get(unit.uuid) ?? []).filter(
      (m) => m.typeTitle === rules.lederType && m.personUuid !== null,
    );
    const other = leaders.find((m) => m.personUuid !== personUuid);
    if (other) return other;
    if (personUuid !== null && leaders.some((m) => m.personUuid === personUuid)) selfSeen = true;
    if (!rules.inheritManager && !selfSeen) return null;
  }
  return null;
}

/** The first of the unit's managers held by this person (their own role in the unit). */
export function ownRole(managers: readonly Manager[], personUuid: string): Manager | null {
  return managers.find((m) => m.personUuid === personUuid) ?? null;
}
