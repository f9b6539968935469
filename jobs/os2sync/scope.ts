/**
 * Which units are exported (spec §2.3) and under which FK uuid (§2.10), in parent-before-child order.
 */
import { JobSettingsError } from '../../orchestrator/job.js';
import type { MoModel, UnitRec, ItUserRec } from './model.js';
import { UUID_RE } from './normalize.js';
import type { Os2syncConfig } from './config.js';

/** MO data that cannot be exported safely: abort before anything is sent or deleted. */
export class MoDataError extends Error {}

export interface UnitScope {
  /** MO uuids of exported units, top-down (parent before child, siblings by uuid). */
  order: string[];
  exported: Set<string>;
  /** FK uuid of any MO unit (its `uuid_from_it_systems` account, else its MO uuid). */
  fkUuid(moUuid: string): string;
  /** Exported units whose MO parent is not exported (ignored or filtered): one warning each. */
  danglingParents: { unit: string; parent: string }[];
}

/** The `user_key` of the it-user in the earliest-listed system, when it is a UUID (lowercased). */
export function uuidFromItUsers(itUsers: ItUserRec[], systems: string[]): string | null {
  for (const system of systems) {
    const hit = itUsers.find((it) => it.itSystemName === system && UUID_RE.test(it.userKey.trim()));
    if (hit) return hit.userKey.trim().toLowerCase();
  }
  return null;
}

export function computeScope(model: MoModel, cfg: Os2syncConfig): UnitScope {
  const top = model.units.get(cfg.topUnit);
  if (!top)
    throw new MoDataError(`the top unit ${cfg.topUnit} (os2sync.top_unit_uuid) is not a current unit in MO`);

  let allowedHierarchies: Set<string> | null = null;
  if (cfg.filterHierarchyNames.length > 0) {
    allowedHierarchies = new Set(
      [...model.hierarchyClasses]
        .filter(([, name]) => cfg.filterHierarchyNames.includes(name))
        .map(([uuid]) => uuid),
    );
    if (allowedHierarchies.size === 0) {
      throw new JobSettingsError(
        'os2sync.filter_hierarchy_names',
        `no org_unit_hierarchy class in MO is named ${cfg.filterHierarchyNames.map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
  }
  const ignoredLevels = new Set(cfg.ignoredLevels);
  const ignoredTypes = new Set(cfg.ignoredTypes);
  const isExported = (u: UnitRec): boolean => {
    if (u.uuid === top.uuid) return true;
    if (allowedHierarchies && (u.hierarchy === null || !allowedHierarchies.has(u.hierarchy))) return false;
    if (u.level !== null && ignoredLevels.has(u.level)) return false;
    if (u.type !== null && ignoredTypes.has(u.type)) return false;
    return true;
  };

  const children = new Map<string, string[]>();
  for (const u of model.units.values()) {
    if (u.parent === null) continue;
    const list = children.get(u.parent) ?? [];
    list.push(u.uuid);
    children.set(u.parent, list);
  }
  const order: string[] = [];
  const exported = new Set<string>();
  const seen = new Set<string>([top.uuid]);
  const queue = [top.uuid];
  for (let i = 0; i < queue.length; i++) {
    const unit = model.units.get(queue[i]!)!;
    if (isExported(unit)) {
      order.push(unit.uuid);
      exported.add(unit.uuid);
    }
    for (const child of (children.get(unit.uuid) ?? []).sort()) {
      if (!seen.has(child)) {
        seen.add(child);
        queue.push(child);
      }
    }
  }

  const fkCache = new Map<string, string>();
  const fkUuid = (moUuid: string): string => {
    let v = fkCache.get(moUuid);
    if (v === undefined) {
      const unit = model.units.get(moUuid);
      v = (unit && uuidFromItUsers(unit.itUsers, cfg.uuidFromItSystems)) ?? moUuid;
      fkCache.set(moUuid, v);
    }
    return v;
  };

  const danglingParents = order
    .map((uuid) => model.units.get(uuid)!)
    .filter((u) => u.uuid !== top.uuid && u.parent !== null && !exported.has(u.parent))
    .map((u) => ({ unit: u.uuid, parent: u.parent! }));

  return { order, exported, fkUuid, danglingParents };
}
