/**
 * exports_cpr_uuid reads MO by flat paged reads, or this night's snapshot; both write the map byte for byte as
 * the former query did (IT users nested under each person, filtered by system), on fixtures S and M.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { startMoEmulator, type MoEmulator } from '../emulators/mo/index.js';
import { makeJobContext, makeTempDir } from '../helpers/job-context.js';
import { run } from '../../jobs/cpr-uuid/run.js';
import { runActual } from '../../jobs/lora-cache/run.js';
import { createMoClient } from '../../jobs/clients/mo.js';
import type { GqlDocument } from '../../jobs/clients/gql.js';
import { Settings } from '../../orchestrator/settings-store.js';

/** The former query: a reference only (not registered, so the flat-read audit never sees it). */
const NESTED_PERSONS: GqlDocument = {
  area: 'test',
  name: 'FormerCprUuidPersons',
  source: `query FormerCprUuidPersons($limit: int, $cursor: Cursor, $itsystems: [UUID!]) {
  page: persons(limit: $limit, cursor: $cursor) {
    objects { uuid current { cpr_number itusers(filter: { itsystem: { uuids: $itsystems } }) { user_key external_id } } }
    page_info { next_cursor }
  }
}`,
};
const SYSTEMS: GqlDocument = {
  area: 'test',
  name: 'FormerItSystems',
  source: `query FormerItSystems($limit: int, $cursor: Cursor) {
  page: itsystems(limit: $limit, cursor: $cursor) { objects { uuid current { user_key name } } page_info { next_cursor } }
}`,
};

const q = (f: string | null | undefined) => `"${(f ?? '').replaceAll('"', '""')}"`;

/** The map as the former job wrote it. */
async function formerMap(url: string, systems: string[]): Promise<Buffer> {
  const client = createMoClient({ settings: new Settings({ 'mora.base': url }, 'test'), env: {} });
  try {
    const uuids: string[] = [];
    for await (const page of client.paged<{ uuid: string; current: { user_key: string; name: string } }>(
      SYSTEMS,
    ))
      for (const s of page)
        if (systems.includes(s.current.name) || systems.includes(s.current.user_key)) uuids.push(s.uuid);
    if (!uuids.length) uuids.push('00000000-0000-0000-0000-000000000000');
    let out = '\uFEFF"cpr";"mo_uuid";"ad_guid";"sam_account_name"\r\n';
    type P = {
      uuid: string;
      current: {
        cpr_number: string | null;
        itusers: { user_key: string; external_id: string | null }[];
      } | null;
    };
    for await (const page of client.paged<P>(NESTED_PERSONS, { itsystems: uuids }))
      for (const p of page) {
        if (!p.current) continue;
        const ad = p.current.itusers[0];
        out += [p.current.cpr_number, p.uuid, ad?.external_id, ad?.user_key].map(q).join(';') + '\r\n';
      }
    return Buffer.from(out, 'utf8');
  } finally {
    client.close();
  }
}

for (const size of ['S', 'M'] as const) {
  describe(`exports_cpr_uuid on fixture ${size}: flat reads and the snapshot give the former map`, function () {
    this.timeout(300_000);
    let mo: MoEmulator;
    const dirs: string[] = [];
    before(async () => {
      mo = await startMoEmulator({ size, seed: 11 });
    });
    after(async () => {
      await mo.stop();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    async function mapOf(succeededThisRun: string[], extra: Record<string, unknown> = {}) {
      const dir = makeTempDir('cpr-eq-');
      dirs.push(dir);
      const settings = { 'mora.base': mo.url, ...extra };
      const runStartedAt = new Date();
      if (succeededThisRun.length)
        await runActual(makeJobContext('exports_cache_loracache', settings, { stateDir: dir }));
      const ctx = makeJobContext('exports_cpr_uuid', settings, {
        stateDir: dir,
        succeededThisRun,
        runStartedAt,
      });
      ctx.paths.root = dir;
      mo.reset();
      const result = await run(ctx);
      const ops = mo.requestLog.map((r) => r.operationName);
      return { bytes: fs.readFileSync(path.join(dir, 'cpr_mo_ad_map.csv')), result, ops };
    }

    // M once (the former nested query is the slow part of this test); S also with a user_key and two systems
    for (const systems of size === 'S' ? [['Active Directory'], ['AD', 'FK-ORG']] : [['Active Directory']]) {
      it(`AD systems ${JSON.stringify(systems)}: MO mode and snapshot mode are byte-identical to the former map`, async () => {
        const expected = await formerMap(mo.url, systems);
        const extra = { 'cpr.uuid.ad_it_system': systems };
        const fromMo = await mapOf([], extra);
        // systems, then every AD IT user (one flat list), then the persons: nothing nested per person
        const rank = ['CprUuidItSystems', 'CprUuidItUsers', 'CprUuidPersons'];
        const ranks = fromMo.ops.map((o) => rank.indexOf(o ?? ''));
        expect(new Set(ranks)).to.deep.equal(new Set([0, 1, 2]));
        expect(ranks).to.deep.equal([...ranks].sort((a, b) => a - b));
        expect(fromMo.bytes.equals(expected), 'MO mode').to.equal(true);
        const fromSnapshot = await mapOf(['exports_cache_loracache'], extra);
        expect(fromSnapshot.bytes.equals(expected), 'snapshot mode').to.equal(true);
        expect(fromSnapshot.result.message).to.match(/from snapshot /);
        // names resolve in the snapshot; a user_key (AD) costs the one IT-systems request, nothing else
        expect(new Set(fromSnapshot.ops)).to.deep.equal(
          new Set(systems.includes('AD') ? ['CprUuidItSystems'] : []),
        );
        expect(fromSnapshot.result.counters!.with_ad).to.be.greaterThan(0);
      });
    }

    if (size === 'S') {
      it('a snapshot built without CPR numbers is not used: the map is read from MO', async () => {
        const expected = await formerMap(mo.url, ['Active Directory']);
        const got = await mapOf(['exports_cache_loracache'], { 'exporters.actual_state.export_cpr': false });
        expect(got.bytes.equals(expected)).to.equal(true);
        expect(got.ops).to.include('CprUuidPersons');
      });

      it('a failing IT-user read leaves no map and no temp file, naming the query', async () => {
        const dir = makeTempDir('cpr-eq-');
        dirs.push(dir);
        const ctx = makeJobContext('exports_cpr_uuid', { 'mora.base': mo.url }, { stateDir: dir });
        ctx.paths.root = dir;
        mo.setFaults({ fieldErrors: [{ field: 'itusers', message: 'boom' }] });
        try {
          await run(ctx).then(
            () => expect.fail('should fail'),
            (err: Error) => expect(err.message).to.match(/CprUuidItUsers: boom/),
          );
        } finally {
          mo.setFaults({});
          mo.reset();
        }
        expect(fs.readdirSync(dir).filter((f) => f.includes('cpr_mo_ad_map'))).to.deep.equal([]);
      });
    }
  });
}
