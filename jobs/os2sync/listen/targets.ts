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

async function owners(client: MoClient, doc: GqlDocument, vars: Record<string, unknown>): Promise<Owners[]> {
  const out: Owners[] = [];
  for await (const page of client.paged<Owners>(doc, vars, { pageSize: 500 })) out.push(...page);
  return out;
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
): Promise<Target[]> {
  const uuids = [subject];
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
    case 'engagement':
      return collect(await owners(client, engagementOwnersQuery, { uuids }), true, false);
    case 'address':
      return collect(await owners(client, addressOwnersQuery, { uuids }), true, true);
    case 'ituser':
      // person accounts and unit FK uuids can come from it-users
      return collect(await owners(client, itUserOwnersQuery, { uuids }), true, true);
    case 'kle':
      return collect(await owners(client, kleOwnersQuery, { uuids }), false, true);
    case 'manager':
      return collect(await owners(client, managerOwnersQuery, { uuids }), false, true);
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
