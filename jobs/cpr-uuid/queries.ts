/** GraphQL documents of exports_cpr_uuid (specs/lora-cache.md §4). */
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

/** Persons valid now with their IT users in the AD systems (by UUID). */
export const CPR_UUID_PERSONS = defineQuery(
  'cpr-uuid',
  'CprUuidPersons',
  `query CprUuidPersons($limit: int, $cursor: Cursor, $itsystems: [UUID!]) {
  page: persons(limit: $limit, cursor: $cursor) {
    objects {
      uuid
      current {
        cpr_number
        itusers(filter: { itsystem: { uuids: $itsystems } }) { user_key external_id }
      }
    }
    page_info { next_cursor }
  }
}`,
);
