/** Documents of sanity_check_mo_data: every class (with its facet) and every person's CPR number, paged. */
import { defineQuery } from '../clients/gql.js';

export const sanityClasses = defineQuery(
  'sanity',
  'SanityClasses',
  `query SanityClasses($limit: int, $cursor: Cursor) {
  classes(limit: $limit, cursor: $cursor) {
    objects {
      current {
        uuid
        user_key
        facet_response {
          uuid
        }
      }
    }
    page_info {
      next_cursor
    }
  }
}`,
);

export const sanityPersons = defineQuery(
  'sanity',
  'SanityPersons',
  `query SanityPersons($limit: int, $cursor: Cursor) {
  persons(limit: $limit, cursor: $cursor) {
    objects {
      current {
        uuid
        cpr_number
      }
    }
    page_info {
      next_cursor
    }
  }
}`,
);
