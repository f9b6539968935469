/**
 * GraphQL documents of exports_cpr_uuid when it reads MO (specs/lora-cache.md §4). Flat paged reads only: the IT
 * users of the AD systems in one list filtered by system, never a filtered `itusers` nested under each person
 * (MO resolves such a field once per person).
 */
import { defineQuery } from '../clients/gql.js';

export const CPR_UUID_ITSYSTEMS = defineQuery(
  'cpr-uuid',
  'CprUuidItSystems',
  `query CprUuidItSystems($limit: int, $cursor: Cursor) {
  page: itsystems(limit: $limit, cursor: $cursor) {
    objects { uuid current { user_key name } }
    page_info { next_cursor }
  }
}`,
);

/** IT users valid now in the AD systems (by UUID), with their person. */
export const CPR_UUID_ITUSERS = defineQuery(
  'cpr-uuid',
  'CprUuidItUsers',
  `query CprUuidItUsers($limit: int, $cursor: Cursor, $itsystems: [UUID!]) {
  page: itusers(limit: $limit, cursor: $cursor, filter: { itsystem: { uuids: $itsystems } }) {
    objects { current { employee_uuid user_key external_id } }
    page_info { next_cursor }
  }
}`,
);

/** Persons valid now with their CPR number. */
export const CPR_UUID_PERSONS = defineQuery(
  'cpr-uuid',
  'CprUuidPersons',
  `query CprUuidPersons($limit: int, $cursor: Cursor) {
  page: persons(limit: $limit, cursor: $cursor) {
    objects { uuid current { cpr_number } }
    page_info { next_cursor }
  }
}`,
);
