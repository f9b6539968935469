/** The flat-read rule (docs/mo-client.md): no registered document nests a filtered collection under a paged list. */
import { expect } from 'chai';
import { loadAllQueries } from '../../jobs/queries-index.js';
import { filteredCollectionsUnderPagedLists } from '../../jobs/clients/flat-reads.js';
import type { GqlDocument } from '../../jobs/clients/gql.js';

const doc = (name: string, source: string): GqlDocument => ({ area: 'test', name, source });

describe('flat-read rule', () => {
  it('no registered document nests a filtered collection under a paged root list', async () => {
    const docs = await loadAllQueries();
    expect(docs.length).to.be.greaterThan(30);
    const violations = docs.flatMap((d) =>
      filteredCollectionsUnderPagedLists(d).map((p) => `${d.area}/${d.name}: ${p}`),
    );
    expect(violations).to.deep.equal([]);
  });

  it('flags a filtered field nested at any depth under a paged list (aliases and fragments of fields included)', () => {
    const nested = doc(
      'Nested',
      `query Nested($limit: int, $cursor: Cursor, $s: [UUID!]) {
        page: persons(limit: $limit, cursor: $cursor) {
          objects { uuid current { cpr_number ad: itusers(filter: { itsystem: { uuids: $s } }) { user_key } } }
          page_info { next_cursor }
        }
      }`,
    );
    expect(filteredCollectionsUnderPagedLists(nested)).to.deep.equal([
      'page: persons.objects.current.ad: itusers(filter: …)',
    ]);
    const deep = doc(
      'Deep',
      `query Deep($cursor: Cursor) { org_units(cursor: $cursor) { objects { current { engagements { person(filter: {}) { uuid } } } } } }`,
    );
    expect(filteredCollectionsUnderPagedLists(deep)).to.have.length(1);
    const viaFragments = doc(
      'ViaFragments',
      `query ViaFragments($limit: int) { persons(limit: $limit) { objects { current { ...P } } } }
      fragment P on Employee { ... on Employee { addresses(filter: { address_type: { user_keys: ["x"] } }) { name } } }`,
    );
    expect(filteredCollectionsUnderPagedLists(viaFragments)).to.deep.equal([
      'persons.objects.current.addresses(filter: …)',
    ]);
  });

  it('accepts a filter on the paged root itself and a filtered field under a single (unpaged) object', () => {
    expect(
      filteredCollectionsUnderPagedLists(
        doc(
          'Flat',
          `query Flat($limit: int, $cursor: Cursor, $s: [UUID!]) {
            itusers(limit: $limit, cursor: $cursor, filter: { itsystem: { uuids: $s } }) { objects { current { user_key } } }
          }`,
        ),
      ),
    ).to.deep.equal([]);
    expect(filteredCollectionsUnderPagedLists(doc('One', `query One { org { uuid } }`))).to.deep.equal([]);
  });
});
