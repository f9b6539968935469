/**
 * MoClient.pagedBytes, the build's fetch side: the cursor read from the head of each answer (page_info first),
 * the same pages as `paged`, and MO's errors and garbage still caught as by a full parse.
 */
import { expect } from 'chai';
import { createMoClient, type MoClient } from '../../jobs/clients/mo.js';
import { defineQuery } from '../../jobs/clients/gql.js';
import { CURRENT_QUERIES } from '../../jobs/lora-cache/queries.js';
import { pageObjects } from '../../jobs/lora-cache/assembler.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { withEmulatorS } from './snapshot-helpers.js';

const FAST = { 'mora.retry.max_attempts': 2, 'mora.retry.base_delay': '5ms', 'mora.retry.max_delay': '50ms' };

/** `page_info` after `objects`: the head cannot be peeked, every page is parsed and checked in full. */
const OBJECTS_FIRST = defineQuery(
  'test',
  'PagedTextObjectsFirst',
  `query PagedTextObjectsFirst($limit: int, $cursor: Cursor) {
  page: persons(limit: $limit, cursor: $cursor) {
    objects { uuid current { uuid cpr_number } }
    page_info { next_cursor }
  }
}`,
);

describe('lora-cache fetch side: MoClient.pagedBytes', function () {
  this.timeout(60_000);
  const emu = withEmulatorS();
  let client: MoClient;
  beforeEach(() => {
    client = createMoClient({ settings: new Settings({ 'mora.base': emu.mo.url, ...FAST }, 't'), env: {} });
  });
  afterEach(() => {
    client.close();
    emu.mo.setFaults({});
    emu.mo.reset();
  });

  const uuids = async (pages: AsyncIterable<Buffer>) => {
    const out: string[] = [];
    for await (const body of pages) out.push(...pageObjects(body.toString('utf8')).map((o) => o.uuid));
    return out;
  };

  it('yields the same objects, page by page, as paged (cursor from the head; objects first: full parse)', async () => {
    const expected: string[] = [];
    for await (const page of client.paged<{ uuid: string }>(CURRENT_QUERIES.persons, {}, { pageSize: 7 }))
      expected.push(...page.map((o) => o.uuid));
    expect(expected.length).to.be.greaterThan(14);
    expect(await uuids(client.pagedBytes(CURRENT_QUERIES.persons, {}, { pageSize: 7 }))).to.deep.equal(
      expected,
    );
    expect(await uuids(client.pagedBytes(OBJECTS_FIRST, {}, { pageSize: 7 }))).to.deep.equal(expected);
  });

  it('a GraphQL error on a later page fails with the one-line error of a full parse', async () => {
    emu.mo.setFaults({ fieldErrors: [{ field: 'persons', call: 3, message: 'injected resolver failure' }] });
    await uuids(client.pagedBytes(CURRENT_QUERIES.persons, {}, { pageSize: 7 })).then(
      () => expect.fail('should fail'),
      (err: Error) => expect(err.message).to.equal('LoraCachePersonsCurrent: injected resolver failure'),
    );
  });

  it('garbage (HTTP 200, not JSON) on every attempt fails naming the operation', async () => {
    emu.mo.setFaults({ garbageRequests: [2, 3] });
    await uuids(client.pagedBytes(CURRENT_QUERIES.persons, {}, { pageSize: 7 })).then(
      () => expect.fail('should fail'),
      (err: Error) =>
        expect(err.message)
          .to.match(/^LoraCachePersonsCurrent: .*not a GraphQL JSON response/)
          .and.not.include('\n'),
    );
  });
});
