import { expect } from 'chai';
import { FixtureBuilder } from '../../fixtures/builder.js';
import { startMoEmulator, type MoEmulator } from './index.js';
import { gql } from './test-client.js';

/** Filter semantics on a small hand-made tree: top → forvaltning → {skole → sfo, vej}. */
describe('MO emulator: filters', function () {
  const b = new FixtureBuilder({ today: '2026-11-23', seed: 4 });
  const top = b.unit('Top', { type: 'Kommune' });
  const forv = b.unit('Forvaltning', { parent: top, type: 'Forvaltning' });
  const skole = b.unit('Skole', { parent: forv, type: 'Institution' });
  const sfo = b.unit('SFO', { parent: skole, type: 'Team' });
  const vej = b.unit('Vej', { parent: forv });
  const p1 = b.person('Ida', 'Holm', { cpr: '0202901234' });
  const p2 = b.person('Ole', 'Dam', { cpr: '0303851234' });
  const e1 = b.engagement(p1, sfo, { job_function: 'Pædagog' });
  const e2 = b.engagement(p2, vej, { job_function: 'Vejmand', engagement_type: 'Timelønnet' });
  b.address({ person: p1 }, 'EmailEmployee', 'ida@andeby.dk', { visibility: 'PUBLIC' });
  b.address({ person: p1 }, 'PhoneEmployee', '12345678', { visibility: 'SECRET' });
  b.address({ person: p2, engagement: e2 }, 'PhoneEmployee', '87654321', { visibility: 'PUBLIC' });
  b.ituser({ person: p1, engagement: e1 }, 'AD', 'idho', { external_id: 'guid-1' });
  b.ituser({ unit: skole }, 'FK-ORG-UUID', '5b1b4b4e-1111-4111-8111-111111111111');
  b.leave(p2, e2, 'Orlov', { from: '2026-10-01', to: '2027-01-31' });
  b.manager(skole, p1, { responsibilities: ['Personaleledelse', 'Uddannelsesansvarlig'] });
  b.manager(vej, null, { type: 'Medleder' });
  b.kle(sfo, ['Indsigt', 'Ansvarlig']);
  b.related(skole, vej);
  const fixture = b.build();
  let mo: MoEmulator;
  const names = async (query: string, variables: Record<string, unknown> = {}): Promise<string[]> => {
    const r = await gql(mo.graphqlUrl, query, variables);
    expect(r.body.errors, JSON.stringify(r.body.errors)).to.equal(undefined);
    const root = Object.values(r.body.data)[0] as { objects: Array<{ current: Record<string, string> }> };
    return root.objects.map((o) => Object.values(o.current)[0] as string).sort();
  };

  before(async () => {
    mo = await startMoEmulator({ fixture });
  });
  after(() => mo.stop());

  it('units: ancestor (strict), descendant, parent, names, user_keys', async () => {
    const q = (f: string) =>
      `query Q($u: [UUID!]) { org_units(filter: ${f}) { objects { current { name } } } }`;
    expect(await names(q('{ancestor: {uuids: $u}}'), { u: [forv] })).to.deep.equal(['SFO', 'Skole', 'Vej']);
    expect(await names(q('{descendant: {uuids: $u}}'), { u: [sfo] })).to.deep.equal([
      'Forvaltning',
      'Skole',
      'Top',
    ]);
    expect(await names(q('{parent: {uuids: $u}}'), { u: [forv] })).to.deep.equal(['Skole', 'Vej']);
    expect(await names(q('{parents: $u}'), { u: [skole] })).to.deep.equal(['SFO']);
    expect(
      await names('{ org_units(filter: {names: ["Vej", "Top"]}) { objects { current { name } } } }'),
    ).to.deep.equal(['Top', 'Vej']);
    expect(
      await names('{ org_units(filter: {user_keys: ["SFO"]}) { objects { current { name } } } }'),
    ).to.deep.equal(['SFO']);
    expect(
      await names(
        '{ org_units(filter: {hierarchy: {user_keys: ["linjeorg"]}}) { objects { current { name } } } }',
      ),
    ).to.have.length(5);
  });

  it('engagements by unit subtree, job function and engagement type', async () => {
    const q = (f: string) =>
      `query Q${f.includes('$u') ? '($u: [UUID!])' : ''} { engagements(filter: ${f}) { objects { current { user_key } } } }`;
    const key = (uuid: string) => fixture.engagements.find((e) => e.uuid === uuid)?.validities[0]?.user_key;
    expect(await names(q('{org_unit: {ancestor: {uuids: $u}}}'), { u: [forv] })).to.deep.equal(
      [key(e1), key(e2)].sort(),
    );
    expect(await names(q('{job_function: {user_keys: ["Vejmand"]}}'))).to.deep.equal([key(e2)]);
    expect(await names(q('{engagement_type: {user_keys: ["Ansat"]}}'))).to.deep.equal([key(e1)]);
    expect(await names(q('{employee: {cpr_numbers: ["0202901234"]}}'))).to.deep.equal([key(e1)]);
  });

  it('addresses by type, visibility, engagement; classes by scope', async () => {
    const q = (f: string) => `{ addresses(filter: ${f}) { objects { current { value } } } }`;
    expect(await names(q('{address_type: {scope: ["PHONE"]}}'))).to.deep.equal(['12345678', '87654321']);
    expect(await names(q('{visibility: {user_keys: ["SECRET"]}}'))).to.deep.equal(['12345678']);
    expect(await names(q('{address_type_user_keys: ["EmailEmployee"]}'))).to.deep.equal(['ida@andeby.dk']);
    expect(await names(q('{engagement: {job_function: {user_keys: ["Vejmand"]}}}'))).to.deep.equal([
      '87654321',
    ]);
    expect(
      await names('{ classes(filter: {scope: ["DAR"]}) { objects { current { user_key } } } }'),
    ).to.deep.equal(['AddressMailUnit']);
  });

  it('IT users by system and external id; leaves and KLEs by unit; related units; managers by responsibility', async () => {
    expect(
      await names(
        '{ itusers(filter: {itsystem: {user_keys: ["AD"]}}) { objects { current { user_key } } } }',
      ),
    ).to.deep.equal(['idho']);
    expect(
      await names('{ itusers(filter: {external_ids: ["guid-1"]}) { objects { current { user_key } } } }'),
    ).to.deep.equal(['idho']);
    expect(
      await names(
        'query Q($u: [UUID!]) { itusers(filter: {org_units: $u}) { objects { current { user_key } } } }',
        { u: [skole] },
      ),
    ).to.have.length(1);
    const leaves = await gql(
      mo.graphqlUrl,
      'query Q($u: [UUID!]) { leaves(filter: {org_units: $u}) { objects { uuid } } }',
      { u: [vej] },
    );
    expect(leaves.body.data.leaves.objects).to.have.length(1);
    const kles = await gql(
      mo.graphqlUrl,
      'query Q($u: [UUID!]) { kles(filter: {org_units: $u}) { objects { current { kle_aspects { user_key } } } } }',
      { u: [sfo] },
    );
    expect(
      kles.body.data.kles.objects[0].current.kle_aspects.map((a: { user_key: string }) => a.user_key),
    ).to.deep.equal(['Indsigt', 'Ansvarlig']);
    const rel = await gql(
      mo.graphqlUrl,
      'query Q($u: [UUID!]) { related_units(filter: {org_units: $u}) { objects { current { org_units { name } } } } }',
      { u: [vej] },
    );
    expect(
      rel.body.data.related_units.objects[0].current.org_units.map((u: { name: string }) => u.name),
    ).to.deep.equal(['Skole', 'Vej']);
    const mgr = await gql(
      mo.graphqlUrl,
      '{ managers(filter: {responsibility: {user_keys: ["Uddannelsesansvarlig"]}}) { objects { current { org_unit { name } } } } }',
    );
    expect(
      mgr.body.data.managers.objects.map(
        (m: { current: { org_unit: Array<{ name: string }> } }) => m.current.org_unit[0]?.name,
      ),
    ).to.deep.equal(['Skole']);
  });

  it('nested: unit addresses by scope, person IT users by system, engagement managers excluding self', async () => {
    const r = await gql(
      mo.graphqlUrl,
      `query Q($p: [UUID!]) { persons(filter: {uuids: $p}) { objects { current {
        itusers(filter: {itsystem: {user_keys: ["AD"]}}) { user_key engagement_uuid }
        addresses(filter: {address_type: {scope: ["EMAIL"]}}) { value }
        engagements { managers(inherit: true, exclude_self: true) { uuid } all: managers(inherit: true) { person { name } } }
      } } } }`,
      { p: [p1] },
    );
    const cur = r.body.data.persons.objects[0].current;
    expect(cur.itusers).to.deep.equal([{ user_key: 'idho', engagement_uuid: e1 }]);
    expect(cur.addresses).to.deep.equal([{ value: 'ida@andeby.dk' }]);
    expect(cur.engagements[0].all).to.deep.equal([{ person: [{ name: 'Ida Holm' }] }]);
    expect(cur.engagements[0].managers).to.deep.equal([]);
  });

  it('filters on nested class fields (responsibilities, job_function)', async () => {
    const r = await gql(
      mo.graphqlUrl,
      `query Q($u: [UUID!]) {
        managers(filter: {org_units: $u}) { objects { current { responsibilities(filter: {user_keys: ["Uddannelsesansvarlig"]}) { name } } } }
        engagements(filter: {org_units: $u}) { objects { current { uuid } } }
      }`,
      { u: [skole] },
    );
    expect(r.body.data.managers.objects[0].current.responsibilities).to.deep.equal([
      { name: 'Uddannelsesansvarlig' },
    ]);
    const e = await gql(
      mo.graphqlUrl,
      '{ engagements { objects { current { job_function(filter: {user_keys: ["Pædagog"]}) { name } } } } }',
    );
    expect(e.body.errors[0].message).to.match(/non-nullable/);
  });

  it('empty lists match nothing; a v29 filter field outside the subset is rejected, not ignored', async () => {
    const r = await gql(mo.graphqlUrl, '{ org_units(filter: {hierarchies: []}) { objects { uuid } } }');
    expect(r.body).to.deep.equal({ data: { org_units: { objects: [] } } });
    const bad = await gql(mo.graphqlUrl, '{ org_units(filter: {query: "x"}) { objects { uuid } } }');
    expect(bad.status).to.equal(200);
    expect(bad.body.errors[0].message).to.match(/query/);
  });
});
