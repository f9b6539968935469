/** Spec §2.5–§2.7 on hand-made models: FK accounts per person and the User payload. */
import { expect } from 'chai';
import { buildPayloads } from '../../jobs/os2sync/build.js';
import type { Os2syncConfig } from '../../jobs/os2sync/config.js';
import type { PersonRec } from '../../jobs/os2sync/model.js';
import { compileTemplates } from '../../jobs/os2sync/templates.js';
import { address, config, engagement, itUser, model, person, TOP, u, unit } from './helpers/model.js';

const A = u(2, 'a');
const IGNORED = u(3, 'a');
const LEVEL = u(1, '7');

function build(
  persons: PersonRec[],
  over: Partial<Os2syncConfig> = {},
  templates: Record<string, string> = {},
  unitOver = {},
) {
  const units = [unit(TOP, null), unit(A, TOP, unitOver), unit(IGNORED, TOP, { level: LEVEL })];
  return buildPayloads(
    model(units, persons),
    config({ ignoredLevels: [LEVEL], ...over }),
    compileTemplates(templates),
  );
}
const users = (b: ReturnType<typeof build>) => b.users.map((x) => x.payload);

describe('os2sync mapping: FK accounts per person (§2.5)', () => {
  it('no relevant it-users ⇒ one account with the MO uuid; UserId falls back to the uuid', () => {
    const p = person(1, { itUsers: [itUser(1, 'Other', 'x')], engagements: [engagement(1, A, 'Pedel')] });
    expect(users(build([p]))).to.have.length(1);
    expect(users(build([p]))[0]).to.include({ Uuid: p.uuid, UserId: p.uuid });
  });

  it('one unbound AD it-user ⇒ one account, MO uuid, UserId = AD user name', () => {
    const p = person(1, {
      itUsers: [itUser(1, 'Active Directory', 'jdoe')],
      engagements: [engagement(1, A, 'Pedel')],
    });
    expect(users(build([p]))[0]).to.include({ Uuid: p.uuid, UserId: 'jdoe' });
  });

  it('FK uuid + user name per engagement ⇒ one account per engagement (plus one for an unbound FK uuid)', () => {
    const e1 = engagement(1, A, 'Pedel');
    const e2 = engagement(2, A, 'Sekretær');
    const fk1 = u(21, '5');
    const fk2 = u(22, '5');
    const fk3 = u(23, '5');
    const p = person(1, {
      engagements: [e1, e2],
      itUsers: [
        itUser(1, 'FK-ORG UUID', fk1, e1.uuid),
        itUser(2, 'Active Directory', 'ad1', e1.uuid),
        itUser(3, 'FK-ORG UUID', fk2, e2.uuid),
        itUser(4, 'Active Directory', 'ad2', e2.uuid),
        itUser(5, 'FK-ORG UUID', fk3, null),
      ],
      addresses: [
        address(1, 'EMAIL', 'one@x.dk', { engagementUuid: e1.uuid }),
        address(2, 'EMAIL', 'two@x.dk', { engagementUuid: e2.uuid }),
      ],
    });
    const out = users(build([p], { uuidFromItSystems: ['FK-ORG UUID'] }));
    expect(out.map((x) => [x.Uuid, x.UserId, x.Positions.map((y) => y.Name), x.Email])).to.deep.equal([
      [fk1, 'ad1', ['Pedel'], 'one@x.dk'],
      [fk2, 'ad2', ['Sekretær'], 'two@x.dk'],
      [fk3, fk3, ['Pedel', 'Sekretær'], 'one@x.dk'],
    ]);
  });

  it('two AD it-users for one group ⇒ one default account (MO uuid, no user name) + warning', () => {
    const p = person(1, {
      engagements: [engagement(1, A, 'Pedel')],
      itUsers: [itUser(1, 'Active Directory', 'a'), itUser(2, 'Active Directory', 'b')],
    });
    const b = build([p]);
    expect(users(b)[0]).to.include({ Uuid: p.uuid, UserId: p.uuid });
    expect(b.warnings.join()).to.contain('several accounts');
  });

  it('filter_users_by_it_system: an account without user name gets no positions (deleted instead)', () => {
    const p = person(1, { engagements: [engagement(1, A, 'Pedel')] });
    const withAd = person(2, {
      engagements: [engagement(2, A, 'Pedel')],
      itUsers: [itUser(1, 'Active Directory', 'x')],
    });
    const out = users(build([p, withAd], { filterUsersByItSystem: true }));
    expect(out.find((x) => x.Uuid === p.uuid)!.Positions).to.deep.equal([]);
    expect(out.find((x) => x.Uuid === withAd.uuid)!.Positions).to.have.length(1);
  });

  it('two persons claiming one FK uuid: the first (by MO uuid) keeps it, the other is not sent and logged', () => {
    const fk = u(30, '5');
    const p1 = person(1, { engagements: [engagement(1, A, 'A')], itUsers: [itUser(1, 'FK-ORG UUID', fk)] });
    const p2 = person(2, { engagements: [engagement(2, A, 'B')], itUsers: [itUser(2, 'FK-ORG UUID', fk)] });
    const b = build([p2, p1], { uuidFromItSystems: ['FK-ORG UUID'] });
    expect(users(b).map((x) => [x.Uuid, x.Positions[0]!.Name])).to.deep.equal([[fk, 'A']]);
    expect(b.errors.join()).to.contain(`already used by person ${p1.uuid}`);
  });
});

