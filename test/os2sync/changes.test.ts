/**
 * exports_os2sync across nights: what one MO change sends, removal of what was exported earlier (§2.8),
 * uuid_from_it_systems end to end, autowash (§2.9). Each test mutates its own fixture.
 */
import { expect } from 'chai';
import { validityAt } from '../fixtures/context.js';
import { generateFixture } from '../fixtures/generate.js';
import { startHarness, type Harness } from './helpers/harness.js';

async function freshHarness(): Promise<Harness> {
  return startHarness({ fixture: generateFixture({ size: 'S', seed: 7 }) });
}

/** After a first run: clear the request log, apply a change to MO, and run again. */
async function nightAfter(h: Harness, change: () => void, extra: Record<string, unknown> = {}) {
  await h.runJob(extra);
  change();
  h.mo.reindex();
  h.mo.reset();
  h.os2sync.requests.length = 0;
  return h.runJob(extra);
}

function yesterday(today: string): string {
  const d = new Date(`${today}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

describe('exports_os2sync across nights', function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => {
    h = await freshHarness();
  });
  afterEach(() => h.stop());

  it('one changed person sends exactly one request: the POST of that user', async () => {
    let changed = '';
    const { result } = await nightAfter(h, () => {
      const fx = h.fixture;
      changed = [...h.os2sync.state.users.values()].find(
        (x) => x.status === 'active' && fx.persons.some((p) => p.uuid === x.record.Uuid),
      )!.record.Uuid;
      const v = validityAt(fx.persons.find((p) => p.uuid === changed)!.validities, fx.today)!;
      v.surname = `Nyt-${v.surname}`;
    });
    expect(h.os2sync.mutations()).to.deep.equal(['POST /api/user']);
    expect(h.os2sync.apiRequests()).to.have.length(1);
    expect(h.os2sync.apiRequests()[0]!.body).to.deep.include({ Uuid: changed });
    expect(h.os2sync.state.users.get(changed)!.record.Person.Name).to.match(/ Nyt-/);
    expect(result.counters).to.include({ users_upserted: 1, units_upserted: 0 });
  });

  it('a person whose engagements ended is deleted once; a person gone from MO is deleted via the cache', async () => {
    const fx = h.fixture;
    const active = () =>
      [...h.os2sync.state.users.values()].filter((x) => x.status === 'active').map((x) => x.record.Uuid);
    let ended = '';
    let gone = '';
    const { result } = await nightAfter(h, () => {
      [ended, gone] = active().filter((uuid) => fx.persons.some((p) => p.uuid === uuid));
      for (const e of fx.engagements) {
        const v = validityAt(e.validities, fx.today);
        if (v && v.person === ended) v.to = yesterday(fx.today);
        e.validities = e.validities.filter(
          (x) => !(x.person === ended && x.from !== null && x.from > fx.today),
        );
      }
      fx.persons = fx.persons.filter((p) => p.uuid !== gone);
    });
    expect(h.os2sync.mutations()).to.include.members([
      `DELETE /api/user/${ended}`,
      `DELETE /api/user/${gone}`,
    ]);
    expect(result.counters!.users_deleted).to.equal(2);
    h.os2sync.requests.length = 0;
    await h.runJob();
    expect(h.os2sync.mutations()).to.deep.equal([]);
  });

  it('a unit moved out of the subtree is deleted after the users, children before parents; the top never', async () => {
    const fx = h.fixture;
    const root = fx.landmarks.rootUnit;
    const current = (uuid: string) =>
      validityAt(fx.org_units.find((x) => x.uuid === uuid)!.validities, fx.today)!;
    const parentOf = new Map(
      fx.org_units.map((x) => [x.uuid, validityAt(x.validities, fx.today)?.parent ?? null]),
    );
    const moved = fx.org_units.find(
      (x) =>
        parentOf.get(x.uuid) !== root &&
        [...parentOf.values()].includes(x.uuid) &&
        x.uuid !== root &&
        parentOf.get(x.uuid) !== null,
    )!.uuid;
    const children = fx.org_units.filter((x) => parentOf.get(x.uuid) === moved).map((x) => x.uuid);
    await nightAfter(h, () => {
      current(moved).parent = fx.landmarks.obsoleteUnitsRoot;
    });
    const m = h.os2sync.mutations();
    const movedDelete = m.indexOf(`DELETE /api/orgUnit/${moved}`);
    expect(movedDelete).to.be.greaterThan(-1);
    for (const c of children) expect(m.indexOf(`DELETE /api/orgUnit/${c}`)).to.be.within(0, movedDelete - 1);
    expect(m.lastIndexOf('POST /api/user')).to.be.lessThan(
      m.findIndex((x) => x.startsWith('DELETE /api/orgUnit')),
    );
    expect(m).not.to.include(`DELETE /api/orgUnit/${root}`);
  });

  it('uuid_from_it_systems: units and users move to their FK uuids; the MO-uuid objects are deleted once', async () => {
    const fx = h.fixture;
    const fkSystem = fx.landmarks.itsystemByKey['FK-ORG-UUID'];
    const fkUnit = fx.itusers
      .map((i) => validityAt(i.validities, fx.today))
      .find((v) => v && v.itsystem === fkSystem && v.org_unit)!;
    const settings = { 'os2sync.uuid_from_it_systems': ['FK-ORG UUID'] };
    await h.runJob();
    h.os2sync.requests.length = 0;
    await h.runJob(settings);
    const m = h.os2sync.mutations();
    expect(h.os2sync.state.orgUnits.get(fkUnit.user_key)?.status).to.equal('active');
    expect(m).to.include(`DELETE /api/orgUnit/${fkUnit.org_unit}`);
    h.os2sync.requests.length = 0;
    await h.runJob(settings);
    expect(h.os2sync.mutations()).to.deep.equal([]);
  });

  it('autowash deletes FK units and users this run does not produce (never the top); FK unreachable fails without deletes', async () => {
    const stray = { Uuid: '99999999-9999-4999-8999-999999999999', Name: 'Fremmed', ParentOrgUnitUuid: null };
    const strayUser = {
      Uuid: '88888888-8888-4888-8888-888888888888',
      UserId: 'x',
      Person: { Name: 'X' },
      Positions: [{ Name: 'x', OrgUnitUuid: stray.Uuid }],
    };
    h.os2sync.state.orgUnits.set(stray.Uuid, { record: stray, status: 'active' });
    h.os2sync.state.users.set(strayUser.Uuid, { record: strayUser, status: 'active' });
    h.os2sync.setFaults({ hierarchyFailure: true });
    const failed = await h.runJob({ 'os2sync.autowash': true });
    expect(failed.result.failed).to.equal(true);
    expect(failed.result.message).to.contain('autowash: FK unreachable: ').and.contain('nothing deleted');
    expect(h.os2sync.mutations().filter((x) => x.startsWith('DELETE'))).to.deep.equal([]);
    expect(failed.result.counters!.units_upserted).to.be.greaterThan(0);

    h.os2sync.setFaults({ hierarchyPollsUntilReady: 3 });
    h.os2sync.requests.length = 0;
    const ok = await h.runJob({ 'os2sync.autowash': true });
    expect(ok.result.failed, ok.result.message).to.not.equal(true);
    expect(h.os2sync.mutations()).to.deep.equal([
      `DELETE /api/user/${strayUser.Uuid}`,
      `DELETE /api/orgUnit/${stray.Uuid}`,
    ]);
    expect(h.os2sync.requests.map((r) => r.path).slice(0, 2)).to.deep.equal([
      '/manage/health',
      '/api/hierarchy',
    ]);
    expect(h.os2sync.requests.filter((r) => r.path.startsWith('/api/hierarchy/')).length).to.equal(4);
  });
});
