/**
 * Actual mode: each unit's own managers, inherited ("acting") managers and ancestors, computed from the managers
 * list and the parent links the build reads anyway, instead of asking MO per unit (MO resolves nested
 * `managers(inherit)` and `ancestors` once per unit). Same answers as MO's nested fields: own managers in list
 * order; inherited = the own managers of the nearest unit, the unit itself first, that has any; ancestors
 * nearest first, following `parent_uuid` while the parent is a unit valid now.
 */
import type { MoOrgUnit } from './map-org.js';

interface ManagerRef {
  uuid: string;
  responsibility_uuids?: string[] | null;
}

interface ManagerRecord extends ManagerRef {
  org_unit_uuid?: string | null;
}

/** Guards against a cycle in dirty parent links (MO stops at the same depth). */
const MAX_DEPTH = 100;

export class UnitRelations {
  private readonly managers = new Map<string, ManagerRef[]>();

  /** Records the managers of a fetched page (their `current` records) by unit. */
  addManagers(records: readonly ManagerRecord[]): void {
    for (const m of records) {
      if (!m.org_unit_uuid) continue;
      const list = this.managers.get(m.org_unit_uuid);
      const ref = { uuid: m.uuid, responsibility_uuids: m.responsibility_uuids ?? [] };
      if (list) list.push(ref);
      else this.managers.set(m.org_unit_uuid, [ref]);
    }
  }

  /** Sets `managers`, `acting` and `ancestors` on every unit record, as MO's nested fields would. */
  complete(units: readonly MoOrgUnit[]): void {
    const byUuid = new Map(units.map((u) => [u.uuid, u]));
    for (const u of units) {
      u.managers = this.managers.get(u.uuid) ?? [];
      const ancestors: NonNullable<MoOrgUnit['ancestors']> = [];
      let acting: ManagerRef[] = u.managers;
      for (let p = byUuid.get(u.parent_uuid ?? ''); p && ancestors.length < MAX_DEPTH;) {
        ancestors.push({ uuid: p.uuid, name: p.name, parent_uuid: p.parent_uuid ?? null });
        if (acting.length === 0) acting = this.managers.get(p.uuid) ?? [];
        p = byUuid.get(p.parent_uuid ?? '');
      }
      u.acting = acting;
      u.ancestors = ancestors;
    }
  }
}