describe('os2sync mapping: User payload (§2.6, §2.7)', () => {
  it('positions: exported units only, sorted by title + engagement uuid (code points), with StartDate/StopDate', () => {
    const p = person(1, {
      engagements: [
        engagement(3, A, 'Ærbødig', { startDate: '2021-02-01', stopDate: '2030-12-31' }),
        engagement(2, A, 'Zoolog', { startDate: '2099-01-01' }),
        engagement(1, A, 'Zoolog'),
        engagement(4, IGNORED, 'Pedel'),
      ],
    });
    expect(users(build([p]))[0]!.Positions).to.deep.equal([
      { Name: 'Zoolog', OrgUnitUuid: A, StartDate: '2020-01-01', StopDate: null },
      { Name: 'Zoolog', OrgUnitUuid: A, StartDate: '2099-01-01', StopDate: null },
      { Name: 'Ærbødig', OrgUnitUuid: A, StartDate: '2021-02-01', StopDate: '2030-12-31' },
    ]);
  });

  it('Person.Name is the MO name; Cpr only with xfer_cpr; missing CPR ⇒ null + warning without the number', () => {
    const p = person(1, { engagements: [engagement(1, A, 'X')] });
    const noCpr = person(2, { cpr: null, engagements: [engagement(2, A, 'X')] });
    expect(users(build([p]))[0]!.Person).to.deep.equal({ Name: 'Jens Ærø', Cpr: null });
    const on = build([p, noCpr], { xferCpr: true });
    expect(users(on).map((x) => x.Person.Cpr)).to.deep.equal(['0101701234', null]);
    expect(on.warnings.join()).to.contain(`person ${noCpr.uuid} has no CPR`).and.not.contain('0101701234');
  });

  it('person.name template: nickname when set, else name', () => {
    const tpl = { 'person.name': '{% if nickname -%}{{ nickname }}{%- else %}{{ name }}{%- endif %}' };
    const nick = person(1, { nicknameGivenName: 'Jensemand', engagements: [engagement(1, A, 'X')] });
    const plain = person(2, { engagements: [engagement(2, A, 'X')] });
    expect(users(build([nick, plain], {}, tpl)).map((x) => x.Person.Name)).to.deep.equal([
      'Jensemand',
      'Jens Ærø',
    ]);
  });

  it('person.user_id template only without an AD user name: {{ user_key }} ⇒ BVN, {{ uuid }} ⇒ account uuid', () => {
    const noAd = person(1, { engagements: [engagement(1, A, 'X')] });
    const ad = person(2, {
      engagements: [engagement(2, A, 'X')],
      itUsers: [itUser(1, 'Active Directory', 'adname')],
    });
    expect(
      users(build([noAd, ad], {}, { 'person.user_id': '{{ user_key }}' })).map((x) => x.UserId),
    ).to.deep.equal(['BVN1', 'adname']);
    expect(users(build([noAd], {}, { 'person.user_id': '{{ uuid }}' }))[0]!.UserId).to.equal(noAd.uuid);
  });

  it('an empty template result fails that user only (not sent), the rest is built', () => {
    const p = person(1, { engagements: [engagement(1, A, 'X')] });
    const q = person(2, {
      engagements: [engagement(2, A, 'X')],
      itUsers: [itUser(1, 'Active Directory', 'ok')],
    });
    const b = build([p, q], {}, { 'person.user_id': '{{ candidate_user_id | default("", true) }}' });
    expect(users(b).map((x) => x.UserId)).to.deep.equal(['ok']);
    expect(b.failures).to.deep.equal([
      { kind: 'user', uuid: p.uuid, message: `UserId is empty (template result) for person ${p.uuid}` },
    ]);
  });

  it('a render error aborts the build naming the key and the person, never the context', () => {
    const p = person(1, { engagements: [engagement(1, A, 'X')] });
    expect(() => build([p], {}, { 'person.name': '{{ unknown_variable }}' }))
      .to.throw(`could not render template person.name: 'unknown_variable' is undefined (person ${p.uuid})`)
      .with.property('message')
      .that.does.not.contain('0101701234');
  });

  it('e-mail/phone: empty list ⇒ visible one with the lowest uuid; list ⇒ earliest listed type, SECRET skipped, unlisted never', () => {
    const t1 = u(1, 'e');
    const t2 = u(2, 'e');
    const t3 = u(3, 'e');
    const addresses = [
      address(1, 'EMAIL', 'first@x.dk', { typeUuid: t1, visibilityScope: 'SECRET' }),
      address(2, 'EMAIL', 'second@x.dk', { typeUuid: t2, visibilityScope: 'PUBLIC' }),
      address(3, 'EMAIL', 'third@x.dk', { typeUuid: t1 }),
      address(4, 'PHONE', '11', { typeUuid: t3 }),
    ];
    const p = person(1, { engagements: [engagement(1, A, 'X')], addresses });
    expect(users(build([p]))[0]).to.include({ Email: 'second@x.dk', PhoneNumber: '11' });
    expect(users(build([p], { emailClasses: [t1, t2] }))[0]!.Email).to.equal('third@x.dk');
    const unlisted = users(build([p], { emailClasses: [u(9, 'e')], phoneClasses: [u(9, 'e')] }))[0]!;
    expect(unlisted).not.to.have.property('Email');
    expect(unlisted).not.to.have.property('PhoneNumber');
  });

  it('landline: types in landline_scope_classes go to Landline, never to PhoneNumber; empty list ⇒ no Landline', () => {
    const land = u(5, 'e');
    const addresses = [
      address(1, 'PHONE', '70707070', { typeUuid: land }),
      address(2, 'PHONE', '12345678', { typeUuid: u(6, 'e') }),
    ];
    const p = person(1, { engagements: [engagement(1, A, 'X')], addresses });
    expect(users(build([p], { landlineClasses: [land] }))[0]).to.include({
      Landline: '70707070',
      PhoneNumber: '12345678',
    });
    expect(users(build([p]))[0]).not.to.have.property('Landline');
  });

  it("Location: the primary position's unit address whose type name is earliest in employee_engagement_address", () => {
    const unitAddresses = [
      address(1, 'DAR', 'Vej 1', { typeName: 'Postadresse' }),
      address(2, 'DAR', 'Vej 2', { typeName: 'Besøgsadresse' }),
    ];
    const p = person(1, { engagements: [engagement(1, A, 'X', { isPrimary: true })] });
    const b = build(
      [p],
      { employeeEngagementAddress: ['Besøgsadresse', 'Postadresse'] },
      {},
      { addresses: unitAddresses },
    );
    expect(users(b)[0]!.Location).to.equal('Vej 2');
    expect(users(build([p], {}, {}, { addresses: unitAddresses }))[0]).not.to.have.property('Location');
  });

  it('a person without exported positions yields an account with zero positions (to be deleted)', () => {
    const p = person(1, { engagements: [engagement(1, IGNORED, 'X')] });
    expect(users(build([p]))[0]!.Positions).to.deep.equal([]);
  });
});
