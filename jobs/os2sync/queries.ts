/**
 * The GraphQL documents of the OS2sync export: a handful of paged bulk reads of whole collections (not one
 * query per person), joined in memory by read-mo.ts. Valid against OS2mo's v29 schema.
 */
import { defineQuery } from '../clients/gql.js';

const AREA = 'os2sync';
const PAGE = 'page_info { next_cursor }';

export const orgQuery = defineQuery(
  AREA,
  'Os2syncOrganisation',
  `query Os2syncOrganisation { org { uuid } }`,
);

export const facetsQuery = defineQuery(
  AREA,
  'Os2syncFacets',
  `query Os2syncFacets($limit: int, $cursor: Cursor) {
  facets(limit: $limit, cursor: $cursor) { objects { current { uuid user_key } } ${PAGE} }
}`,
);

export const classesQuery = defineQuery(
  AREA,
  'Os2syncClasses',
  `query Os2syncClasses($limit: int, $cursor: Cursor) {
  classes(limit: $limit, cursor: $cursor) { objects { current { uuid user_key name scope facet_uuid } } ${PAGE} }
}`,
);

export const itSystemsQuery = defineQuery(
  AREA,
  'Os2syncItSystems',
  `query Os2syncItSystems($limit: int, $cursor: Cursor) {
  itsystems(limit: $limit, cursor: $cursor) { objects { current { uuid name } } ${PAGE} }
}`,
);

export const unitsQuery = defineQuery(
  AREA,
  'Os2syncUnits',
  `query Os2syncUnits($limit: int, $cursor: Cursor) {
  org_units(limit: $limit, cursor: $cursor) {
    objects { current { uuid name parent_uuid org_unit_level_uuid unit_type_uuid org_unit_hierarchy } }
    ${PAGE}
  }
}`,
);

export const itUsersQuery = defineQuery(
  AREA,
  'Os2syncItUsers',
  `query Os2syncItUsers($limit: int, $cursor: Cursor) {
  itusers(limit: $limit, cursor: $cursor) {
    objects { current { uuid user_key itsystem_uuid employee_uuid org_unit_uuid engagement_uuids } }
    ${PAGE}
  }
}`,
);

export const addressesQuery = defineQuery(
  AREA,
  'Os2syncAddresses',
  `query Os2syncAddresses($limit: int, $cursor: Cursor) {
  addresses(limit: $limit, cursor: $cursor) {
    objects { current { uuid name value address_type_uuid visibility_uuid employee_uuid org_unit_uuid engagement_uuid } }
    ${PAGE}
  }
}`,
);

export const managersQuery = defineQuery(
  AREA,
  'Os2syncManagers',
  `query Os2syncManagers($limit: int, $cursor: Cursor) {
  managers(limit: $limit, cursor: $cursor) { objects { current { uuid employee_uuid org_unit_uuid } } ${PAGE} }
}`,
);

export const klesQuery = defineQuery(
  AREA,
  'Os2syncKles',
  `query Os2syncKles($limit: int, $cursor: Cursor) {
  kles(limit: $limit, cursor: $cursor) {
    objects { current { uuid org_unit_uuid kle_number_uuid kle_aspect_uuids } }
    ${PAGE}
  }
}`,
);

export const personsQuery = defineQuery(
  AREA,
  'Os2syncPersons',
  `query Os2syncPersons($limit: int, $cursor: Cursor) {
  persons(limit: $limit, cursor: $cursor) {
    objects { current { uuid user_key given_name surname nickname_given_name nickname_surname cpr_number } }
    ${PAGE}
  }
}`,
);

/** Engagements valid today or later, each with its whole timeline (for StartDate/StopDate, decision 7). */
export const engagementsQuery = defineQuery(
  AREA,
  'Os2syncEngagements',
  `query Os2syncEngagements($limit: int, $cursor: Cursor, $from: DateTime) {
  engagements(limit: $limit, cursor: $cursor, filter: { from_date: $from, to_date: null }) {
    objects {
      validities(start: null, end: null) {
        uuid employee_uuid org_unit_uuid job_function_uuid is_primary validity { from to }
      }
    }
    ${PAGE}
  }
}`,
);
