/** Spec §2.11: read-merge-POST for units. */
import { expect } from 'chai';
import { canonicalFkUnit, mergeWithFk, sameAsFk } from '../../jobs/os2sync/merge.js';
import type { OrgUnitPayload } from '../../jobs/os2sync/payloads.js';

const mo: OrgUnitPayload = { Uuid: 'u', Name: 'Borgerservice', ParentOrgUnitUuid: 'p', ItSystems: [] };

describe('os2sync read-merge of units', () => {
  it('drops Type, Timestamp and unknown keys, binding FK keys case-insensitively', () => {
    expect(
      canonicalFkUnit({ uuid: 'u', NAME: 'x', Type: 'DEPARTMENT', Timestamp: 't', Foo: 1 }),
    ).to.deep.equal({ Uuid: 'u', Name: 'x' });
  });

  it('FK equal (lists as sets, missing ≡ null ≡ empty) ⇒ no POST', () => {
    const fk = canonicalFkUnit({ ...mo, ItSystems: null, Tasks: [], Email: null, Type: 'DEPARTMENT' });
    expect(sameAsFk(mergeWithFk(mo, fk), fk)).to.equal(true);
    const withTasks = { ...mo, Tasks: ['b', 'a'] };
    expect(
      sameAsFk(mergeWithFk(withTasks, { ...withTasks, Tasks: ['a', 'b'] }), {
        ...withTasks,
        Tasks: ['a', 'b'],
      }),
    ).to.equal(true);
  });

  it('keeps FK-only values MO cannot provide, and LOSShortName always from FK', () => {
    const fk = canonicalFkUnit({
      ...mo,
      LOSShortName: 'LOS',
      PayoutUnitUuid: 'pay',
      ContactPlaces: ['c'],
      SOR: 'sor',
      Tasks: ['t'],
      ShortKey: 'SK',
    });
    const merged = mergeWithFk(mo, fk);
    expect(merged).to.include({ LOSShortName: 'LOS', PayoutUnitUuid: 'pay', SOR: 'sor', ShortKey: 'SK' });
    expect(sameAsFk(merged, fk)).to.equal(true);
    const renamed = mergeWithFk({ ...mo, Name: 'Nyt navn', Tasks: ['m'] }, fk);
    expect(sameAsFk(renamed, fk)).to.equal(false);
    expect(renamed).to.include({ Name: 'Nyt navn', LOSShortName: 'LOS' });
    expect(renamed.Tasks).to.deep.equal(['m']);
  });

  it('a field MO no longer has (e.g. Email) is cleared: different ⇒ POST', () => {
    const fk = canonicalFkUnit({ ...mo, Email: 'old@x.dk' });
    expect(sameAsFk(mergeWithFk(mo, fk), fk)).to.equal(false);
  });
});
