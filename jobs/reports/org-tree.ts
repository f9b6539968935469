/** The unit tree of a snapshot: scope (top units), pre-order traversal and root-first name paths. */
import type { SnapshotData, Unit } from './snapshot-data.js';

export interface ScopedUnit {
  unit: Unit;
  /** Names from the scope's top unit down to this unit, both included. */
  path: string[];
}

function byName(a: Unit, b: Unit): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
}

/** Every unit under the given top units (included), pre-order, children by name. Cycle-safe. */
export function traverse(data: SnapshotData, tops: Unit[]): ScopedUnit[] {
  const out: ScopedUnit[] = [];
  const visited = new Set<string>();
  const stack: ScopedUnit[] = [...tops]
    .sort(byName)
    .reverse()
    .map((unit) => ({ unit, path: [unit.name] }));
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (visited.has(item.unit.uuid)) continue;
    visited.add(item.unit.uuid);
    out.push(item);
    const kids = [...(data.children.get(item.unit.uuid) ?? [])].sort(byName);
    for (let i = kids.length - 1; i >= 0; i--)
      stack.push({ unit: kids[i]!, path: [...item.path, kids[i]!.name] });
  }
  return out;
}

/** Units from `uuid` up to its root, the unit itself first. Stops on a cycle or a parent outside the snapshot. */
export function ancestorsAndSelf(data: SnapshotData, uuid: string): Unit[] {
  const chain: Unit[] = [];
  const seen = new Set<string>();
  let current = data.units.get(uuid);
  while (current && !seen.has(current.uuid)) {
    chain.push(current);
    seen.add(current.uuid);
    current = current.parent ? data.units.get(current.parent) : undefined;
  }
  return chain;
}

/** The number of path levels needed for the deepest unit. */
export function maxDepth(units: ScopedUnit[]): number {
  return units.reduce((m, u) => Math.max(m, u.path.length), 0);
}
