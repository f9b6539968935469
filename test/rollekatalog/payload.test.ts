/** The Rollekatalog payload rules (specs/rollekatalog.md REC 2, 4, 5, 6, 11) on hand-made models. */
import { expect } from 'chai';
import { resolveIdentities } from '../../jobs/rollekatalog/identity.js';
import type { RkModel } from '../../jobs/rollekatalog/model.js';
import { PayloadError, buildPayload, type PayloadOptions } from '../../jobs/rollekatalog/payload.js';
import { desiredTitles, sameTitleSet } from '../../jobs/rollekatalog/titles.js';

const u = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const p = (n: number): string => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const AD = 'a0000000-0000-4000-8000-000000000001';
const FK = 'a0000000-0000-4000-8000-000000000002';

/**
 * root(1) ─ a(2) ─ b(3);  c(4) is another top unit; d(5) has no name.
 * Persons 1..5; person 4 has no AD account; person 5 shares person 1's sAMAccountName (other case).
 */
function model(): RkModel {
  return {
    units: new Map([
      [u(1), { uuid: u(1), name: 'Kommune', parent: null }],
      [u(2), { uuid: u(2), name: 'Forvaltning', parent: u(1) }],
      [u(3), { uuid: u(3), name: 'Afdeling', parent: u(2) }],
      [u(4), { uuid: u(4), name: 'Anden top', parent: null }],
      [u(5), { uuid: u(5), name: '', parent: u(2) }],
    ]),
    persons: new Map(
      [1, 2, 3, 4, 5].map((n) => [
        p(n),
        { uuid: p(n), name: `Person ${n}`, nickname: n === 2 ? 'Kaldenavn To' : '' },
      ]),
    ),
    engagements: [
      { uuid: 'e1', personUuid: p(1), unitUuid: u(3), jobFunctionUuid: 'jf1', jobFunctionName: 'Lærer' },
      { uuid: 'e1b', personUuid: p(1), unitUuid: u(3), jobFunctionUuid: 'jf1', jobFunctionName: 'Lærer' },
      { uuid: 'e2', personUuid: p(2), unitUuid: u(2), jobFunctionUuid: 'jf2', jobFunctionName: 'Chef' },
      { uuid: 'e2b', personUuid: p(2), unitUuid: u(3), jobFunctionUuid: null, jobFunctionName: '' },
      { uuid: 'e3', personUuid: p(3), unitUuid: u(4), jobFunctionUuid: 'jf1', jobFunctionName: 'Lærer' },
      { uuid: 'e4', personUuid: p(4), unitUuid: u(2), jobFunctionUuid: 'jf1', jobFunctionName: 'Lærer' },
      { uuid: 'e5', personUuid: p(5), unitUuid: u(2), jobFunctionUuid: 'jf1', jobFunctionName: 'Lærer' },
    ],
    managers: [
      { uuid: 'm0', personUuid: null, unitUuid: u(1) },
      { uuid: 'm1', personUuid: p(4), unitUuid: u(1) },
      { uuid: 'm2', personUuid: p(2), unitUuid: u(1) },
      { uuid: 'm3', personUuid: p(1), unitUuid: u(1) },
      { uuid: 'm4', personUuid: null, unitUuid: u(2) },
    ],
    kle: [
      { unitUuid: u(2), aspect: 'UDFOERENDE', number: '27.18.00' },
      { unitUuid: u(2), aspect: 'UDFOERENDE', number: '27.18.00' },
      { unitUuid: u(2), aspect: 'INDSIGT', number: '02.00' },
      { unitUuid: u(2), aspect: 'INFORMERET', number: '00.01' },
      { unitUuid: u(2), aspect: 'ANSVARLIG', number: '99.99' },
    ],
    itSystems: new Map([
      [AD, 'Active Directory'],
      [FK, 'FK-ORG UUID'],
    ]),
    itUsers: [
      { personUuid: p(1), system: AD, userKey: 'anbe', externalId: 'guid-1' },
      { personUuid: p(2), system: AD, userKey: 'tokr', externalId: 'guid-2' },
      { personUuid: p(3), system: AD, userKey: 'trhe', externalId: 'guid-3' },
      { personUuid: p(5), system: AD, userKey: 'ANBE', externalId: 'guid-5' },
      { personUuid: p(1), system: FK, userKey: 'guid-1', externalId: 'f0000000-0000-4000-8000-000000000001' },
    ],
    emails: [
      {
        personUuid: p(1),
        uuid: 'x2',
        typeUserKey: 'EmailPrivate',
        value: 'privat@example.org',
        start: '2024-01-01',
      },
      {
        personUuid: p(1),
        uuid: 'x1',
        typeUserKey: 'EmailEmployee',
        value: 'anbe@andeby.dk',
        start: '2020-01-01',
      },
    ],
    jobFunctions: [
      { uuid: 'jf2', userKey: 'CHEF', name: 'Chef' },
      { uuid: 'jf1', userKey: 'LAERER', name: 'Lærer' },
    ],
  };
}

