/**
 * GraphQL documents of `job-runner listen`: the event system (specs/events.md §1) and the owner look-ups that
 * map an event's subject to the persons and units to re-sync (§4.3, Decision 5). Look-ups use
 * `from_date: null, to_date: null`, so a terminated object still maps to its owner. Flat reads by uuid.
 * The owner look-ups are filtered by a bounded list of subjects (at most one object per uuid), so they are not
 * paged: one request, however many events share it (docs/mo-client.md, Requests).
 */
import { defineQuery, type GqlDocument } from '../../clients/gql.js';

const AREA = 'os2sync/listen';
const PAGE = 'page_info { next_cursor }';
const ALL_TIME = 'from_date: null, to_date: null';

export const meQuery = defineQuery(AREA, 'ListenMe', `query ListenMe { me { actor { uuid } } }`);

export const declareListenerMutation = defineQuery(
  AREA,
  'ListenDeclare',
  `mutation ListenDeclare($user_key: String!, $routing_key: String!) {
  event_listener_declare(input: { namespace: "mo", user_key: $user_key, routing_key: $routing_key }) { uuid }
}`,
);

export const fetchEventQuery = defineQuery(
  AREA,
  'ListenFetch',
  `query ListenFetch($listener: UUID!) {
  event_fetch(filter: { listener: $listener }) { subject priority token }
}`,
);

/** The most events acknowledged in one request. */
export const ACK_BATCH_MAX = 16;

/**
 * `ackMutations[n - 1]` acknowledges n events in one request: n aliased `event_acknowledge` fields, which MO
 * runs one after the other (mutation fields are serial); variables `t0` … `t{n-1}`. One fixed document per
 * size, so each is registered and checked against the schema like every other.
 */
export const ackMutations: readonly GqlDocument[] = Array.from({ length: ACK_BATCH_MAX }, (_, i) => {
  const n = i + 1;
  const vars = Array.from({ length: n }, (_, k) => `$t${k}: EventToken!`).join(', ');
  const fields = Array.from(
    { length: n },
    (_, k) => `a${k}: event_acknowledge(input: { token: $t${k} })`,
  ).join(' ');
  return defineQuery(AREA, `ListenAck${n}`, `mutation ListenAck${n}(${vars}) { ${fields} }`);
});

export const engagementOwnersQuery = defineQuery(
  AREA,
  'ListenEngagementOwners',
  `query ListenEngagementOwners($uuids: [UUID!]!) {
  engagements(filter: { uuids: $uuids, ${ALL_TIME} }) { objects { uuid validities { employee_uuid org_unit_uuid } } }
}`,
);

export const addressOwnersQuery = defineQuery(
  AREA,
  'ListenAddressOwners',
  `query ListenAddressOwners($uuids: [UUID!]!) {
  addresses(filter: { uuids: $uuids, ${ALL_TIME} }) { objects { uuid validities { employee_uuid org_unit_uuid } } }
}`,
);

export const itUserOwnersQuery = defineQuery(
  AREA,
  'ListenItUserOwners',
  `query ListenItUserOwners($uuids: [UUID!]!) {
  itusers(filter: { uuids: $uuids, ${ALL_TIME} }) { objects { uuid validities { employee_uuid org_unit_uuid } } }
}`,
);

export const kleOwnersQuery = defineQuery(
  AREA,
  'ListenKleOwners',
  `query ListenKleOwners($uuids: [UUID!]!) {
  kles(filter: { uuids: $uuids, ${ALL_TIME} }) { objects { uuid validities { org_unit_uuid } } }
}`,
);

export const managerOwnersQuery = defineQuery(
  AREA,
  'ListenManagerOwners',
  `query ListenManagerOwners($uuids: [UUID!]!) {
  managers(filter: { uuids: $uuids, ${ALL_TIME} }) { objects { uuid validities { org_unit_uuid } } }
}`,
);

/** A unit's current subtree (the unit itself is added by the caller). */
export const subtreeQuery = defineQuery(
  AREA,
  'ListenSubtree',
  `query ListenSubtree($uuids: [UUID!], $limit: int, $cursor: Cursor) {
  org_units(filter: { ancestor: { uuids: $uuids } }, limit: $limit, cursor: $cursor) {
    objects { uuid } ${PAGE}
  }
}`,
);

/** Persons with an engagement (any time) in the given units. */
export const unitPersonsQuery = defineQuery(
  AREA,
  'ListenUnitPersons',
  `query ListenUnitPersons($units: [UUID!], $limit: int, $cursor: Cursor) {
  engagements(filter: { org_unit: { uuids: $units }, ${ALL_TIME} }, limit: $limit, cursor: $cursor) {
    objects { validities { employee_uuid } } ${PAGE}
  }
}`,
);

/** Persons whose engagements use a class as job function (a class rename changes their positions). */
export const classPersonsQuery = defineQuery(
  AREA,
  'ListenClassPersons',
  `query ListenClassPersons($classes: [UUID!], $limit: int, $cursor: Cursor) {
  engagements(filter: { job_function: { uuids: $classes } }, limit: $limit, cursor: $cursor) {
    objects { validities { employee_uuid } } ${PAGE}
  }
}`,
);
