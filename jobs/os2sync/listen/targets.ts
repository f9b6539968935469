/**
 * Maps one MO event to the persons and units to re-sync (specs/events.md §4.3 and Decision 5). The event
 * carries only a subject; owners are looked up over all time (a terminated object still maps), the current
 * MO state decides the rest at re-sync time. Unknown routing keys and vanished subjects map to what can be
 * found (maybe nothing): the event is acknowledged either way.
 */
import type { MoClient } from '../../clients/mo.js';
import type { GqlDocument } from '../../clients/gql.js';
import {
  addressOwnersQuery,
  classPersonsQuery,
  engagementOwnersQuery,
  itUserOwnersQuery,
  kleOwnersQuery,
  managerOwnersQuery,
  subtreeQuery,
  unitPersonsQuery,
} from './queries.js';
import type { Target } from './queue.js';
import { Batcher } from './batcher.js';

/** The routing keys `listen` declares listeners for (the list). */
export const ROUTING_KEYS = [
  'person',
  'org_unit',
  'engagement',
  'address',
  'ituser',
  'kle',
  'manager',
  'class',
] as const;

type Owners = { validities: { employee_uuid?: string | null; org_unit_uuid?: string | null }[] };

/** Routing keys whose subject maps to the owners of one object, looked up by uuid: which targets each gives. */
const OWNER_LOOKUPS: Record<string, { doc: GqlDocument; persons: boolean; units: boolean }> = {
  engagement: { doc: engagementOwnersQuery, persons: true, units: false },
  address: { doc: addressOwnersQuery, persons: true, units: true },
  // person accounts and unit FK uuids can come from it-users
  ituser: { doc: itUserOwnersQuery, persons: true, units: true },
  kle: { doc: kleOwnersQuery, persons: false, units: true },
  manager: { doc: managerOwnersQuery, persons: false, units: true },
};

/** The most subjects looked up in one request. */
export const OWNER_BATCH_MAX = 100;

/** Targets of each subject of one owner routing key (`engagement`, `address`, …), in one request. */
export async function ownerTargets(
  client: MoClient,
  routingKey: string,
  subjects: string[],
): Promise<Target[][]> {
  const lookup = OWNER_LOOKUPS[routingKey];
  if (!lookup) throw new Error(`no owner look-up for routing key ${routingKey}`);
  const data = await client.query<Record<string, { objects: (Owners & { uuid: string })[] }>>(lookup.doc, {
    uuids: subjects,
  });
  const bySubject = new Map<string, Owners[]>();
  for (const o of Object.values(data)[0]?.objects ?? []) {
    const key = o.uuid.toLowerCase();
    const found = bySubject.get(key);
    if (found) found.push(o);
    else bySubject.set(key, [o]);
  }
  return subjects.map((s) => collect(bySubject.get(s.toLowerCase()) ?? [], lookup.persons, lookup.units));
}

/** Finds the targets of one owner event's subject. */
export type OwnerLookup = (routingKey: string, subject: string) => Promise<Target[]>;

/** One request per subject. */
export const directOwners =
  (client: MoClient): OwnerLookup =>
  async (routingKey, subject) =>
    (await ownerTargets(client, routingKey, [subject]))[0]!;

/**
 * Subjects of events handled at the same time share a request per routing key (a burst: up to
 * OWNER_BATCH_MAX). `split` says which errors may come from one bad subject (then each is asked alone).
 */
export function batchedOwners(client: MoClient, split: (err: unknown) => boolean): OwnerLookup {
  const batchers = new Map<string, Batcher<string, Target[]>>();
  return (routingKey, subject) => {
    let b = batchers.get(routingKey);
    if (!b) {
      b = new Batcher((subjects) => ownerTargets(client, routingKey, subjects), OWNER_BATCH_MAX, split);
      batchers.set(routingKey, b);
    }
    return b.add(subject);
  };
}

function collect(objs: Owners[], persons: boolean, units: boolean): Target[] {
  const seen = new Map<string, Target>();
  for (const o of objs)
    for (const v of o.validities) {
      if (persons && v.employee_uuid)
        seen.set(`p${v.employee_uuid}`, { kind: 'person', uuid: v.employee_uuid });
      if (units && v.org_unit_uuid) seen.set(`u${v.org_unit_uuid}`, { kind: 'unit', uuid: v.org_unit_uuid });
    }
  return [...seen.values()];
}

/**
 * Targets of one event. `onPage` receives large fan-outs (unit subtrees, class users) page by page so they
 * are queued in bounded batches; the return value is what is left.
 */
export async function targetsOf(
  client: MoClient,
  routingKey: string,
  subject: string,
  onPage: (targets: Target[]) => void,
  owners: OwnerLookup = directOwners(client),
): Promise<Target[]> {
  const uuids = [subject];
  if (Object.hasOwn(OWNER_LOOKUPS, routingKey)) return owners(routingKey, subject);
  switch (routingKey) {
    case 'person':
      return [{ kind: 'person', uuid: subject }];
    case 'org_unit': {
      // a move changes the subtree's scope: re-sync the unit, its current subtree and their persons
      const units = [subject];
      for await (const page of client.paged<{ uuid: string }>(subtreeQuery, { uuids }, { pageSize: 500 }))
        units.push(...page.map((u) => u.uuid));
      const unique = [...new Set(units)];
      onPage(unique.map((uuid) => ({ kind: 'unit', uuid })));
      for (let i = 0; i < unique.length; i += 100) {
        for await (const page of client.paged<Owners>(
          unitPersonsQuery,
          { units: unique.slice(i, i + 100) },
          { pageSize: 500 },
        ))
          onPage(collect(page, true, false));
      }
      return [];
    }
    case 'class': {
      // a job function rename changes the positions of every person using it: queued page by page
      for await (const page of client.paged<Owners>(classPersonsQuery, { classes: uuids }, { pageSize: 500 }))
        onPage(collect(page, true, false));
      return [];
    }
    default:
      return [];
  }
}