const base: PayloadOptions = {
  root: u(1),
  ouFilter: false,
  useNickname: false,
  kleMapping: 'correct',
  emailTypes: [],
};

function build(opts: Partial<PayloadOptions> = {}, m = model()) {
  const ids = resolveIdentities(m, 'itsystem', { adSystem: 'Active Directory', fkSystem: 'FK-ORG-UUID' });
  return buildPayload(m, ids.byPerson, { ...base, ...opts });
}

describe('Rollekatalog payload rules', () => {
  it('has exactly one root; other top units hang under it without ou_filter and are left out with it', () => {
    const all = build().payload.orgUnits;
    expect(all.filter((x) => x.parentOrgUnitUuid === null).map((x) => x.uuid)).to.deep.equal([u(1)]);
    expect(all.find((x) => x.uuid === u(4))?.parentOrgUnitUuid).to.equal(u(1));
    const filtered = build({ ouFilter: true }).payload;
    expect(filtered.orgUnits.map((x) => x.uuid)).to.not.include(u(4));
    // Person 3's only position is in the filtered-out unit: not sent.
    expect(filtered.users.map((x) => x.extUuid)).to.not.include(p(3));
  });

  it('drops a unit without a name (with a warning) instead of sending a record the server rejects', () => {
    const r = build();
    expect(r.payload.orgUnits.map((x) => x.uuid)).to.not.include(u(5));
    expect(r.counts.unitsDropped).to.equal(1);
    expect(r.warnings.join('\n')).to.include(`unit ${u(5)} has no name`);
  });

  it('drops a position without a job-function name, de-duplicates positions, and keeps the user', () => {
    const user2 = build().payload.users.find((x) => x.extUuid === p(2))!;
    expect(user2.positions).to.deep.equal([{ name: 'Chef', orgUnitUuid: u(2) }]);
    const user1 = build().payload.users.find((x) => x.extUuid === p(1))!;
    expect(user1.positions).to.have.length(1);
  });

  it('sends each userId once (case-insensitively), keeping the lowest MO uuid, with a warning', () => {
    const r = build();
    expect(
      r.payload.users.filter((x) => x.userId.toLowerCase() === 'anbe').map((x) => x.extUuid),
    ).to.deep.equal([p(1)]);
    expect(r.counts.duplicateUserIds).to.equal(1);
    expect(r.warnings.join('\n')).to.include(`userId of person ${p(5)}`);
  });

  it('does not send a person without an AD account', () => {
    expect(build().payload.users.map((x) => x.extUuid)).to.not.include(p(4));
  });

  it('managers: skips vacant ones and those not among the users, takes the first by manager uuid, null never {}', () => {
    const units = build().payload.orgUnits;
    // m0 vacant, m1 = person 4 (no AD, not a user), m2 = person 2 → chosen before m3 (person 1).
    expect(units.find((x) => x.uuid === u(1))!.manager).to.deep.equal({ uuid: p(2), userId: 'tokr' });
    // Only a vacant manager: null.
    expect(units.find((x) => x.uuid === u(2))!.manager).to.equal(null);
    expect(units.find((x) => x.uuid === u(3))!.manager).to.equal(null);
  });

  it('a manager who is not among the users is not sent', () => {
    const m = model();
    m.managers = [{ uuid: 'm9', personUuid: p(4), unitUuid: u(2) }];
    const r = build({}, m);
    expect(r.payload.orgUnits.find((x) => x.uuid === u(2))!.manager).to.equal(null);
    expect(r.counts.managersCleared).to.equal(1);
  });

  it('KLE: correct mapping by default (de-duplicated, sorted), DIPEX swapped on request', () => {
    const correct = build().payload.orgUnits.find((x) => x.uuid === u(2))!;
    expect(correct.klePerforming).to.deep.equal(['27.18.00']);
    expect(correct.kleInterest).to.deep.equal(['00.01', '02.00']);
    const swapped = build({ kleMapping: 'dipex-swapped' }).payload.orgUnits.find((x) => x.uuid === u(2))!;
    expect(swapped.klePerforming).to.deep.equal(['02.00', '00.01']);
    expect(swapped.kleInterest).to.deep.equal(['27.18.00', '27.18.00']);
  });

  it('uses the nickname only with use_nickname and only when there is one', () => {
    expect(build().payload.users.find((x) => x.extUuid === p(2))!.name).to.equal('Person 2');
    expect(build({ useNickname: true }).payload.users.find((x) => x.extUuid === p(2))!.name).to.equal(
      'Kaldenavn To',
    );
    expect(build({ useNickname: true }).payload.users.find((x) => x.extUuid === p(1))!.name).to.equal(
      'Person 1',
    );
  });

  it('e-mail: the priority list wins, else the latest start', () => {
    expect(build().payload.users.find((x) => x.extUuid === p(1))!.email).to.equal('privat@example.org');
    expect(
      build({ emailTypes: ['EmailEmployee'] }).payload.users.find((x) => x.extUuid === p(1))!.email,
    ).to.equal('anbe@andeby.dk');
  });

  it('rollekatalog_root_uuid replaces the root everywhere', () => {
    const other = 'ffffffff-0000-4000-8000-000000000000';
    const text = JSON.stringify(build({ rootUuid: other }).payload);
    expect(text).to.not.include(u(1));
    expect(text).to.include(other);
  });

  it('a root that is not a current unit is one clear error', () => {
    expect(() => build({ root: u(99) })).to.throw(PayloadError, `root unit ${u(99)} is not a current unit`);
  });

  it('identity modes: dipex from the CPR map, itsystem from AD, fk from the FK IT user', () => {
    const m = model();
    const dipex = resolveIdentities(m, 'dipex', {
      cprMap: [
        { moUuid: p(1), adGuid: 'g', samAccountName: 'fra-kortet' },
        { moUuid: p(2), adGuid: '', samAccountName: '' },
      ],
      adSystem: 'Active Directory',
      fkSystem: 'FK-ORG-UUID',
    });
    expect(dipex.byPerson.get(p(1))).to.deep.equal({ extUuid: p(1), userId: 'fra-kortet' });
    expect(dipex.byPerson.has(p(2))).to.equal(false);
    expect(dipex.missingFromMap).to.include(p(3));
    const fk = resolveIdentities(m, 'fk', { adSystem: 'Active Directory', fkSystem: 'FK-ORG-UUID' });
    expect([...fk.byPerson]).to.deep.equal([
      [p(1), { extUuid: 'f0000000-0000-4000-8000-000000000001', userId: 'anbe' }],
    ]);
  });

  it('titles are compared as sets and named by user_key by default', () => {
    const t = desiredTitles(model().jobFunctions, 'user_key');
    expect(t.map((x) => x.name)).to.deep.equal(['LAERER', 'CHEF']);
    expect(sameTitleSet(t, [...t].reverse())).to.equal(true);
    expect(sameTitleSet(t, desiredTitles(model().jobFunctions, 'name'))).to.equal(false);
  });
});
