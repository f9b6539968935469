/**
 * The GraphQL documents the snapshot builder sends (specs/lora-cache.md §3.3). One paged document per entity and
 * read style: `current` (actual mode) or `validities(start, end)` with the same window as the root filter
 * (historic modes: DESIGN §7, nested `validities` without arguments only returns what the filter loaded).
 * `page_info` comes before `objects`: MO answers in selection order, so the build's fetch thread reads the cursor
 * from the head of the response and leaves the parsing to the writer thread (MoClient.pagedBytes).
 */
import { defineQuery, type GqlDocument } from '../clients/gql.js';

const AREA = 'lora-cache';

/** Fields of each entity's validity objects. */
export const ENTITY_FIELDS = {
  facets: 'uuid user_key',
  classes: 'uuid user_key name scope facet_uuid parent_uuid validity { from to }',
  itsystems: 'uuid user_key name',
  persons:
    'uuid user_key cpr_number given_name surname nickname_given_name nickname_surname validity { from to }',
  org_units:
    'uuid user_key name unit_type_uuid org_unit_level_uuid time_planning_uuid parent_uuid org_unit_hierarchy validity { from to }',
  engagements:
    'uuid employee_uuid org_unit_uuid fraction user_key engagement_type_uuid primary_uuid is_primary job_function_uuid ' +
    'extension_1 extension_2 extension_3 extension_4 extension_5 extension_6 extension_7 extension_8 extension_9 extension_10 ' +
    'validity { from to }',
  leaves: 'uuid employee_uuid user_key leave_type_uuid engagement_uuid validity { from to }',
  itusers:
    'uuid employee_uuid org_unit_uuid user_key external_id itsystem_uuid primary_uuid engagement_uuids validity { from to }',
  kles: 'uuid org_unit_uuid kle_number_uuid kle_aspect_uuids user_key validity { from to }',
  related_units: 'uuid org_unit_uuids validity { from to }',
  managers:
    'uuid employee_uuid org_unit_uuid manager_type_uuid manager_level_uuid responsibility_uuids validity { from to }',
  associations:
    'uuid employee_uuid org_unit_uuid user_key association_type_uuid it_user_uuid job_function_uuid primary_uuid ' +
    'dynamic_class_uuid validity { from to }',
  addresses:
    'uuid address_type_uuid employee_uuid org_unit_uuid engagement_uuid ituser_uuid visibility_uuid name value user_key ' +
    'validity { from to }',
} as const;

export type Entity = keyof typeof ENTITY_FIELDS;

const FILTER_TYPE: Record<Entity, string> = {
  facets: 'FacetFilter',
  classes: 'ClassFilter',
  itsystems: 'ITSystemFilter',
  persons: 'EmployeeFilter',
  org_units: 'OrganisationUnitFilter',
  engagements: 'EngagementFilter',
  leaves: 'LeaveFilter',
  itusers: 'ITUserFilter',
  kles: 'KLEFilter',
  related_units: 'RelatedUnitFilter',
  managers: 'ManagerFilter',
  associations: 'AssociationFilter',
  addresses: 'AddressFilter',
};

function pascal(s: string): string {
  return s.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
}

function currentDoc(entity: Entity, fields: string): GqlDocument {
  const root =
    entity === 'managers'
      ? 'managers(filter: $filter, limit: $limit, cursor: $cursor, inherit: false)'
      : `${entity}(filter: $filter, limit: $limit, cursor: $cursor)`;
  return defineQuery(
    AREA,
    `LoraCache${pascal(entity)}Current`,
    `query LoraCache${pascal(entity)}Current($filter: ${FILTER_TYPE[entity]}, $limit: int, $cursor: Cursor) {
  page: ${root} {
    page_info { next_cursor }
    objects { uuid current { ${fields} } }
  }
}`,
  );
}

function validitiesDoc(entity: Entity, fields: string): GqlDocument {
  const root =
    entity === 'managers'
      ? 'managers(filter: $filter, limit: $limit, cursor: $cursor, inherit: false)'
      : `${entity}(filter: $filter, limit: $limit, cursor: $cursor)`;
  return defineQuery(
    AREA,
    `LoraCache${pascal(entity)}Validities`,
    `query LoraCache${pascal(entity)}Validities($filter: ${FILTER_TYPE[entity]}, $limit: int, $cursor: Cursor, $start: DateTime, $end: DateTime) {
  page: ${root} {
    page_info { next_cursor }
    objects { uuid validities(start: $start, end: $end) { ${fields} } }
  }
}`,
  );
}

const entities = Object.keys(ENTITY_FIELDS) as Entity[];

/** `current` documents (actual mode; facets, classes and IT systems in every mode). */
export const CURRENT_QUERIES = Object.fromEntries(
  entities.map((e) => [e, currentDoc(e, ENTITY_FIELDS[e])]),
) as Record<Entity, GqlDocument>;

/** `validities` documents (historic modes; classes too, for titles as of each row's validity). */
export const VALIDITIES_QUERIES = Object.fromEntries(
  entities
    .filter((e) => e !== 'facets' && e !== 'itsystems')
    .map((e) => [e, validitiesDoc(e, ENTITY_FIELDS[e])]),
) as Record<Exclude<Entity, 'facets' | 'itsystems'>, GqlDocument>;

/** The root organisation: a unit whose parent is the organisation is a root unit (parent null). */
export const ROOT_ORG_QUERY = defineQuery(
  AREA,
  'LoraCacheRootOrg',
  'query LoraCacheRootOrg { org { uuid } }',
);
