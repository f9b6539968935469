import { expect } from 'chai';
import { fixtureCounts, generateFixture } from '../../fixtures/generate.js';
import { addDays, firstOfMonth } from '../../fixtures/dates.js';
import { startMoEmulator, type MoEmulator } from './index.js';
import { fetchAll, gql } from './test-client.js';

const TODAY = '2026-11-23';

describe('MO emulator: paging, date windows and validities', function () {
  let mo: MoEmulator;
  const fixture = generateFixture({ size: 'S', seed: 3, today: TODAY });
  const counts = {
    actual: fixtureCounts(fixture, 'actual'),
    historic: fixtureCounts(fixture, 'historic'),
    skip: fixtureCounts(fixture, 'historic_skip_past'),
  };

  before(async () => {
    mo = await startMoEmulator({ fixture });
  });
  after(() => mo.stop());
  beforeEach(() => mo.reset());

  for (const limit of [1, 7, 500]) {
    it(`limit ${limit}: every person exactly once in ⌈n/limit⌉+1 requests`, async () => {
      const n = counts.actual.persons.objects;
      const { objects, requests } = await fetchAll(mo.graphqlUrl, 'persons', 'uuid', limit);
      const uuids = objects.map((o) => o.uuid);
      expect(new Set(uuids).size).to.equal(uuids.length);
      expect(uuids.length).to.equal(n);
      expect(requests).to.equal(Math.ceil(n / limit) + 1);
      expect(mo.counters.byField.persons).to.equal(requests);
    });
  }

  it('shortPages: pages of 1..limit objects still deliver every object once, ending on an empty page', async () => {
    mo.setFaults({ shortPages: true });
    try {
      const q =
        'query P($c: Cursor) { persons(limit: 50, cursor: $c) { objects { uuid } page_info { next_cursor } } }';
      const sizes: number[] = [];
      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const reply = await gql(mo.graphqlUrl, q, { c: cursor });
        const pageObjs = reply.body.data.persons.objects as Array<{ uuid: string }>;
        pageObjs.forEach((o) => seen.add(o.uuid));
        sizes.push(pageObjs.length);
        cursor = reply.body.data.persons.page_info.next_cursor;
      } while (cursor !== null);
      expect(seen.size).to.equal(counts.actual.persons.objects);
      expect(sizes.at(-1)).to.equal(0);
      expect(sizes.slice(0, -1).some((n) => n < 50)).to.equal(true);
      expect(Math.max(...sizes)).to.be.at.most(50);
      expect(sizes.slice(0, -1).every((n) => n >= 1)).to.equal(true);
    } finally {
      mo.setFaults({});
    }
  });

  it('an empty first page still returns a cursor; the page after it returns null', async () => {
    const filter = { uuids: ['00000000-0000-4000-8000-000000000000'] };
    const q =
      'query Q($cursor: Cursor, $filter: EngagementFilter) { engagements(limit: 10, cursor: $cursor, filter: $filter) { objects { uuid } page_info { next_cursor } } }';
    const first = await gql(mo.graphqlUrl, q, { filter });
    expect(first.body.data.engagements.objects).to.deep.equal([]);
    const cursor = first.body.data.engagements.page_info.next_cursor;
    expect(cursor).to.be.a('string');
    const second = await gql(mo.graphqlUrl, q, { filter, cursor });
    expect(second.body.data.engagements.page_info.next_cursor).to.equal(null);
  });

  it('without a limit everything comes at once and the cursor is null; a bad cursor is a GraphQL error', async () => {
    const all = await gql(mo.graphqlUrl, '{ org_units { objects { uuid } page_info { next_cursor } } }');
    expect(all.body.data.org_units.objects).to.have.length(counts.actual.org_units.objects);
    expect(all.body.data.org_units.page_info.next_cursor).to.equal(null);
    const bad = await gql(
      mo.graphqlUrl,
      '{ org_units(limit: 5, cursor: "not-a-cursor") { objects { uuid } } }',
    );
    expect(bad.status).to.equal(200);
    expect(bad.body.errors[0].message).to.equal('Invalid cursor');
  });

  it('an omitted date filter means now; explicit nulls mean the whole timeline; from today to null skips the past', async () => {
    const sel = 'uuid validities { uuid validity { from to } }';
    const now = await fetchAll(mo.graphqlUrl, 'engagements', sel, 100);
    const all = await fetchAll(
      mo.graphqlUrl,
      'engagements',
      'uuid validities(start: null, end: null) { uuid }',
      100,
      { from_date: null, to_date: null },
    );
    const skip = await fetchAll(mo.graphqlUrl, 'engagements', 'uuid validities { uuid }', 100, {
      from_date: TODAY,
      to_date: null,
    });
    const periods = (objs: Array<Record<string, unknown>>) =>
      objs.reduce((n, o) => n + (o.validities as unknown[]).length, 0);
    expect(now.objects).to.have.length(counts.actual.engagements.objects);
    expect(periods(now.objects)).to.equal(counts.actual.engagements.objects);
    expect(all.objects).to.have.length(counts.historic.engagements.objects);
    expect(periods(all.objects)).to.equal(counts.historic.engagements.validities);
    expect(skip.objects).to.have.length(counts.skip.engagements.objects);
    expect(periods(skip.objects)).to.equal(counts.skip.engagements.validities);
    expect(counts.historic.engagements.validities).to.be.greaterThan(counts.actual.engagements.validities);
  });

  it('validities without arguments return what the root window loaded, with arguments their own window; nested responses load now', async () => {
    const moved = fixture.landmarks.movedUnits[0] as string;
    const q = `query Q($uuids: [UUID!], $from: DateTime, $to: DateTime) {
      org_units(filter: {uuids: $uuids, from_date: $from, to_date: $to}) { objects {
        validities { parent { name } validity { from to } }
        all: validities(start: null, end: null) { uuid }
      } }
      addresses(filter: {org_unit: {uuids: $uuids}}) { objects { current { org_unit_response { validities { uuid } } } } }
    }`;
    const hist = await gql(mo.graphqlUrl, q, { uuids: [moved], from: null, to: null });
    expect(hist.body.errors).to.equal(undefined);
    const unit = hist.body.data.org_units.objects[0];
    expect(unit.validities).to.have.length(2);
    expect(unit.validities[1].parent.name).to.equal('Udgåede afdelinger');
    expect(unit.validities[0].validity.from).to.match(/^\d{4}-\d{2}-\d{2}T00:00:00\+0[12]:00$/);
    const nested = hist.body.data.addresses.objects[0].current.org_unit_response.validities;
    expect(nested).to.have.length(1);
    const current = await gql(mo.graphqlUrl, q, { uuids: [moved] });
    expect(current.body.data.org_units.objects[0].validities).to.have.length(1);
    // With arguments, OS2mo reads the object afresh over that window, whatever the root filter loaded.
    expect(current.body.data.org_units.objects[0].all).to.have.length(2);
  });

  it('a future date window finds engagements that start next month', async () => {
    const nextMonth = firstOfMonth(TODAY, 1);
    const future = fixture.engagements.filter((e) => e.validities[0]?.from === nextMonth).map((e) => e.uuid);
    expect(future.length).to.be.greaterThan(0);
    const nowPage = await gql(
      mo.graphqlUrl,
      'query Q($u: [UUID!]) { engagements(filter: {uuids: $u}) { objects { uuid } } }',
      { u: future },
    );
    expect(nowPage.body.data.engagements.objects).to.deep.equal([]);
    const later = await gql(
      mo.graphqlUrl,
      'query Q($u: [UUID!], $d: DateTime) { engagements(filter: {uuids: $u, from_date: $d}) { objects { uuid current { uuid } } } }',
      {
        u: future,
        d: addDays(nextMonth, 3),
      },
    );
    expect(later.body.data.engagements.objects.map((o: { uuid: string }) => o.uuid)).to.have.members(future);
    expect(later.body.data.engagements.objects[0].current).to.equal(null);
  });

  it('nested filters: engagements by person, addresses by address type user_key, classes by facet', async () => {
    const person = fixture.persons[0]?.uuid as string;
    const r = await gql(
      mo.graphqlUrl,
      `query Q($p: [UUID!]) {
        engagements(filter: {employee: {uuids: $p}}) { objects { current { employee_uuid } } }
        addresses(filter: {address_type: {user_keys: ["EmailEmployee"]}, employees: $p}) { objects { current { value address_type { scope } } } }
        classes(filter: {facet: {user_keys: ["org_unit_address_type"]}}) { objects { current { user_key scope } } }
      }`,
      { p: [person] },
    );
    expect(r.body.errors).to.equal(undefined);
    const engagements = r.body.data.engagements.objects;
    expect(engagements.length).to.be.greaterThan(0);
    for (const e of engagements) expect(e.current.employee_uuid).to.equal(person);
    for (const a of r.body.data.addresses.objects) expect(a.current.address_type.scope).to.equal('EMAIL');
    const scopes = Object.fromEntries(
      r.body.data.classes.objects.map((c: { current: { user_key: string; scope: string } }) => [
        c.current.user_key,
        c.current.scope,
      ]),
    );
    expect(scopes).to.deep.equal({
      EmailUnit: 'EMAIL',
      PhoneUnit: 'PHONE',
      AddressMailUnit: 'DAR',
      EAN: 'EAN',
      'p-nummer': 'PNUMBER',
      ContactOpenHours: 'TEXT',
      DtrId: 'TEXT',
    });
  });

  it('managers: vacant ones have no person; inherit finds the nearest ancestor manager', async () => {
    const unit = fixture.landmarks.inheritingUnits[0] as string;
    const r = await gql(
      mo.graphqlUrl,
      `query Q($u: [UUID!], $m: [UUID!]) {
        org_units(filter: {uuids: $u}) { objects { current { own: managers { uuid } inherited: managers(inherit: true) { uuid org_unit_uuid } ancestors { uuid } } } }
        managers(filter: {uuids: $m}) { objects { current { person { uuid } person_response { uuid } employee_uuid } } }
      }`,
      { u: [unit], m: fixture.landmarks.vacantManagers.slice(0, 1) },
    );
    const current = r.body.data.org_units.objects[0].current;
    expect(current.own).to.deep.equal([]);
    expect(current.inherited.length).to.be.greaterThan(0);
    const ancestorUuids = current.ancestors.map((a: { uuid: string }) => a.uuid);
    expect(ancestorUuids).to.include(current.inherited[0].org_unit_uuid);
    const root = await gql(
      mo.graphqlUrl,
      'query R($u: [UUID!]) { own: managers(filter: {org_units: $u}) { objects { uuid } } inherited: managers(inherit: true, filter: {org_units: $u}) { objects { uuid } } }',
      { u: [unit] },
    );
    expect(root.body.data.own.objects).to.deep.equal([]);
    expect(root.body.data.inherited.objects.map((m: { uuid: string }) => m.uuid)).to.have.members(
      current.inherited.map((m: { uuid: string }) => m.uuid),
    );
    if (fixture.landmarks.vacantManagers.length > 0) {
      expect(r.body.data.managers.objects[0].current).to.deep.equal({
        person: null,
        person_response: null,
        employee_uuid: null,
      });
    }
  });

  it('cpr_numbers rejects fictive CPR numbers ("Birthdate not ok") and finds a real one', async () => {
    const fictive = fixture.persons.find((p) => p.uuid === fixture.landmarks.fictiveCprPersons[0]);
    const real = fixture.persons.find(
      (p) =>
        p.validities.length === 1 &&
        p.validities[0]?.cpr_number &&
        !fixture.landmarks.invalidCprPersons.includes(p.uuid),
    );
    const q = 'query Q($c: [CPR!]) { persons(filter: {cpr_numbers: $c}) { objects { uuid } } }';
    if (fictive) {
      const bad = await gql(mo.graphqlUrl, q, { c: [fictive.validities[0]?.cpr_number] });
      expect(bad.body.errors[0].message).to.equal('Birthdate not ok');
    }
    const ok = await gql(mo.graphqlUrl, q, { c: [real?.validities[0]?.cpr_number] });
    expect(ok.body.data.persons.objects.map((o: { uuid: string }) => o.uuid)).to.include(real?.uuid);
  });
});
